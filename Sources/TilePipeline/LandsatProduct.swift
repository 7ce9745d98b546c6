import Foundation
import GeoRaster

/// A Landsat Collection 2 product as USGS delivers it: one GeoTIFF per band
/// (`<product id>_SR_B1.TIF` … `_SR_B7.TIF`, `_QA_PIXEL.TIF`) and `<product id>_MTL.txt` /
/// `_MTL.json` in one folder. The product id
/// (`LC08_L2SP_186029_20170613_20200903_02_T1`) carries the acquisition date; the MTL file
/// carries date and scene-centre time (`DATE_ACQUIRED`, `SCENE_CENTER_TIME`).
package struct LandsatProduct: Sendable, Equatable {
    /// The folder holding the files.
    package var folder: String
    /// The file-name prefix before `_SR_Bn.TIF` (the product id for USGS downloads).
    package var prefix: String

    /// `QA_PIXEL` bits ``qaMaskPath(bits:)`` masks by default: 0 fill, 3 cloud, 4 cloud shadow.
    package static let qaMaskBits: UInt32 = 1 << 0 | 1 << 3 | 1 << 4

    /// The product `path` names: a folder holding `*_SR_B<n>.TIF` files, or one of those files.
    /// - Returns: `nil` when `path` is neither (an ordinary raster).
    /// - Throws: ``TilePredictionError/model(path:reason:)`` for a folder with no or several
    ///   products.
    package static func locate(_ path: String) throws -> LandsatProduct? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            return nil
        }
        if !isDirectory.boolValue {
            let name = URL(fileURLWithPath: path).lastPathComponent
            guard let prefix = bandPrefix(name) else { return nil }
            return LandsatProduct(
                folder: URL(fileURLWithPath: path).deletingLastPathComponent().path, prefix: prefix)
        }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        let prefixes = Set(names.compactMap(bandPrefix))
        guard prefixes.count == 1, let prefix = prefixes.first else {
            let reason =
                prefixes.isEmpty
                ? "the folder holds no Landsat band files (*_SR_B1.TIF …)"
                : "the folder holds several products (\(prefixes.sorted().joined(separator: ", "))); "
                    + "give one band file or one product's folder"
            throw TilePredictionError.model(path: path, reason: reason)
        }
        return LandsatProduct(folder: path, prefix: prefix)
    }

    /// The prefix of a `<prefix>_SR_B<n>.TIF` file name, or `nil`.
    package static func bandPrefix(_ name: String) -> String? {
        let upper = name.uppercased()
        guard upper.hasSuffix(".TIF") || upper.hasSuffix(".TIFF"),
            let range = upper.range(of: "_SR_B", options: .backwards)
        else { return nil }
        let number = upper[range.upperBound...].prefix { $0.isNumber }
        guard !number.isEmpty else { return nil }
        return String(name[..<range.lowerBound])
    }

    /// The file of `band` (e.g. `SR_B4`, `QA_PIXEL`), any case of the `.TIF` extension.
    package func file(_ band: String) -> String? {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        let wanted = "\(prefix)_\(band)".uppercased()
        return names.sorted().first {
            let upper = $0.uppercased()
            return upper == wanted + ".TIF" || upper == wanted + ".TIFF"
        }.map { "\(folder)/\($0)" }
    }

    /// The acquisition instant as text ``AcquisitionDate`` reads: `DATE_ACQUIRED` and
    /// `SCENE_CENTER_TIME` from the MTL file beside the bands, else the date in the product id
    /// (`YYYY-MM-DD`, 00:00 UTC: the id has no time of day).
    /// - Throws: ``TilePredictionError/model(path:reason:)`` for an MTL file without
    ///   `DATE_ACQUIRED`.
    package func acquisition() throws -> (text: String, source: String)? {
        for suffix in ["_MTL.txt", "_MTL.json"] {
            let mtl = "\(folder)/\(prefix)\(suffix)"
            guard let text = try? String(contentsOfFile: mtl, encoding: .utf8) else { continue }
            guard let date = LandsatProduct.mtlValue("DATE_ACQUIRED", in: text) else {
                throw TilePredictionError.model(
                    path: mtl, reason: "no DATE_ACQUIRED in the MTL file")
            }
            let time = LandsatProduct.mtlValue("SCENE_CENTER_TIME", in: text).map {
                // 10:10:31.1234560Z → 10:10:31Z (AcquisitionDate reads whole seconds)
                String($0.prefix { $0 != "." && $0 != "Z" }) + "Z"
            }
            return (time.map { "\(date)T\($0)" } ?? date, mtl)
        }
        return LandsatProduct.productDate(prefix).map { ($0, "product id \(prefix)") }
    }

    /// `KEY = "value"` (MTL.txt) or `"KEY": "value"` (MTL.json), unquoted.
    package static func mtlValue(_ key: String, in text: String) -> String? {
        if text.trimmingCharacters(in: .whitespacesAndNewlines).hasPrefix("{") {
            let json = try? JSONSerialization.jsonObject(with: Data(text.utf8))
            return json.flatMap { jsonValue(key, in: $0) }
        }
        for line in text.split(whereSeparator: \.isNewline) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            for separator in [" = ", "\": "] {
                let head = separator == " = " ? key : "\"\(key)"
                guard trimmed.hasPrefix(head + separator) else { continue }
                let value = trimmed.dropFirst(head.count + separator.count)
                return value.trimmingCharacters(in: CharacterSet(charactersIn: "\", "))
            }
        }
        return nil
    }

    /// The first string under `key` anywhere in a decoded JSON document (MTL.json nests it in
    /// `LANDSAT_METADATA_FILE.IMAGE_ATTRIBUTES`).
    static func jsonValue(_ key: String, in object: Any) -> String? {
        if let dictionary = object as? [String: Any] {
            if let value = dictionary[key] as? String { return value }
            for name in dictionary.keys.sorted() {
                if let found = jsonValue(key, in: dictionary[name]!) { return found }
            }
        }
        if let array = object as? [Any] {
            for item in array { if let found = jsonValue(key, in: item) { return found } }
        }
        return nil
    }

    /// The acquisition date `YYYY-MM-DD` of a Collection 2 product id
    /// (`LXSS_LLLL_PPPRRR_YYYYMMDD_yyyymmdd_CC_TX`) at the start of `name`, or `nil`.
    package static func productDate(_ name: String) -> String? {
        let parts = name.split(separator: "_").map(String.init)
        guard parts.count >= 4, parts[0].count == 4, parts[0].hasPrefix("L"),
            parts[2].count == 6, parts[2].allSatisfy(\.isNumber),
            parts[3].count == 8, parts[3].allSatisfy(\.isNumber)
        else { return nil }
        let d = Array(parts[3])
        return "\(String(d[0..<4]))-\(String(d[4..<6]))-\(String(d[6..<8]))"
    }

    /// Writes the VRT stacking the product's band files in `bandNames` order (model order),
    /// with the acquisition date as `ACQUISITIONDATE` and, with `qaMask`, a mask from
    /// `QA_PIXEL` (fill, cloud, cloud shadow) written beside it.
    /// - Returns: the files written (VRT first), for removal after the run.
    /// - Throws: ``TilePredictionError/model(path:reason:)`` naming a missing band file.
    package func writeStack(
        bandNames: [String], qaMask: Bool, directory: String
    ) throws -> [String] {
        let files = try bandNames.map { name in
            guard let file = file(name) else {
                throw TilePredictionError.model(
                    path: folder, reason: "no \(prefix)_\(name).TIF for the model's band \(name)")
            }
            return file
        }
        let stem = "\(directory)/.geomap-\(prefix)-\(UUID().uuidString.prefix(8))"
        var written: [String] = []
        var maskPath: String?
        if qaMask {
            guard let qa = file("QA_PIXEL") else {
                throw TilePredictionError.model(
                    path: folder, reason: "--qa-mask: no \(prefix)_QA_PIXEL.TIF beside the bands")
            }
            maskPath = "\(stem).qa-mask.tif"
            written.append(maskPath!)
            do {
                try BandStack.writeBitMask(
                    from: qa, bits: LandsatProduct.qaMaskBits, to: maskPath!)
            } catch {
                unlink(maskPath!)
                throw error
            }
        }
        var metadata: [String: String] = ["GEOMAP_PRODUCT": prefix]
        if let date = try acquisition() { metadata["ACQUISITIONDATE"] = date.text }
        let vrt = "\(stem).vrt"
        do {
            try BandStack.writeVRT(
                files: files, descriptions: bandNames, metadata: metadata, maskPath: maskPath,
                to: vrt)
        } catch {
            for file in written { unlink(file) }
            throw error
        }
        return [vrt] + written
    }
}
