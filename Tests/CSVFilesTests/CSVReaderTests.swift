import CSVFiles
import Foundation
import TestSupport
import Testing

@Suite("The delimited-text reader (RFC 4180)")
struct CSVReaderTests {
    @Test(
        "quoted fields hold commas, line breaks and doubled quotes; lines are where records start")
    func quoting() throws {
        let text = "id,name\r\n1,\"a, b\"\n2,\"two\nlines\"\n3,\"say \"\"hi\"\"\"\n"
        let records = try CSVReader.records(text)
        #expect(
            records == [
                CSVRecord(line: 1, fields: ["id", "name"]),
                CSVRecord(line: 2, fields: ["1", "a, b"]),
                CSVRecord(line: 3, fields: ["2", "two\nlines"]),
                CSVRecord(line: 5, fields: ["3", "say \"hi\""]),
            ])
    }

    @Test("a byte-order mark, blank lines, CR line ends and a missing last line end")
    func lineEnds() throws {
        let text = "\u{FEFF}a,b\r\r\n  \n1,2\r3,\"\""
        let records = try CSVReader.records(text)
        #expect(records.map(\.fields) == [["a", "b"], ["1", "2"], ["3", ""]])
        #expect(records.map(\.line) == [1, 4, 5])
    }

    @Test(
        "empty fields are kept; unquoted fields keep their spaces; a quote inside a field is text")
    func fields() throws {
        let records = try CSVReader.records("a,,c\n x , 5\" pipe,\n")
        #expect(records.map(\.fields) == [["a", "", "c"], [" x ", " 5\" pipe", ""]])
    }

    @Test("spaces before an opening quote and after a closing one are not part of the field")
    func spacesAroundQuotes() throws {
        let records = try CSVReader.records("  \"x, y\"  ,z\n")
        #expect(records.map(\.fields) == [["x, y", "z"]])
    }

    @Test("non-ASCII text passes through unchanged")
    func unicode() throws {
        let records = try CSVReader.records("basin,name\nB1,\"Rhône, Genève\"\nB2,Zürich\n")
        #expect(
            records.map(\.fields) == [
                ["basin", "name"], ["B1", "Rhône, Genève"], ["B2", "Zürich"],
            ])
    }

    @Test("an unclosed quote names the record's first line; text after a closing quote its line")
    func malformed() {
        #expect(throws: CSVReadError.unterminatedQuote(line: 2)) {
            try CSVReader.records("a,b\n1,\"open\n\n")
        }
        #expect(throws: CSVReadError.textAfterQuote(line: 3)) {
            try CSVReader.records("a,b\n1,2\n3,\"x\"y\n")
        }
        // A second quoted part after a closed one (even one of spaces) is not a new field.
        #expect(throws: CSVReadError.textAfterQuote(line: 1)) {
            try CSVReader.records("\" \" \"x\",b\n")
        }
    }

    @Test(
        "the delimiter is detected from the first non-blank line",
        arguments: [
            ("a\tb c\n1\t2 3\n", [["a", "b c"], ["1", "2 3"]]),
            ("a;b,c\n1;\"2;3\"\n", [["a", "b,c"], ["1", "2;3"]]),
            ("\n a,b\n1,2\n", [[" a", "b"], ["1", "2"]]),
            (
                "Year Mnth  Day\n  1980\t01 02  \n",
                [["Year", "Mnth", "Day"], ["1980", "01", "02"]]
            ),
            ("value\n1\n", [["value"], ["1"]]),
        ])
    func detection(text: String, expected: [[String]]) throws {
        #expect(try CSVReader.records(text, delimiter: nil).map(\.fields) == expected)
    }

    @Test("runs of spaces and tabs separate fields; a quoted field may hold spaces")
    func whitespace() throws {
        let records = try CSVReader.records(
            "  01013500 1980 01 01   655.00 A\n\"two words\"\t\tx  \n", delimiter: .whitespace)
        #expect(
            records.map(\.fields) == [
                ["01013500", "1980", "01", "01", "655.00", "A"], ["two words", "x"],
            ])
    }

    @Test("with a limit, only the first records are parsed: a broken quote after them is not read")
    func limit() throws {
        let text = "Year Mnth Day\n1980 01 01\n1980 01 02\n\"open\n"
        let first = try CSVReader.records(text, delimiter: .whitespace, limit: 2)
        #expect(first.map(\.fields) == [["Year", "Mnth", "Day"], ["1980", "01", "01"]])
        #expect(try CSVReader.records(text, delimiter: .whitespace, limit: 1).count == 1)
        #expect(throws: CSVReadError.unterminatedQuote(line: 4)) {
            try CSVReader.records(text, delimiter: .whitespace)
        }
    }

    @Test("what CSVField.escape writes reads back unchanged")
    func roundTrip() throws {
        let fields = ["plain", "a,b", "say \"hi\"", "two\nlines", " edge ", "", "Zürich"]
        let line = fields.map(CSVField.escape).joined(separator: ",") + "\n"
        #expect(try CSVReader.records(line).first?.fields == fields)
        #expect(CSVField.escape("plain") == "plain")
    }

    @Test("a file: missing, a folder and not UTF-8 are errors naming the problem")
    func files() throws {
        let dir = try makeTemporaryDirectory("csv-reader-files")
        let good = dir.appendingPathComponent("good.csv")
        try Data("a,b\n1,2\n".utf8).write(to: good)
        #expect(try CSVReader.records(of: good).count == 2)
        #expect(throws: CSVFileError.missing) {
            try CSVReader.records(of: dir.appendingPathComponent("absent.csv"))
        }
        #expect(throws: CSVFileError.folder) {
            try CSVReader.records(of: dir)
        }
        let latin1 = dir.appendingPathComponent("latin1.csv")
        try Data([0x61, 0x2C, 0xE9, 0x0A]).write(to: latin1)
        #expect(throws: CSVFileError.notUTF8) { try CSVReader.records(of: latin1) }
        let broken = dir.appendingPathComponent("broken.csv")
        try Data("a\n\"x\n".utf8).write(to: broken)
        do {
            _ = try CSVReader.records(of: broken)
            Issue.record("an unclosed quote was read")
        } catch {
            #expect(error.line == 2 && error.problem == "a quoted field is not closed")
        }
    }
}
