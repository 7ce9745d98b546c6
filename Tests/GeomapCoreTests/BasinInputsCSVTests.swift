import Foundation
import TestSupport
import Testing

@testable import GeomapCore

/// Writes `text` to `name` in a fresh temporary directory.
func basinFile(_ name: String, _ text: String) throws -> URL {
    let url = try makeTemporaryDirectory("basin-inputs").appendingPathComponent(name)
    try text.write(to: url, atomically: true, encoding: .utf8)
    return url
}

/// The error a throwing call raises (nil when it does not throw).
func basinError<T>(_ body: () throws(BasinInputError) -> T) -> BasinInputError? {
    do {
        _ = try body()
        return nil
    } catch {
        return error
    }
}

@Suite("Per-basin forcings from CSV")
struct BasinInputsCSVTests {
    @Test("the long layout fills variables × basins × days, gaps and blanks as NaN")
    func longLayout() throws {
        let url = try basinFile(
            "long.csv",
            """
            basin_id,time,variable,value
            01013500,2000-01-01,pr,1.5
            01013500,2000-01-03,pr,2.5
            01013500,2000-01-01,tas,280
            02,2000-01-02,pr,
            02,2000-01-01T00:00:00,pr,NaN

            """)
        let t = try BasinCSV.readForcings(url)
        #expect(t.basinIDs == ["01013500", "02"])
        #expect(t.variables == ["pr", "tas"])
        #expect(t.dates.map(\.description) == ["2000-01-01", "2000-01-02", "2000-01-03"])
        let pr = try #require(t.series("pr", basin: "01013500"))
        #expect(pr[0] == 1.5 && pr[1].isNaN && pr[2] == 2.5)
        let tas = try #require(t.series("tas", basin: "01013500"))
        #expect(tas[0] == 280 && tas[1].isNaN && tas[2].isNaN)
        #expect(t.series("pr", basin: "02")!.allSatisfy { $0.isNaN })
        #expect(t.missingCounts == [4, 5])
    }

    @Test("the wide layout is detected from the header; CRLF and quotes tolerated")
    func wideLayout() throws {
        let url = try basinFile(
            "wide.csv",
            "\"gauge_id\",date,prcp,tmax\r\nA,1999-12-31,0.5,10\r\nA,2000-01-01,1,NA\r\n"
                + "B,2000-01-01,2,12\r\n")
        let t = try BasinCSV.readForcings(url)
        #expect(t.variables == ["prcp", "tmax"])
        #expect(t.basinIDs == ["A", "B"])
        #expect(t.dayCount == 2)
        #expect(t.series("prcp", basin: "A") == [0.5, 1])
        #expect(t.series("tmax", basin: "A")![1].isNaN)
        #expect(t.series("prcp", basin: "B")![0].isNaN)
        #expect(t[variable: 1, basin: 1, day: 1] == 12)
    }

    @Test("every malformed file is a one-line error naming the file and line")
    func errors() throws {
        let cases: [(String, String)] = [
            ("lat,lon,x\n1,2,3\n", ":1: unknown layout: header 'lat,lon,x'"),
            ("basin_id,time,pr\nA,2000-02-30,1\n", ":2: bad date '2000-02-30'"),
            ("basin_id,time,pr\nA,01/02/2000,1\n", ":2: bad date '01/02/2000'"),
            ("basin_id,time,pr\nA,2000-01-01,1.2.3\n", ":2: non-numeric value '1.2.3' for pr"),
            (
                "basin_id,time,variable,value\nA,2000-01-01,pr,1\nA,2000-01-01,pr,2\n",
                ":3: duplicate row: basin A, 2000-01-01, pr already given on line 2"
            ),
            ("basin_id,time,pr\nA,2000-01-01\n", ":2: 2 fields where the header has 3"),
            ("basin_id,time,pr,pr\nA,2000-01-01,1,2\n", ":1: column 'pr' appears twice"),
            ("basin_id,time,pr\n", ": no data rows"),
            ("basin_id,time,pr\n,2000-01-01,1\n", ":2: empty basin id"),
            (
                "basin_id,time,pr\nA,2000-01-01,1\n\"B,2000-01-02,2\n",
                ":3: a quoted field is not closed"
            ),
            ("basin_id,time,pr\nA,\"2000-01-01\"x,1\n", ":2: text after a closing quote"),
        ]
        for (text, expected) in cases {
            let url = try basinFile("bad.csv", text)
            let error = try #require(
                basinError { () throws(BasinInputError) in
                    try BasinCSV.readForcings(url)
                })
            #expect(error.description.hasPrefix(url.path))
            #expect(error.description.contains(expected), "\(error)")
            #expect(!error.description.contains("\n"))
        }
        let absent = URL(fileURLWithPath: "/nonexistent/forcings.csv")
        let error = basinError { () throws(BasinInputError) in try BasinCSV.readForcings(absent) }
        #expect(
            error?.description == "/nonexistent/forcings.csv: no such file")
    }
}

@Suite("Static basin attributes from CSV")
struct BasinInputsAttributesTests {
    @Test("attributes are read in the order asked, for the basins asked")
    func read() throws {
        let url = try basinFile(
            "attrs.csv", "basin_id,area,elev,slope\nB,20,300,\nA,10,100,0.1\nC,1,1,1\n")
        let a = try BasinAttributes.read(url, attributes: ["elev", "area"], basins: ["A", "B"])
        #expect(a.values == [100, 300, 10, 20])
        #expect(a.value("area", basin: "B") == 20)
        let s = try BasinAttributes.read(url, attributes: ["slope"], basins: ["B"])
        #expect(s.values[0].isNaN)
    }

    @Test("missing basins and attributes are listed together in one error")
    func missing() throws {
        let url = try basinFile("attrs.csv", "basin_id,area\nA,10\n")
        let error = basinError { () throws(BasinInputError) in
            try BasinAttributes.read(
                url, attributes: ["area", "elev", "slope"], basins: ["A", "X", "Y"])
        }
        #expect(
            error?.description
                == "\(url.path): missing attributes: elev, slope; missing basins: X, Y")
    }

    @Test("bad header, duplicate basin, non-numeric value and field count are errors")
    func errors() throws {
        let cases: [(String, String)] = [
            ("name,area\nA,1\n", ":1: the first column must be basin_id (found 'name')"),
            ("basin_id,area\nA,1\nA,2\n", ":3: duplicate basin A (already on line 2)"),
            ("basin_id,area\nA,big\n", ":2: non-numeric value 'big' for area of basin A"),
            ("basin_id,area\nA,1,2\n", ":2: 3 fields where the header has 2"),
        ]
        for (text, expected) in cases {
            let url = try basinFile("attrs.csv", text)
            let error = basinError { () throws(BasinInputError) in
                try BasinAttributes.read(url, attributes: ["area"], basins: ["A"])
            }
            #expect(error?.description == url.path + expected)
        }
    }
}
