import Foundation

/// A minimal RFC 4180 reader: comma-separated fields, double-quoted fields may hold commas,
/// newlines and doubled quotes; CRLF or LF line ends; a leading UTF-8 byte-order mark is
/// ignored; blank lines are skipped.
enum CSVRecords {
    struct Record: Equatable {
        /// 1-based line where the record starts.
        let line: Int
        let fields: [String]
    }

    enum Failure: Error, Equatable {
        case unterminatedQuote(line: Int)
        case textAfterQuote(line: Int)
    }

    static func parse(_ text: String) throws(Failure) -> [Record] {
        var records: [Record] = []
        var fields: [String] = []
        var field = ""
        var line = 1
        var recordLine = 1
        var quoted = false
        var afterQuote = false
        var fieldStarted = false
        var characters = Array(text.unicodeScalars)
        if characters.first == "\u{FEFF}" { characters.removeFirst() }
        var i = 0

        func endRecord() {
            fields.append(field)
            let blank = fields.count == 1 && fields[0].allSatisfy { $0 == " " || $0 == "\t" }
            if !blank { records.append(Record(line: recordLine, fields: fields)) }
            fields = []
            field = ""
            fieldStarted = false
            afterQuote = false
        }

        while i < characters.count {
            let c = characters[i]
            if quoted {
                if c == "\"" {
                    if i + 1 < characters.count, characters[i + 1] == "\"" {
                        field.unicodeScalars.append("\"")
                        i += 1
                    } else {
                        quoted = false
                        afterQuote = true
                    }
                } else {
                    if c == "\n" { line += 1 }
                    field.unicodeScalars.append(c)
                }
            } else if c == "," {
                fields.append(field)
                field = ""
                fieldStarted = false
                afterQuote = false
            } else if c == "\n" || c == "\r" {
                if c == "\r", i + 1 < characters.count, characters[i + 1] == "\n" { i += 1 }
                endRecord()
                line += 1
                recordLine = line
            } else if c == "\"", !fieldStarted || field.allSatisfy({ $0 == " " }) {
                field = ""
                quoted = true
                fieldStarted = true
            } else if afterQuote {
                if c != " ", c != "\t" { throw .textAfterQuote(line: line) }
            } else {
                field.unicodeScalars.append(c)
                fieldStarted = true
            }
            i += 1
        }
        if quoted { throw .unterminatedQuote(line: recordLine) }
        if fieldStarted || !fields.isEmpty || !field.isEmpty { endRecord() }
        return records
    }

    /// One field, quoted when it holds a comma, quote, line break or edge spaces.
    static func escape(_ field: String) -> String {
        let needsQuotes =
            field.contains { $0 == "," || $0 == "\"" || $0.isNewline }
            || field.first == " " || field.last == " "
        guard needsQuotes else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
