import Foundation
import GeoNetCDF
import TestSupport
import Testing

@testable import BasinPipeline
@testable import GeomapCore

@Suite("Selecting basins and a date window from a basin table")
struct BasinInputsSelectionTests {
    func table() throws -> BasinTable {
        let url = try basinFile(
            "f.csv",
            "basin_id,time,pr\nA,2000-01-01,1\nA,2000-01-02,2\nB,2000-01-01,3\nB,2000-01-02,4\n")
        return try BasinCSV.readForcings(url)
    }

    @Test("basins are reordered and the window is cut or padded with NaN")
    func select() throws {
        let t = try table()
        let s = try t.selecting(
            basins: ["B", "A"], from: CFDate(year: 1999, month: 12, day: 31),
            through: CFDate(year: 2000, month: 1, day: 1), path: "f.csv")
        #expect(s.basinIDs == ["B", "A"])
        #expect(s.dates.map(\.description) == ["1999-12-31", "2000-01-01"])
        let b = try #require(s.series("pr", basin: "B"))
        #expect(b[0].isNaN && b[1] == 3)
        #expect(try t.selecting(basins: ["A"], path: "f.csv").series("pr", basin: "A") == [1, 2])
    }

    @Test("absent basins are listed at once; an empty window is an error")
    func errors() throws {
        let t = try table()
        let e1 = basinError { () throws(BasinInputError) in
            try t.selecting(basins: ["A", "X", "Y"], path: "f.csv")
        }
        #expect(e1?.description == "f.csv: no forcings for basins X, Y")
        let e2 = basinError { () throws(BasinInputError) in
            try t.selecting(
                basins: ["A"], from: CFDate(year: 2000, month: 1, day: 2),
                through: CFDate(year: 2000, month: 1, day: 1), path: "f.csv")
        }
        #expect(e2?.description == "f.csv: the window 2000-01-02 … 2000-01-01 is empty")
    }
}
