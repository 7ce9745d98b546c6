/// Text that comes from files (checkpoint tensor names, metadata, library messages) made safe to
/// print on a terminal: control characters (C0, DEL, C1) are shown as `\u{1B}`-style escapes and
/// never sent raw, so a crafted checkpoint cannot move the cursor or recolour the screen.
enum TerminalText {
    /// `text` with its control characters escaped; with `keepingLines`, newlines and tabs of a
    /// multi-line report stay as they are.
    static func escaped(_ text: String, keepingLines: Bool = false) -> String {
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            let v = scalar.value
            let control = v < 0x20 || (0x7F...0x9F).contains(v)
            if control, !(keepingLines && (v == 0x0A || v == 0x09)) {
                out.append(
                    contentsOf: "\\u{\(String(v, radix: 16, uppercase: true))}".unicodeScalars)
            } else {
                out.append(scalar)
            }
        }
        return String(out)
    }
}
