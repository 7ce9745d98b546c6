/// How a period of days is cut into model windows (StefaLand runs at most `L` days at once).
///
/// Windows hold `L` days (the model's sequence length) and step by `L − W` (`W` its warm-up):
/// each window's first `W` days only spin up the LSTM and its outputs from index `W` on are
/// kept, so consecutive windows' kept days join without overlap. The first window starts `W`
/// days before the first output day when the input has them (else at the first available
/// day, and its outputs are kept from the first output day on, with less spin-up); the last
/// window is anchored to the last day (it may overlap its predecessor, whose days win); when
/// the available days are fewer than `L`, they are one shorter window.
package struct BasinWindowPlan: Sendable, Equatable {
    /// One model window, in day indices of the input table.
    package struct Window: Sendable, Equatable {
        /// First day of the window.
        package var start: Int
        /// Days in the window (`L`, or fewer when the input is shorter).
        package var length: Int
        /// The days whose outputs come from this window (inside `start..<start + length`).
        package var kept: Range<Int>

        package init(start: Int, length: Int, kept: Range<Int>) {
            self.start = start
            self.length = length
            self.kept = kept
        }
    }

    package var windows: [Window]
    /// The days predicted (the union of the windows' kept days, in order).
    package var output: Range<Int>

    /// - Parameters:
    ///   - available: the input days the windows may read (table indices).
    ///   - output: the days to predict, inside `available`, not empty.
    ///   - sequenceLength: `L ≥ 1`; warmUp: `0 ≤ W < L`.
    package init(available: Range<Int>, output: Range<Int>, sequenceLength: Int, warmUp: Int) {
        precondition(
            !output.isEmpty && available.contains(output.lowerBound)
                && output.upperBound <= available.upperBound, "output days outside the input")
        precondition(sequenceLength >= 1 && warmUp >= 0 && warmUp < sequenceLength)
        let (length, warm, end) = (sequenceLength, warmUp, output.upperBound)
        var windows: [Window] = []
        var covered = output.lowerBound
        var start = max(available.lowerBound, output.lowerBound - warm)
        while true {
            if start + length >= end {
                start = max(available.lowerBound, end - length)
                windows.append(Window(start: start, length: end - start, kept: covered..<end))
                break
            }
            windows.append(Window(start: start, length: length, kept: covered..<(start + length)))
            covered = start + length
            start = covered - warm
        }
        self.windows = windows
        self.output = output
    }

    /// Days per window (all windows of a plan have the same length).
    package var windowLength: Int { windows[0].length }
}
