/// Hyper-parameters of a StefaLand model (spec `stefaland.md` §2 and §5), stored in the model
/// file's manifest. Everything except ``heads``, ``sequenceLength`` and ``warmUp`` is read off
/// the checkpoint's tensor names and shapes at import.
package struct StefaLandConfiguration: Codable, Sendable, Equatable {
    /// `d_model`, the token width.
    package var dModel: Int
    /// Attention heads (not recorded in checkpoints; upstream always uses 4).
    package var heads: Int
    /// Transformer encoder layers.
    package var encoderLayers: Int
    /// Feed-forward width `d_ff` of the encoder layers.
    package var feedForward: Int
    /// Hidden width of the per-variable embedding MLPs (64 upstream).
    package var variableHidden: Int
    /// Dynamic (daily) variables in input-column order.
    package var dynamicVariables: [String]
    /// Static variables in input-column order.
    package var staticVariables: [String]
    /// The fine-tuned prediction head, or `nil` for an encoder-only model (embeddings only).
    package var head: Head?
    /// Days per model window (δMG `rho`; at most 999, the positional table's limit).
    package var sequenceLength: Int
    /// Leading days of each window that only spin up the LSTM state; predictions for them are
    /// discarded by the basin pipeline (0 = every day is kept).
    package var warmUp: Int

    /// The δMG fine-tuning head (spec §5.2).
    package struct Head: Codable, Sendable, Equatable {
        /// `dual_residual` or `none`.
        package var adapter: String
        /// Whether the LSTM is wrapped by `pre_lstm` / `post_lstm` (StefaLand-resConn).
        package var residualLSTM: Bool
        /// Number of predicted quantities (rows of `projection.weight`).
        package var outputs: Int

        package init(adapter: String, residualLSTM: Bool, outputs: Int) {
            self.adapter = adapter
            self.residualLSTM = residualLSTM
            self.outputs = outputs
        }
    }

    package init(
        dModel: Int, heads: Int, encoderLayers: Int, feedForward: Int, variableHidden: Int = 64,
        dynamicVariables: [String], staticVariables: [String], head: Head?,
        sequenceLength: Int = 365, warmUp: Int = 0
    ) {
        self.dModel = dModel
        self.heads = heads
        self.encoderLayers = encoderLayers
        self.feedForward = feedForward
        self.variableHidden = variableHidden
        self.dynamicVariables = dynamicVariables
        self.staticVariables = staticVariables
        self.head = head
        self.sequenceLength = sequenceLength
        self.warmUp = warmUp
    }

    /// Rows of the learned positional table; a window holds at most `maxTokens − 1` days.
    package static let maxTokens = 1000

    /// Checks the numbers against each other.
    /// - Throws: ``ModelError`` about `path` naming the inconsistent value.
    package func validate(path: String) throws {
        guard dModel > 0, heads > 0, dModel % heads == 0 else {
            throw ModelError(path, "d_model \(dModel) is not divisible by heads \(heads)")
        }
        guard !dynamicVariables.isEmpty else {
            throw ModelError(path, "the model has no dynamic variables")
        }
        guard sequenceLength > 0, sequenceLength < Self.maxTokens else {
            throw ModelError(path, "sequence length \(sequenceLength) is outside 1…999")
        }
        guard warmUp >= 0, warmUp < sequenceLength else {
            throw ModelError(
                path,
                "warm-up \(warmUp) is not between 0 and the sequence length \(sequenceLength) − 1")
        }
        if let head, !["dual_residual", "none"].contains(head.adapter) {
            throw ModelError(path, "adapter '\(head.adapter)' is not dual_residual or none")
        }
    }
}
