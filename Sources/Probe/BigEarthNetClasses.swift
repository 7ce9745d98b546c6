package import Foundation

/// The BigEarthNet (v1) label nomenclature: the 43 CORINE Land Cover level-3 names found in the
/// `*_labels_metadata.json` files, and the 19-class nomenclature of Sumbul et al. (2020) that
/// upstream's probes predict (`BigEarthNetInfo.MATCH_LABELS`; moe-mae.md §5.1).
package enum BigEarthNet {
    /// The 43 CLC names in BigEarthNet-v1 index order.
    package static let clcNames: [String] = [
        "Continuous urban fabric",
        "Discontinuous urban fabric",
        "Industrial or commercial units",
        "Road and rail networks and associated land",
        "Port areas",
        "Airports",
        "Mineral extraction sites",
        "Dump sites",
        "Construction sites",
        "Green urban areas",
        "Sport and leisure facilities",
        "Non-irrigated arable land",
        "Permanently irrigated land",
        "Rice fields",
        "Vineyards",
        "Fruit trees and berry plantations",
        "Olive groves",
        "Pastures",
        "Annual crops associated with permanent crops",
        "Complex cultivation patterns",
        "Land principally occupied by agriculture, with significant areas of natural vegetation",
        "Agro-forestry areas",
        "Broad-leaved forest",
        "Coniferous forest",
        "Mixed forest",
        "Natural grassland",
        "Moors and heathland",
        "Sclerophyllous vegetation",
        "Transitional woodland/shrub",
        "Beaches, dunes, sands",
        "Bare rock",
        "Sparsely vegetated areas",
        "Burnt areas",
        "Inland marshes",
        "Peatbogs",
        "Salt marshes",
        "Salines",
        "Intertidal flats",
        "Water courses",
        "Water bodies",
        "Coastal lagoons",
        "Estuaries",
        "Sea and ocean",
    ]

    /// The 19 class names in index order.
    package static let classNames19: [String] = [
        "Urban fabric",
        "Industrial or commercial units",
        "Arable land",
        "Permanent crops",
        "Pastures",
        "Complex cultivation patterns",
        "Land principally occupied by agriculture, with significant areas of natural vegetation",
        "Agro-forestry areas",
        "Broad-leaved forest",
        "Coniferous forest",
        "Mixed forest",
        "Natural grassland and sparsely vegetated areas",
        "Moors, heathland and sclerophyllous vegetation",
        "Transitional woodland, shrub",
        "Beaches, dunes, sands",
        "Inland wetlands",
        "Coastal wetlands",
        "Inland waters",
        "Marine waters",
    ]

    /// Display colours of the 19 classes: the CORINE Land Cover legend colour of each class's
    /// first CLC member (e.g. Coniferous forest #00a600).
    package static let classColors19: [String] = [
        "#e6004d", "#cc4df2", "#ffffa8", "#e68000", "#e6e64d", "#ffe64d", "#e6cc4d", "#f2cca6",
        "#80ff00", "#00a600", "#4dff00", "#ccf24d", "#a6ff80", "#a6f200", "#e6e6e6", "#a6a6ff",
        "#ccccff", "#80f2e6", "#e6f2ff",
    ]

    /// For each of the 43 CLC classes, its 19-class index, or nil when the 19-class
    /// nomenclature drops it (roads, ports, airports, mines, dumps, construction, green urban,
    /// sport, bare rock, burnt areas, intertidal flats).
    package static let clcTo19: [Int?] = [
        0, 0, 1, nil, nil, nil, nil, nil, nil, nil, nil,  // 0–10
        2, 2, 2, 3, 3, 3, 4, 3, 5, 6, 7,  // 11–21
        8, 9, 10, 11, 12, 12, 13, 14, nil, 11, nil,  // 22–32
        15, 15, 16, 16, nil, 17, 17, 18, 18, 18,  // 33–42
    ]

    /// The sorted 19-class indices of a tile's CLC label names; dropped classes vanish, so the
    /// result may be empty.
    /// - Throws: ``ProbeError/data(_:)`` naming an unknown CLC name.
    package static func classIndices19(clcNames names: [String]) throws -> [Int] {
        var out = Set<Int>()
        for name in names {
            guard let index = clcIndex[name] else {
                throw ProbeError.data("unknown BigEarthNet CLC label '\(name)'")
            }
            if let mapped = clcTo19[index] { out.insert(mapped) }
        }
        return out.sorted()
    }

    private static let clcIndex: [String: Int] = Dictionary(
        uniqueKeysWithValues: clcNames.enumerated().map { ($1, $0) })

    /// The `labels` list (CLC-43 names) of a BigEarthNet `*_labels_metadata.json` file.
    /// - Throws: ``ProbeError/file(path:problem:)`` when the file is missing, is not JSON,
    ///   lacks a `labels` list of strings, or names an unknown class.
    package static func readLabels(_ url: URL) throws -> [String] {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw ProbeError.file(path: url.path, problem: "cannot read the label file")
        }
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw ProbeError.file(path: url.path, problem: "not valid JSON")
        }
        guard let labels = (object as? [String: Any])?["labels"] as? [String] else {
            throw ProbeError.file(path: url.path, problem: "no 'labels' list of class names")
        }
        for name in labels where clcIndex[name] == nil {
            throw ProbeError.file(path: url.path, problem: "unknown BigEarthNet label '\(name)'")
        }
        return labels
    }

    /// The label file of an image tile: `<dir>/labels/<name>_labels_metadata.json` for
    /// `<dir>/images/<name>.tif` (the layout of the sample folder and of BigEarthNet-L).
    package static func labelFile(forImage image: URL) -> URL {
        let name = image.deletingPathExtension().lastPathComponent
        return image.deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("labels")
            .appendingPathComponent("\(name)_labels_metadata.json")
    }

    /// The sample rows of a BigEarthNet-style folder (`images/*.tif`, `labels/*.json`), sorted
    /// by image name, with each tile's 19-class names. Tiles without a label file are returned
    /// apart (the sample folder has one); a tile whose labels all map to nothing keeps an empty
    /// class list (multi-label all-zero target, as upstream).
    package static func sampleRows(
        dataFolder: URL
    ) throws -> (rows: [(image: URL, classNames: [String])], unlabelled: [URL]) {
        let images = dataFolder.appendingPathComponent("images")
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: images.path)
                .filter { $0.lowercased().hasSuffix(".tif") }.sorted()
        } catch {
            throw ProbeError.file(path: images.path, problem: "cannot list the image folder")
        }
        guard !names.isEmpty else {
            throw ProbeError.file(path: images.path, problem: "no .tif images")
        }
        var rows: [(image: URL, classNames: [String])] = []
        var unlabelled: [URL] = []
        for name in names {
            let image = images.appendingPathComponent(name)
            let labelFile = labelFile(forImage: image)
            guard FileManager.default.fileExists(atPath: labelFile.path) else {
                unlabelled.append(image)
                continue
            }
            let indices = try classIndices19(clcNames: readLabels(labelFile))
            rows.append((image, indices.map { classNames19[$0] }))
        }
        return (rows, unlabelled)
    }
}
