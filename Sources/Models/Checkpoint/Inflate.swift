/// Raw DEFLATE (RFC 1951) decoder for deflated zip entries. Output is bounded by the size the
/// zip directory declares, so a "zip bomb" fails instead of exhausting memory, and decoding
/// stops as soon as the bytes asked for (`prefix`) are out, so a storage that honestly declares
/// gigabytes of zeros costs only what the tensor using it needs.
enum Inflate {
    /// The first `prefix` bytes (default: all `expectedSize`) of the entry's data.
    static func inflate(
        _ input: UnsafeRawBufferPointer, expectedSize: Int, prefix: Int? = nil, path: String,
        entry: String
    )
        throws -> [UInt8]
    {
        let wanted = min(prefix ?? expectedSize, expectedSize)
        var state = State(
            input: input, limit: expectedSize, wanted: wanted, path: path, entry: entry)
        do {
            try state.run()
        } catch is Enough {
            return Array(state.output.prefix(wanted))
        }
        guard state.output.count == expectedSize else {
            throw state.error(
                "inflated to \(state.output.count) bytes, the directory says \(expectedSize)")
        }
        return state.output
    }

    private struct Huffman {
        var counts = [Int](repeating: 0, count: 16)
        var symbols: [Int] = []

        init(lengths: [Int]) throws {
            for length in lengths { counts[length] += 1 }
            counts[0] = 0
            var left = 1
            for bits in 1..<16 {
                left <<= 1
                left -= counts[bits]
                if left < 0 { throw InflateFailure.badTable }
            }
            var offsets = [Int](repeating: 0, count: 16)
            for bits in 1..<15 { offsets[bits + 1] = offsets[bits] + counts[bits] }
            symbols = [Int](repeating: 0, count: lengths.count)
            for (symbol, length) in lengths.enumerated() where length != 0 {
                symbols[offsets[length]] = symbol
                offsets[length] += 1
            }
        }
    }

    private enum InflateFailure: Error { case badTable }

    /// Thrown inside the decoder once the wanted prefix is out (not an error).
    private struct Enough: Error {}

    private static let lengthBase = [
        3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35,
        43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258,
    ]
    private static let lengthExtra = [
        0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3,
        4, 4, 4, 4, 5, 5, 5, 5, 0,
    ]
    private static let distanceBase = [
        1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193,
        257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577,
    ]
    private static let distanceExtra = [
        0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8,
        8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13,
    ]

    private struct State {
        let input: UnsafeRawBufferPointer
        let limit: Int
        /// Decoding stops (``Enough``) once this many bytes are out, when below `limit`.
        let wanted: Int
        let path: String
        let entry: String
        var position = 0
        var bitBuffer = 0
        var bitCount = 0
        var output: [UInt8] = []

        init(input: UnsafeRawBufferPointer, limit: Int, wanted: Int, path: String, entry: String) {
            self.input = input
            self.limit = limit
            self.wanted = wanted
            self.path = path
            self.entry = entry
            output.reserveCapacity(min(wanted, 1 << 26))
        }

        /// Stops decoding once the wanted prefix is out (only when less than the whole entry
        /// is wanted: a complete read still checks the stream to its end).
        func checkEnough() throws {
            if wanted < limit, output.count >= wanted { throw Enough() }
        }

        func error(_ message: String) -> ModelError {
            ModelError(path, "corrupt deflate data in zip entry \(entry): \(message)")
        }

        mutating func bits(_ count: Int) throws -> Int {
            while bitCount < count {
                guard position < input.count else { throw error("unexpected end of data") }
                bitBuffer |= Int(input[position]) << bitCount
                position += 1
                bitCount += 8
            }
            let value = bitBuffer & ((1 << count) - 1)
            bitBuffer >>= count
            bitCount -= count
            return value
        }

        mutating func decode(_ h: Huffman) throws -> Int {
            var code = 0
            var first = 0
            var index = 0
            for length in 1..<16 {
                code |= try bits(1)
                let count = h.counts[length]
                if code - count < first { return h.symbols[index + (code - first)] }
                index += count
                first += count
                first <<= 1
                code <<= 1
            }
            throw error("invalid Huffman code")
        }

        mutating func emit(_ byte: UInt8) throws {
            guard output.count < limit else {
                throw error("more data than the declared \(limit) bytes")
            }
            output.append(byte)
            try checkEnough()
        }

        mutating func run() throws {
            var last = 0
            repeat {
                last = try bits(1)
                switch try bits(2) {
                case 0: try stored()
                case 1: try fixed()
                case 2: try dynamic()
                default: throw error("invalid block type")
                }
            } while last == 0
        }

        mutating func stored() throws {
            bitBuffer = 0
            bitCount = 0
            guard position + 4 <= input.count else { throw error("truncated stored block") }
            let length = Int(input[position]) | Int(input[position + 1]) << 8
            let complement = Int(input[position + 2]) | Int(input[position + 3]) << 8
            position += 4
            guard length == (~complement & 0xFFFF) else { throw error("stored block length check") }
            guard position + length <= input.count else { throw error("truncated stored block") }
            guard output.count + length <= limit else {
                throw error("more data than the declared \(limit) bytes")
            }
            output.append(contentsOf: input[position..<position + length])
            position += length
            try checkEnough()
        }

        mutating func fixed() throws {
            var lengths = [Int](repeating: 8, count: 288)
            for i in 144..<256 { lengths[i] = 9 }
            for i in 256..<280 { lengths[i] = 7 }
            let literal = try Huffman(lengths: lengths)
            let distance = try Huffman(lengths: [Int](repeating: 5, count: 30))
            try codes(literal, distance)
        }

        mutating func dynamic() throws {
            let literalCount = try bits(5) + 257
            let distanceCount = try bits(5) + 1
            let codeCount = try bits(4) + 4
            guard literalCount <= 286, distanceCount <= 30 else { throw error("bad code counts") }
            let order = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]
            var codeLengths = [Int](repeating: 0, count: 19)
            for i in 0..<codeCount { codeLengths[order[i]] = try bits(3) }
            let lengthCode: Huffman
            do { lengthCode = try Huffman(lengths: codeLengths) } catch {
                throw self.error("bad code lengths")
            }
            var lengths: [Int] = []
            while lengths.count < literalCount + distanceCount {
                let symbol = try decode(lengthCode)
                switch symbol {
                case 0..<16: lengths.append(symbol)
                case 16:
                    guard let previous = lengths.last else {
                        throw error("repeat with no previous length")
                    }
                    lengths += [Int](repeating: previous, count: 3 + (try bits(2)))
                case 17: lengths += [Int](repeating: 0, count: 3 + (try bits(3)))
                default: lengths += [Int](repeating: 0, count: 11 + (try bits(7)))
                }
            }
            guard lengths.count == literalCount + distanceCount else {
                throw error("too many lengths")
            }
            do {
                let literal = try Huffman(lengths: Array(lengths[..<literalCount]))
                let distance = try Huffman(lengths: Array(lengths[literalCount...]))
                try codes(literal, distance)
            } catch is InflateFailure {
                throw error("bad Huffman table")
            }
        }

        mutating func codes(_ literal: Huffman, _ distance: Huffman) throws {
            while true {
                let symbol = try decode(literal)
                if symbol < 256 {
                    try emit(UInt8(symbol))
                } else if symbol == 256 {
                    return
                } else {
                    let index = symbol - 257
                    guard index < 29 else { throw error("bad length symbol") }
                    let length = Inflate.lengthBase[index] + (try bits(Inflate.lengthExtra[index]))
                    let dSymbol = try decode(distance)
                    guard dSymbol < 30 else { throw error("bad distance symbol") }
                    let back =
                        Inflate.distanceBase[dSymbol] + (try bits(Inflate.distanceExtra[dSymbol]))
                    guard back <= output.count else { throw error("distance beyond the start") }
                    guard output.count + length <= limit else {
                        throw error("more data than the declared \(limit) bytes")
                    }
                    let start = output.count - back
                    for i in 0..<length { output.append(output[start + i]) }
                    try checkEnough()
                }
            }
        }
    }
}
