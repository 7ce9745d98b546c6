/// Why basin ids that a file should hold are absent, when the reason is plain to see.
package enum BasinIDHints {
    /// `"; the ids differ only by leading zeros …"` when some of `missing` are in `available`
    /// once leading zeros are dropped (USGS gauge ids such as 01022500 stored as integers by a
    /// spreadsheet or pandas), else `""`. geomap never matches such ids itself: ids are text,
    /// and 01022500 and 1022500 may be two basins.
    package static func leadingZeros(missing: [String], available: some Sequence<String>)
        -> String
    {
        func stripped(_ id: String) -> Substring {
            let s = id.drop { $0 == "0" }
            return s.isEmpty ? "0" : s
        }
        var byStripped: [Substring: String] = [:]
        for id in available { byStripped[stripped(id)] = id }
        let pairs = missing.compactMap { id in byStripped[stripped(id)].map { (id, $0) } }
        guard let first = pairs.first else { return "" }
        return "; the ids differ only by leading zeros (\(pairs.count) basin(s), e.g. "
            + "\(first.0) is \(first.1) in the file): write the file's ids as text with their "
            + "leading zeros"
    }
}
