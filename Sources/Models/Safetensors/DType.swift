/// Element types of safetensors files and PyTorch storages that geomap reads. Every one is
/// converted to `Float32` on load (integers and booleans exactly where representable).
package enum DType: String, Sendable, CaseIterable, Codable {
    case float64 = "F64"
    case float32 = "F32"
    case float16 = "F16"
    case bfloat16 = "BF16"
    case int64 = "I64"
    case int32 = "I32"
    case int16 = "I16"
    case int8 = "I8"
    case uint8 = "U8"
    case bool = "BOOL"

    /// Bytes per element.
    package var size: Int {
        switch self {
        case .float64, .int64: 8
        case .float32, .int32: 4
        case .float16, .bfloat16, .int16: 2
        case .int8, .uint8, .bool: 1
        }
    }

    /// Converts `count` little-endian elements at `source` (any alignment) to Float32.
    package func convert(
        _ source: UnsafeRawPointer, count: Int, into destination: UnsafeMutablePointer<Float>
    ) {
        switch self {
        case .float32:
            UnsafeMutableRawPointer(destination).copyMemory(from: source, byteCount: count * 4)
            #if _endian(big)
                for i in 0..<count {
                    destination[i] = Float(bitPattern: destination[i].bitPattern.byteSwapped)
                }
            #endif
        case .float64:
            for i in 0..<count {
                let bits = UInt64(
                    littleEndian: source.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self))
                destination[i] = Float(Double(bitPattern: bits))
            }
        case .float16:
            for i in 0..<count {
                let bits = UInt16(
                    littleEndian: source.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self))
                destination[i] = DType.halfToFloat(bits)
            }
        case .bfloat16:
            for i in 0..<count {
                let bits = UInt16(
                    littleEndian: source.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self))
                destination[i] = Float(bitPattern: UInt32(bits) << 16)
            }
        case .int64:
            for i in 0..<count {
                destination[i] = Float(
                    Int64(littleEndian: source.loadUnaligned(fromByteOffset: i * 8, as: Int64.self))
                )
            }
        case .int32:
            for i in 0..<count {
                destination[i] = Float(
                    Int32(littleEndian: source.loadUnaligned(fromByteOffset: i * 4, as: Int32.self))
                )
            }
        case .int16:
            for i in 0..<count {
                destination[i] = Float(
                    Int16(littleEndian: source.loadUnaligned(fromByteOffset: i * 2, as: Int16.self))
                )
            }
        case .int8:
            for i in 0..<count {
                destination[i] = Float(source.load(fromByteOffset: i, as: Int8.self))
            }
        case .uint8:
            for i in 0..<count {
                destination[i] = Float(source.load(fromByteOffset: i, as: UInt8.self))
            }
        case .bool:
            for i in 0..<count {
                destination[i] = source.load(fromByteOffset: i, as: UInt8.self) != 0 ? 1 : 0
            }
        }
    }

    /// IEEE 754 binary16 → binary32 (exact, including subnormals, infinities and NaN).
    package static func halfToFloat(_ h: UInt16) -> Float {
        let sign = UInt32(h & 0x8000) << 16
        let exponent = Int(h >> 10) & 0x1F
        let mantissa = UInt32(h & 0x3FF)
        if exponent == 0 {
            // Zero or subnormal: mantissa · 2^-24.
            let magnitude = Float(mantissa) * Float(sign: .plus, exponent: -24, significand: 1)
            return sign != 0 ? -magnitude : magnitude
        }
        if exponent == 0x1F {
            return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
        }
        return Float(bitPattern: sign | (UInt32(exponent - 15 + 127) << 23) | (mantissa << 13))
    }
}
