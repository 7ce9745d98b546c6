package import Foundation

/// One record of a delimited text file.
package struct CSVRecord: Sendable, Equatable {
    /// 1-based line on which the record starts (a quoted field may span lines).
    package let line: Int
    /// The fields, unquoted (`""` inside quotes is one `"`); unquoted fields keep their spaces,
    /// except with ``CSVDelimiter/whitespace``.
    package let fields: [String]

    package init(line: Int, fields: [String]) {
        self.line = line
        self.fields = fields
    }
}

/// What separates the fields of a record.
package enum CSVDelimiter: Sendable, Equatable {
    /// One byte: `,` (RFC 4180), `;` (European spreadsheets, CAMELS attribute files) or a tab.
    case character(UInt8)
    /// Runs of spaces and tabs, leading and trailing ones ignored (fixed-width tables such as
    /// CAMELS-US Daymet forcings and USGS streamflow).
    case whitespace

    package static let comma = CSVDelimiter.character(UInt8(ascii: ","))
    package static let semicolon = CSVDelimiter.character(UInt8(ascii: ";"))
    package static let tab = CSVDelimiter.character(UInt8(ascii: "\t"))

    /// The separator of a file whose header line is `header`: a tab, else `;`, else `,`, else
    /// runs of spaces when the trimmed header has a space, else `,` (a one-column file).
    package static func detect(header: Substring) -> CSVDelimiter {
        if header.contains("\t") { return .tab }
        if header.contains(";") { return .semicolon }
        if header.contains(",") { return .comma }
        return header.trimmingCharacters(in: .whitespaces).contains(" ") ? .whitespace : .comma
    }
}

/// Why a text is not valid delimited text.
package enum CSVReadError: Error, Equatable, Sendable {
    /// A quoted field opened on `line` is never closed.
    case unterminatedQuote(line: Int)
    /// Something other than spaces follows a closing quote before the delimiter, on `line`.
    case textAfterQuote(line: Int)
}

/// The one reader of delimited text (RFC 4180) that every CSV input of geomap goes through:
/// basin forcings, attributes and observed series, static attribute tables, the probe's
/// sample lists.
///
/// Fields are separated by the delimiter; a field that starts with `"` (after optional
/// spaces) is quoted and may hold delimiters, line breaks and doubled quotes (`""` → `"`);
/// a `"` inside an unquoted field is kept as text. Records end at LF, CRLF or CR. A leading
/// UTF-8 byte-order mark is ignored, and blank lines (only spaces or tabs) are skipped.
package enum CSVReader {
    /// The records of `text`, split at `delimiter` (`nil`: detected from the first non-blank
    /// line, ``CSVDelimiter/detect(header:)``); with `limit`, only the first `limit` records
    /// (the rest of the text is not parsed: a format check reads a file's first lines).
    package static func records(
        _ text: String, delimiter: CSVDelimiter? = .comma, limit: Int? = nil
    ) throws(CSVReadError) -> [CSVRecord] {
        var text = text
        let chosen = delimiter ?? .detect(header: firstLine(text))
        let result = text.withUTF8 { bytes -> Result<[CSVRecord], CSVReadError> in
            var parser = Parser(delimiter: chosen, limit: limit ?? Int.max)
            do throws(CSVReadError) {
                return .success(try parser.parse(bytes))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// The records of a UTF-8 file (see ``records(_:delimiter:limit:)``).
    /// - Throws: ``CSVFileError``: unreadable, not UTF-8, or not valid delimited text.
    package static func records(
        of url: URL, delimiter: CSVDelimiter? = .comma, limit: Int? = nil
    ) throws(CSVFileError) -> [CSVRecord] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw .missing
        }
        guard !isDirectory.boolValue else { throw .folder }
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw .unreadable
        }
        guard let text = String(data: data, encoding: .utf8) else { throw .notUTF8 }
        do {
            return try records(text, delimiter: delimiter, limit: limit)
        } catch {
            throw .malformed(error)
        }
    }

    /// The first line that is not blank (after a byte-order mark), for delimiter detection;
    /// the text after it is not looked at.
    static func firstLine(_ text: String) -> Substring {
        var rest = Substring(text)
        if rest.hasPrefix("\u{FEFF}") { rest = rest.dropFirst() }
        while !rest.isEmpty {
            let end = rest.firstIndex(where: \.isNewline) ?? rest.endIndex
            let line = rest[..<end]
            if !line.allSatisfy({ $0 == " " || $0 == "\t" }) { return line }
            rest = end == rest.endIndex ? "" : rest[rest.index(after: end)...]
        }
        return ""
    }

    /// A byte-level state machine over the text's UTF-8 (delimiters, quotes and line ends
    /// are ASCII, so multi-byte characters pass through unchanged).
    struct Parser {
        let delimiter: CSVDelimiter
        /// Records after which parsing stops.
        let limit: Int
        var records: [CSVRecord] = []
        var fields: [String] = []
        var field: [UInt8] = []
        /// The current field has content or an opening quote.
        var started = false
        var quoted = false
        var afterQuote = false
        var line = 1
        var recordLine = 1

        init(delimiter: CSVDelimiter, limit: Int) {
            self.delimiter = delimiter
            self.limit = limit
        }

        static let quote = UInt8(ascii: "\"")
        static let space = UInt8(ascii: " ")
        static let tab = UInt8(ascii: "\t")
        static let lf = UInt8(ascii: "\n")
        static let cr = UInt8(ascii: "\r")

        mutating func parse(_ bytes: UnsafeBufferPointer<UInt8>) throws(CSVReadError)
            -> [CSVRecord]
        {
            var i = 0
            if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { i = 3 }
            while i < bytes.count, records.count < limit {
                let c = bytes[i]
                if quoted {
                    if c == Self.quote {
                        if i + 1 < bytes.count, bytes[i + 1] == Self.quote {
                            field.append(Self.quote)
                            i += 1
                        } else {
                            quoted = false
                            afterQuote = true
                        }
                    } else {
                        let crlf = c == Self.cr && i + 1 < bytes.count && bytes[i + 1] == Self.lf
                        if c == Self.lf || (c == Self.cr && !crlf) { line += 1 }
                        field.append(c)
                    }
                } else if c == Self.lf || c == Self.cr {
                    if c == Self.cr, i + 1 < bytes.count, bytes[i + 1] == Self.lf { i += 1 }
                    endRecord()
                    line += 1
                    recordLine = line
                } else if isDelimiter(c) {
                    if case .whitespace = delimiter, !started {
                        // Runs of blanks are one separator; leading blanks separate nothing.
                    } else {
                        endField()
                    }
                } else if c == Self.quote, !afterQuote,
                    !started || field.allSatisfy({ $0 == Self.space })
                {
                    field.removeAll(keepingCapacity: true)
                    quoted = true
                    started = true
                } else if afterQuote {
                    if c != Self.space, c != Self.tab { throw .textAfterQuote(line: line) }
                } else {
                    field.append(c)
                    started = true
                }
                i += 1
            }
            if records.count >= limit { return records }
            if quoted { throw .unterminatedQuote(line: recordLine) }
            endRecord()
            return records
        }

        func isDelimiter(_ c: UInt8) -> Bool {
            switch delimiter {
            case .character(let d): c == d
            case .whitespace: c == Self.space || c == Self.tab
            }
        }

        mutating func endField() {
            fields.append(String(decoding: field, as: UTF8.self))
            field.removeAll(keepingCapacity: true)
            started = false
            afterQuote = false
        }

        mutating func endRecord() {
            if case .whitespace = delimiter {
                if started { endField() }
            } else if started || !fields.isEmpty || !field.isEmpty {
                endField()
            }
            let blank =
                fields.isEmpty
                || (fields.count == 1
                    && fields[0].utf8.allSatisfy { $0 == Self.space || $0 == Self.tab })
            if !blank { records.append(CSVRecord(line: recordLine, fields: fields)) }
            fields.removeAll()
            field.removeAll(keepingCapacity: true)
            started = false
            afterQuote = false
        }
    }
}

/// Why a delimited text file could not be read.
package enum CSVFileError: Error, Equatable, Sendable {
    case missing
    case folder
    /// Exists but cannot be read (permissions, an I/O error).
    case unreadable
    case notUTF8
    case malformed(CSVReadError)

    /// The problem in words, for an error that names the file and ``line``.
    package var problem: String {
        switch self {
        case .missing: "no such file"
        case .folder: "is a folder, not a text file"
        case .unreadable: "cannot read the file"
        case .notUTF8: "cannot read the file as UTF-8 text"
        case .malformed(.unterminatedQuote): "a quoted field is not closed"
        case .malformed(.textAfterQuote): "text after a closing quote"
        }
    }

    /// The line the problem is on, when it is on one.
    package var line: Int? {
        switch self {
        case .malformed(.unterminatedQuote(let line)), .malformed(.textAfterQuote(let line)):
            line
        default: nil
        }
    }
}

/// Writing fields that the reader reads back unchanged.
package enum CSVField {
    /// `field`, quoted when it holds a comma, quote, line break or edge spaces (RFC 4180).
    package static func escape(_ field: String) -> String {
        let needsQuotes =
            field.contains { $0 == "," || $0 == "\"" || $0.isNewline }
            || field.first == " " || field.last == " "
        guard needsQuotes else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
