import GeoProjection
import Testing

@Suite("CRS parsing and comparison")
struct CRSTests {
    @Test("EPSG code parses with name, code, units and geographic flag")
    func epsgCode() throws {
        let utm = try CRS("EPSG:32634")
        #expect(utm.epsgCode == 32634)
        #expect(utm.name == "WGS 84 / UTM zone 34N")
        #expect(!utm.isGeographic)
        #expect(utm.unitName == "metre")
        #expect(utm.unitToSI == 1)
        let wgs84 = try CRS.wgs84
        #expect(wgs84.epsgCode == 4326)
        #expect(wgs84.isGeographic)
        #expect(wgs84.unitName == "degree")
    }

    @Test("WKT, PROJJSON and PROJ string of one CRS are the same CRS")
    func sameAcrossSpellings() throws {
        let utm = try CRS(epsg: 32634)
        let fromWKT = try CRS(utm.wkt)
        let fromJSON = try CRS(utm.projJSON)
        let fromPROJ = try CRS("+proj=utm +zone=34 +datum=WGS84 +units=m +no_defs")
        #expect(fromWKT.epsgCode == 32634)
        #expect(fromJSON.epsgCode == 32634)
        #expect(utm.isSame(as: fromWKT))
        #expect(utm.isSame(as: fromJSON))
        #expect(utm.isSame(as: fromPROJ))
        #expect(!fromPROJ.isGeographic)
    }

    @Test("different CRSs are not the same; lat/lon vs lon/lat order of WGS 84 is")
    func differentCRS() throws {
        let zone34 = try CRS("EPSG:32634")
        let zone33 = try CRS("EPSG:32633")
        #expect(!zone34.isSame(as: zone33))
        let latLon = try CRS("EPSG:4326")
        let lonLat = try CRS("OGC:CRS84")
        #expect(latLon.isSame(as: lonLat))
    }

    @Test("an unknown CRS string fails with PROJ's reason, naming the text and the call")
    func unknownCRS() {
        #expect {
            _ = try CRS("EPSG:999999")
        } throws: { error in
            let text = String(describing: error)
            return text.contains("EPSG:999999") && text.contains("proj_create")
                && !text.contains("Unknown error")
        }
        #expect(throws: PROJError.self) { _ = try CRS("not a crs at all") }
    }

    @Test("a PROJ string that is an operation, not a CRS, is rejected")
    func operationIsNotCRS() {
        #expect(throws: PROJError.self) { _ = try CRS("+proj=pipeline +step +proj=unitconvert") }
    }
}
