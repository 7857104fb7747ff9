// ModelEmbedder: writes the Swift source that compiles `Models/` into the Scenarios module.
//
// Run by the EmbedModels build-tool plugin (Plugins/EmbedModels), never by hand:
//
//     ModelEmbedder OUTPUT.swift Models/a.yaml Models/b.yaml … Models/data.csv …
//
// Each `.yaml` becomes a `BundledModel` named after the file without `.yaml`, in the order of
// those names; each `.csv` becomes a data file named after the whole file name. The text goes
// into a multi-line raw string literal whose `#` delimiter is one longer than the longest run of
// `#` in the text, so no sequence in a model (`"""#`, `\#(…)`) can end the literal or interpolate;
// text a multi-line literal cannot carry exactly (a carriage return, another control character
// than tab and line feed) is written as an escaped one-line literal instead. The output is
// rewritten only when its text changes.
import Foundation

/// A Swift string literal whose value is exactly `text`.
func literal(_ text: String) -> String {
    let exotic = text.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" && $0 != "\t" || $0.value == 0x7F }
    if exotic {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F: out += "\\u{\(String(scalar.value, radix: 16))}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
    var longest = 0, run = 0
    for scalar in text.unicodeScalars {
        run = scalar == "#" ? run + 1 : 0
        longest = max(longest, run)
    }
    let hashes = String(repeating: "#", count: longest + 1)
    // The line break just before the closing delimiter is not part of a multi-line literal.
    return hashes + "\"\"\"\n" + text + "\n\"\"\"" + hashes
}

/// The file name of a path, without its folder.
func fileName(_ path: String) -> String {
    path.split(separator: "/").last.map(String.init) ?? path
}

let arguments = CommandLine.arguments.dropFirst()
guard let output = arguments.first else {
    FileHandle.standardError.write(Data("usage: ModelEmbedder OUTPUT.swift MODEL.yaml… DATA.csv…\n".utf8))
    exit(2)
}
var models: [(name: String, text: String)] = []
var dataFiles: [(name: String, text: String)] = []
for path in arguments.dropFirst() {
    let name = fileName(path)
    guard let data = FileManager.default.contents(atPath: path) else {
        FileHandle.standardError.write(Data("\(path): error: cannot read the file\n".utf8))
        exit(1)
    }
    guard let text = String(data: data, encoding: .utf8) else {
        FileHandle.standardError.write(Data("\(path): error: not UTF-8 text\n".utf8))
        exit(1)
    }
    if name.hasSuffix(".yaml") {
        models.append((String(name.dropLast(".yaml".count)), text))
    } else {
        dataFiles.append((name, text))
    }
}
models.sort { $0.name < $1.name }
dataFiles.sort { $0.name < $1.name }

var out = """
    // Generated at build time by ModelEmbedder (the EmbedModels plugin) from Models/ — never edited,
    // never committed. ScenariosTests checks that every text equals its file byte for byte.

    extension BundledModels {
        /// The models in `Models/` (every `.yaml`), in the order of their names.
        public static let all: [BundledModel] = [

    """
for model in models {
    out += "        BundledModel(name: \(literal(model.name)), text: \(literal(model.text))),\n"
}
out += """
        ]

        /// The data files in `Models/` (every `.csv`), by file name.
        static let dataFiles: [(name: String, text: String)] = [

    """
for file in dataFiles {
    out += "        (name: \(literal(file.name)), text: \(literal(file.text))),\n"
}
out += "    ]\n}\n"

if FileManager.default.contents(atPath: output) != Data(out.utf8) {
    do {
        try Data(out.utf8).write(to: URL(fileURLWithPath: output), options: .atomic)
    } catch {
        FileHandle.standardError.write(Data("\(output): error: \(error)\n".utf8))
        exit(1)
    }
}
