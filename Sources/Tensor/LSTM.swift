internal import RealModule

/// The weights of one PyTorch `nn.LSTM` layer (one direction), gate order `i, f, g, o`.
public struct LSTMWeights: Sendable {
    /// `weight_ih_l0`: `[4·hidden, input]`.
    public let weightIH: Tensor
    /// `weight_hh_l0`: `[4·hidden, hidden]`.
    public let weightHH: Tensor
    /// `bias_ih_l0 + bias_hh_l0`: `[4·hidden]` (summed once at load).
    public let bias: Tensor
    /// The hidden size `hidden`.
    public var hiddenSize: Int { weightHH.shape[1] }
    /// The input size.
    public var inputSize: Int { weightIH.shape[1] }

    /// Checks the shapes against each other (programmer error → trap) and sums the biases.
    /// - Parameters:
    ///   - weightIH: `[4h, in]`; weightHH: `[4h, h]`; biasIH, biasHH: `[4h]` or `nil`.
    public init(weightIH: Tensor, weightHH: Tensor, biasIH: Tensor?, biasHH: Tensor?) {
        precondition(
            weightHH.rank == 2 && weightHH.shape[0] == 4 * weightHH.shape[1],
            "LSTMWeights: weight_hh \(weightHH.shape) is not [4h, h]")
        let gates = weightHH.shape[0]
        precondition(
            weightIH.rank == 2 && weightIH.shape[0] == gates,
            "LSTMWeights: weight_ih \(weightIH.shape) is not [\(gates), in]")
        var bias = Tensor(zeros: [gates])
        for b in [biasIH, biasHH].compactMap({ $0 }) {
            precondition(b.count == gates, "LSTMWeights: bias \(b.shape) is not [\(gates)]")
            add(&bias, b.reshaped([gates]))
        }
        self.weightIH = weightIH
        self.weightHH = weightHH
        self.bias = bias
    }
}

/// The LSTM cell update on pre-activation gates, in place.
/// For each of `batch` rows: `gates` holds `[i | f | g | o]` (`4·hidden`, rows `4·hidden`
/// apart); `c ← σ(f)·c + σ(i)·tanh(g)`, `h ← σ(o)·tanh(c)` (`h`, `c` rows `hidden` apart).
public func lstmCellUpdate(
    gates: UnsafePointer<Float>, batch: Int, hidden: Int,
    h: UnsafeMutablePointer<Float>, c: UnsafeMutablePointer<Float>
) {
    for b in 0..<batch {
        let g = gates + b * 4 * hidden
        let hRow = h + b * hidden
        let cRow = c + b * hidden
        for j in 0..<hidden {
            let inputGate = Activation.sigmoid(g[j])
            let forgetGate = Activation.sigmoid(g[hidden + j])
            let cellInput = Float.tanh(g[2 * hidden + j])
            let outputGate = Activation.sigmoid(g[3 * hidden + j])
            let cell = Relaxed.multiplyAdd(forgetGate, cRow[j], inputGate * cellInput)
            cRow[j] = cell
            hRow[j] = outputGate * Float.tanh(cell)
        }
    }
}

/// One step of PyTorch `nn.LSTM` (single layer, one direction).
/// - Parameters:
///   - x: `[batch, input]`; h, c: `[batch, hidden]` (the previous state).
/// - Returns: the new `(h, c)`, each `[batch, hidden]`.
public func lstmStep(_ x: Tensor, h: Tensor, c: Tensor, weights: LSTMWeights)
    -> (h: Tensor, c: Tensor)
{
    let hidden = weights.hiddenSize
    precondition(
        x.rank == 2 && x.columns == weights.inputSize,
        "lstmStep: x \(x.shape) is not [batch, \(weights.inputSize)]")
    let batch = x.shape[0]
    precondition(
        h.shape == [batch, hidden] && c.shape == [batch, hidden],
        "lstmStep: state \(h.shape)/\(c.shape) is not [\(batch), \(hidden)]")
    var gates = linear(x, weight: weights.weightIH, bias: weights.bias)
    var (newH, newC) = (h, c)
    gates.withUnsafeMutableBufferPointer { gp in
        h.withUnsafeBufferPointer { hp in
            weights.weightHH.withUnsafeBufferPointer { wp in
                gemm(
                    .none, .transposed, m: batch, n: 4 * hidden, k: hidden,
                    a: hp.baseAddress!, lda: hidden, b: wp.baseAddress!, ldb: hidden,
                    beta: 1, c: gp.baseAddress!, ldc: 4 * hidden)
            }
        }
        newH.withUnsafeMutableBufferPointer { hp in
            newC.withUnsafeMutableBufferPointer { cp in
                lstmCellUpdate(
                    gates: gp.baseAddress!, batch: batch, hidden: hidden,
                    h: hp.baseAddress!, c: cp.baseAddress!)
            }
        }
    }
    return (newH, newC)
}

/// A whole sequence through PyTorch `nn.LSTM` (single layer, one direction). The input
/// projection `x · W_ihᵀ + b` of all steps is one sgemm (one per sequence when `batchFirst`);
/// each step then adds `h · W_hhᵀ`.
/// - Parameters:
///   - x: `[batch, steps, input]` when `batchFirst` (PyTorch `batch_first=True`), else
///     `[steps, batch, input]`.
///   - h0, c0: `[batch, hidden]`, or `nil` for zeros (PyTorch's default).
/// - Returns: `output` (every step's `h`, laid out like `x` with `hidden` columns) and the final
///   `(h, c)`, each `[batch, hidden]`.
public func lstmSequence(
    _ x: Tensor, weights: LSTMWeights, h0: Tensor? = nil, c0: Tensor? = nil,
    batchFirst: Bool = true
) -> (output: Tensor, h: Tensor, c: Tensor) {
    precondition(
        x.rank == 3 && x.columns == weights.inputSize,
        "lstmSequence: x \(x.shape) is not 3-D ending in \(weights.inputSize)")
    let hidden = weights.hiddenSize
    let (batch, steps) = batchFirst ? (x.shape[0], x.shape[1]) : (x.shape[1], x.shape[0])
    var h = h0 ?? Tensor(zeros: [batch, hidden])
    var c = c0 ?? Tensor(zeros: [batch, hidden])
    precondition(
        h.shape == [batch, hidden] && c.shape == [batch, hidden],
        "lstmSequence: initial state is not [\(batch), \(hidden)]")
    // [.., .., 4h]; batch first, each sequence is a product of its own (its values then do
    // not depend on the batch, see linear(_:weight:bias:blockRows:)).
    let projected = linear(
        x, weight: weights.weightIH, bias: weights.bias, blockRows: batchFirst ? steps : nil)
    var output = Tensor(zeros: Array(x.shape.dropLast()) + [hidden])
    var gates = Tensor(zeros: [batch, 4 * hidden])
    // Row of (b, t) in `projected`/`output`.
    let rowStrideBatch = batchFirst ? steps : 1
    let rowStrideStep = batchFirst ? 1 : batch
    projected.withUnsafeBufferPointer { pp in
        weights.weightHH.withUnsafeBufferPointer { wp in
            gates.withUnsafeMutableBufferPointer { gp in
                h.withUnsafeMutableBufferPointer { hp in
                    c.withUnsafeMutableBufferPointer { cp in
                        output.withUnsafeMutableBufferPointer { op in
                            let (proj, w, g) = (pp.baseAddress!, wp.baseAddress!, gp.baseAddress!)
                            let (hb, cb, ob) = (hp.baseAddress!, cp.baseAddress!, op.baseAddress!)
                            for t in 0..<steps {
                                for b in 0..<batch {
                                    let row = b * rowStrideBatch + t * rowStrideStep
                                    (g + b * 4 * hidden).update(
                                        from: proj + row * 4 * hidden, count: 4 * hidden)
                                }
                                gemm(
                                    .none, .transposed, m: batch, n: 4 * hidden, k: hidden,
                                    a: hb, lda: hidden, b: w, ldb: hidden,
                                    beta: 1, c: g, ldc: 4 * hidden)
                                lstmCellUpdate(gates: g, batch: batch, hidden: hidden, h: hb, c: cb)
                                for b in 0..<batch {
                                    let row = b * rowStrideBatch + t * rowStrideStep
                                    (ob + row * hidden).update(from: hb + b * hidden, count: hidden)
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    return (output, h, c)
}
