import Foundation

/// Errors writing a result folder.
public enum ResultFolderError: Error, CustomStringConvertible, Equatable {
    /// The target exists and does not look like an earlier `leverage` result folder (no manifest.json):
    /// we refuse to replace a folder that may hold someone's other files.
    case notAResultFolder(path: String)
    case notADirectory(path: String)
    case writeFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case .notAResultFolder(let path):
            return "\(path): exists and is not a leverage result folder (no manifest.json); choose a new or empty folder"
        case .notADirectory(let path): return "\(path): exists and is not a folder"
        case .writeFailed(let path, let reason): return "\(path): cannot write: \(reason)"
        }
    }
}

/// Writes every table as CSV and JSON (plus text or Markdown when asked for), `manifest.json`, `report.html` (the tables and their charts, see
/// `HTMLReport`) and `tables.xlsx` (one sheet per table, see `Workbook`) into a folder,
/// **atomically**: everything is written into a hidden staging folder beside the target, which
/// then replaces the target in one rename. A failure at any point leaves no partial files behind
/// (the staging folder is removed) and the previous contents, if any, untouched.
public enum ResultFolder {
    /// The HTML report's file name.
    public static let reportFile = "report.html"
    /// The workbook's file name.
    public static let workbookFile = "tables.xlsx"

    /// Writes `tables`, the manifest, the HTML report and the workbook into `path`.
    ///
    /// - Parameters:
    ///   - tables: each written as `NAME.csv` (for pandas: `pd.read_csv`) and `NAME.json` (the
    ///     `--format json` document holding that one table), whatever the format.
    ///   - manifest: written as `manifest.json` and shown in the report and the workbook.
    ///   - format: `table` or `markdown` add `NAME.txt` or `NAME.md` per table (every column);
    ///     `csv` and `json` add nothing.
    ///   - path: the result folder; it may exist only if it is empty or an earlier result folder.
    /// - Returns: the file names written, per table (CSV, JSON, then text or Markdown), then
    ///   `manifest.json`, `report.html`, `tables.xlsx`.
    /// - Throws: `ResultFolderError` when the folder cannot be written or replaced; nothing is left behind then.
    @discardableResult
    public static func write(_ tables: [Table], manifest: Manifest, format: OutputFormat, to path: String) throws -> [String] {
        var files: [(String, Data)] = []
        for table in tables {
            for f in [OutputFormat.csv, .json] + (format == .table || format == .markdown ? [format] : []) {
                files.append(("\(table.name).\(f.fileExtension)", Data(Renderer.render(table, manifest: manifest, format: f).utf8)))
            }
        }
        files.append(("manifest.json", Data((manifest.json.serialized() + "\n").utf8)))
        files.append((reportFile, Data(HTMLReport.render(tables, manifest: manifest).utf8)))
        do {
            files.append((workbookFile, try Workbook.data(tables, manifest: manifest)))
        } catch {
            throw ResultFolderError.writeFailed(path: path, reason: error.description)
        }
        try write(files: files, to: path)
        return files.map(\.0)
    }

    /// Writes named text files into `path` atomically (see the type's documentation).
    ///
    /// - Parameters:
    ///   - files: file names (inside the folder) and their text, written as UTF-8.
    ///   - path: the result folder.
    /// - Throws: `ResultFolderError` when the folder cannot be written or replaced.
    public static func write(files: [(name: String, contents: String)], to path: String) throws {
        try write(files: files.map { ($0.name, Data($0.contents.utf8)) }, to: path)
    }

    /// Writes named files into `path` atomically (see the type's documentation).
    ///
    /// - Parameters:
    ///   - files: file names (inside the folder) and their bytes.
    ///   - path: the result folder; it may exist only if it is empty or holds a `manifest.json`.
    /// - Throws: `ResultFolderError` when the folder cannot be written or replaced.
    public static func write(files: [(name: String, data: Data)], to path: String) throws {
        let fm = FileManager.default
        let target = URL(fileURLWithPath: path).standardizedFileURL
        var isDirectory: ObjCBool = false
        let exists = fm.fileExists(atPath: target.path, isDirectory: &isDirectory)
        if exists {
            guard isDirectory.boolValue else { throw ResultFolderError.notADirectory(path: path) }
            let contents = (try? fm.contentsOfDirectory(atPath: target.path)) ?? []
            guard contents.isEmpty || contents.contains("manifest.json") else { throw ResultFolderError.notAResultFolder(path: path) }
        }
        let parent = target.deletingLastPathComponent()
        let token = UUID().uuidString.prefix(8)
        let staging = parent.appendingPathComponent(".\(target.lastPathComponent).staging-\(token)")
        do {
            try fm.createDirectory(at: staging, withIntermediateDirectories: true)
            for (name, data) in files {
                try data.write(to: staging.appendingPathComponent(name))
            }
            if exists {
                let old = parent.appendingPathComponent(".\(target.lastPathComponent).old-\(token)")
                try fm.moveItem(at: target, to: old)
                do { try fm.moveItem(at: staging, to: target) } catch {
                    try? fm.moveItem(at: old, to: target)
                    throw error
                }
                try? fm.removeItem(at: old)
            } else {
                try fm.moveItem(at: staging, to: target)
            }
        } catch let error as ResultFolderError {
            try? fm.removeItem(at: staging)
            throw error
        } catch {
            try? fm.removeItem(at: staging)
            throw ResultFolderError.writeFailed(path: path, reason: error.localizedDescription)
        }
    }
}
