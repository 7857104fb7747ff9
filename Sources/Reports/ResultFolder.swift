import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Errors writing a result folder.
public enum ResultFolderError: Error, CustomStringConvertible, Equatable {
    /// `--output ''`: no folder named.
    case emptyPath
    /// The target is the working directory or one of its parents, which is never replaced.
    case containsWorkingDirectory(path: String)
    /// The target exists and is not a result folder that leverage wrote and that holds only its
    /// own files: it may hold someone's other files, so it is not replaced.
    case notAResultFolder(path: String, reason: String)
    case notADirectory(path: String)
    case writeFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case .emptyPath:
            return "--output: the folder name is empty"
        case .containsWorkingDirectory(let path):
            return "\(path): is the current folder or contains it; leverage never replaces it. Name a new folder, e.g. --output results"
        case .notAResultFolder(let path, let reason):
            return "\(path): \(reason); leverage replaces only a result folder it wrote that holds nothing else. "
                + "Choose a new or empty folder, or pass --force to move this one aside (nothing is deleted)"
        case .notADirectory(let path): return "\(path): exists and is not a folder"
        case .writeFailed(let path, let reason): return "\(path): cannot write: \(reason)"
        }
    }
}

/// Writes every table as CSV and JSON (plus text or Markdown when asked for), `manifest.json`, `report.html` (the tables and their charts, see
/// `HTMLReport`) and `tables.xlsx` (one sheet per table, see `Workbook`) into a folder,
/// **atomically and without ever deleting a file leverage did not write**.
///
/// ## Which folders are replaced
/// A new or empty folder is written. An existing folder is replaced only when it is a result
/// folder of leverage's own: its `manifest.json` names the tool (`"tool": "leverage"`) and carries
/// a `result_folder` record (schema ``schema``) listing the files leverage wrote, and the folder
/// holds nothing else. A folder holding any other file (a note saved beside the results, a JSON
/// file that happens to be called `manifest.json`) is refused; with ``ReplacePolicy/moveAside``
/// (`--force`) it is renamed to `NAME.replaced-<UTC time>` beside the target, never deleted. The
/// current folder and its parents are never replaced (`--output .`), and an empty path is refused.
///
/// ## Atomicity
/// Everything is written into a staging folder beside the target,
/// `.NAME.leverage-staging.<host>.<pid>.<token>`, which then takes the target's place in one
/// `renameat2(2)` call: `RENAME_NOREPLACE` for a new target, `RENAME_EXCHANGE` to swap with an
/// existing result folder. At every instant the target is therefore either the complete old
/// result or the complete new one, even when the process is killed (`kill -9`) or the disk fills
/// up. After an exchange the old result sits in the staging folder and is removed; before
/// removing it, its contents are checked once more, so that a file the user added between the
/// check and the swap is moved aside with the old result instead of deleted.
///
/// A run that is killed leaves its staging folder behind; the name says which host and process
/// wrote it, so the next run in the same place removes the staging folders of processes of this
/// host that no longer exist (and ignores those of live processes and of other hosts).
public enum ResultFolder {
    /// The HTML report's file name.
    public static let reportFile = "report.html"
    /// The workbook's file name.
    public static let workbookFile = "tables.xlsx"
    /// The manifest's file name.
    public static let manifestFile = "manifest.json"
    /// The schema of the `result_folder` record in `manifest.json` that marks a folder as leverage's own.
    public static let schema = "leverage-result-folder/1"
    /// Marker in the names of staging folders.
    static let stagingMarker = ".leverage-staging."

    /// What to do with an existing target that is not a replaceable result folder of leverage's own.
    public enum ReplacePolicy: Sendable {
        /// Refuse with ``ResultFolderError/notAResultFolder(path:reason:)`` (the default).
        case refuse
        /// Rename it to `NAME.replaced-<UTC time>` beside the target and write the new result (`--force`).
        case moveAside
    }

    /// What a write did.
    public struct Outcome: Sendable, Equatable {
        /// The files written, in the order given.
        public var files: [String]
        /// Where an existing folder (or, after a race, the old result with a stranger's file in it)
        /// was moved instead of being replaced, if anywhere.
        public var movedAside: String?
    }

    /// Writes `tables`, the manifest, the HTML report and the workbook into `path`.
    ///
    /// - Parameters:
    ///   - tables: each written as `NAME.csv` (for pandas: `pd.read_csv`) and `NAME.json` (the
    ///     `--format json` document holding that one table), whatever the format.
    ///   - manifest: written as `manifest.json` (with the `result_folder` record) and shown in the report and the workbook.
    ///   - format: `table` or `markdown` add `NAME.txt` or `NAME.md` per table (every column);
    ///     `csv` and `json` add nothing.
    ///   - path: the result folder (see the type's documentation for which existing folders are replaced).
    ///   - policy: what to do with an existing folder that is not leverage's own.
    /// - Returns: the file names written (per table CSV, JSON, then text or Markdown; then
    ///   `manifest.json`, `report.html`, `tables.xlsx`) and where a foreign folder was moved.
    /// - Throws: `ResultFolderError`; nothing is left behind then and the target is untouched.
    @discardableResult
    public static func write(_ tables: [Table], manifest: Manifest, format: OutputFormat, to path: String,
                             policy: ReplacePolicy = .refuse) throws -> Outcome {
        var files: [(name: String, data: Data)] = []
        for table in tables {
            for f in [OutputFormat.csv, .json] + (format == .table || format == .markdown ? [format] : []) {
                files.append(("\(table.name).\(f.fileExtension)", Data(Renderer.render(table, manifest: manifest, format: f).utf8)))
            }
        }
        files.append((reportFile, Data(HTMLReport.render(tables, manifest: manifest).utf8)))
        do {
            files.append((workbookFile, try Workbook.data(tables, manifest: manifest)))
        } catch {
            throw ResultFolderError.writeFailed(path: path, reason: error.description)
        }
        let outcome = try write(files: files, manifest: manifest.json, to: path, policy: policy)
        // Report the files in the documented order: tables, manifest, report, workbook.
        let tableFiles = files.map(\.name).filter { $0 != reportFile && $0 != workbookFile }
        return Outcome(files: tableFiles + [manifestFile, reportFile, workbookFile], movedAside: outcome.movedAside)
    }

    /// Writes named files and `manifest.json` into `path` atomically (see the type's documentation).
    ///
    /// - Parameters:
    ///   - files: file names (inside the folder, no `/`) and their bytes; `manifest.json` is added.
    ///   - manifest: a JSON object; the `result_folder` record listing every file is appended to it.
    ///   - path: the result folder.
    ///   - policy: what to do with an existing folder that is not leverage's own.
    /// - Throws: `ResultFolderError` when the folder cannot be written or replaced.
    @discardableResult
    public static func write(files: [(name: String, data: Data)], manifest: JSONValue, to path: String,
                             policy: ReplacePolicy = .refuse) throws -> Outcome {
        guard !path.isEmpty else { throw ResultFolderError.emptyPath }
        let fm = FileManager.default
        let target = URL(fileURLWithPath: path).standardizedFileURL
        try refuseWorkingDirectory(target, path: path)

        let names = files.map(\.name) + [manifestFile]
        var record: [(String, JSONValue)]
        if case .object(let members) = manifest { record = members } else { record = [("manifest", manifest)] }
        record.append(("result_folder", .object([
            ("schema", .string(schema)),
            ("files", .array(names.map { .string($0) })),
        ])))
        let allFiles = files + [(manifestFile, Data((JSONValue.object(record).serialized() + "\n").utf8))]

        let parent = target.deletingLastPathComponent()
        removeStaleStaging(in: parent, for: target.lastPathComponent)
        let staging = parent.appendingPathComponent(stagingName(for: target.lastPathComponent))
        do {
            try fm.createDirectory(at: staging, withIntermediateDirectories: true)
            for (name, data) in allFiles {
                guard !name.isEmpty, !name.contains("/"), name != ".", name != ".." else {
                    throw ResultFolderError.writeFailed(path: path, reason: "'\(name)' is not a file name")
                }
                try data.write(to: staging.appendingPathComponent(name))
            }
            let movedAside = try install(staging: staging, at: target, path: path, policy: policy)
            return Outcome(files: allFiles.map(\.name), movedAside: movedAside)
        } catch let error as ResultFolderError {
            try? fm.removeItem(at: staging)
            throw error
        } catch {
            try? fm.removeItem(at: staging)
            throw ResultFolderError.writeFailed(path: path, reason: error.localizedDescription)
        }
    }

    // MARK: - Which folders may be replaced

    /// Why `url` may not be replaced, or nil when it may (it is empty, or a result folder of
    /// leverage's own holding only the files its manifest lists).
    public static func refusal(toReplace url: URL) -> String? {
        let fm = FileManager.default
        guard let entries = try? fm.contentsOfDirectory(atPath: url.path) else { return "cannot be listed" }
        if entries.isEmpty { return nil }
        guard entries.contains(manifestFile) else { return "exists, is not empty and has no manifest.json" }
        let manifestURL = url.appendingPathComponent(manifestFile)
        guard let size = (try? fm.attributesOfItem(atPath: manifestURL.path))?[.size] as? Int, size <= 64 << 20,
              let data = try? Data(contentsOf: manifestURL),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              object["tool"] as? String == Manifest.toolName,
              let record = object["result_folder"] as? [String: Any],
              record["schema"] as? String == schema,
              let listed = record["files"] as? [String]
        else { return "its manifest.json was not written by this version of leverage" }
        let foreign = Set(entries).subtracting(listed).sorted()
        guard foreign.isEmpty else {
            let shown = foreign.prefix(5).map { SafeName.quoted($0) }.joined(separator: ", ")
            return "holds files leverage did not write (\(shown)\(foreign.count > 5 ? ", … \(foreign.count - 5) more" : ""))"
        }
        return nil
    }

    static func refuseWorkingDirectory(_ target: URL, path: String) throws {
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).resolvingSymlinksInPath().path
        let resolved = target.resolvingSymlinksInPath().path
        if resolved == "/" || cwd == resolved || cwd.hasPrefix(resolved.hasSuffix("/") ? resolved : resolved + "/") {
            throw ResultFolderError.containsWorkingDirectory(path: path)
        }
    }

    // MARK: - Installing the staging folder

    /// Puts `staging` in the place of `target`; returns where a folder was moved aside, if anywhere.
    static func install(staging: URL, at target: URL, path: String, policy: ReplacePolicy) throws -> String? {
        // A bounded retry: a concurrent writer may create the target between the check and the rename.
        for _ in 0..<3 {
            var status = stat()
            if lstat(target.path, &status) != 0 {
                // No target: appear in one step, never over a folder created meanwhile.
                if try rename(staging, target, flags: renameNoReplace) { return nil }
                continue
            }
            guard status.st_mode & S_IFMT == S_IFDIR else {
                if status.st_mode & S_IFMT == S_IFLNK {
                    throw ResultFolderError.notAResultFolder(path: path, reason: "is a symbolic link")
                }
                throw ResultFolderError.notADirectory(path: path)
            }
            if let reason = refusal(toReplace: target) {
                guard policy == .moveAside else { throw ResultFolderError.notAResultFolder(path: path, reason: reason) }
                let aside = try moveAside(target)
                if try rename(staging, target, flags: renameNoReplace) { return aside.path }
                continue
            }
            // Swap the new result with the old one in one step; the old one is now at `staging`.
            guard try rename(staging, target, flags: renameExchange) else { continue }
            if refusal(toReplace: staging) == nil {
                try? FileManager.default.removeItem(at: staging)
                return nil
            }
            // Someone added a file between the check and the swap: keep the old folder, renamed.
            let aside = try moveAside(staging, named: target.lastPathComponent)
            return aside.path
        }
        throw ResultFolderError.writeFailed(path: path, reason: "the folder kept changing while being replaced (another process writing it?)")
    }

    /// Renames `url` to `NAME.replaced-<UTC time>[-k]` beside the target, never over anything.
    static func moveAside(_ url: URL, named name: String? = nil) throws -> URL {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        let base = "\(name ?? url.lastPathComponent).replaced-\(formatter.string(from: Date()))"
        let parent = url.deletingLastPathComponent()
        for k in 0..<1000 {
            let candidate = parent.appendingPathComponent(k == 0 ? base : "\(base)-\(k)")
            if try rename(url, candidate, flags: renameNoReplace) { return candidate }
        }
        throw ResultFolderError.writeFailed(path: url.path, reason: "no free name to move it aside")
    }

    // MARK: - renameat2(2)

    static let renameNoReplace: UInt32 = 1  // RENAME_NOREPLACE
    static let renameExchange: UInt32 = 2   // RENAME_EXCHANGE

    private typealias Renameat2 = @convention(c) (Int32, UnsafePointer<CChar>, Int32, UnsafePointer<CChar>, UInt32) -> Int32

    /// glibc's `renameat2` (since 2.28), looked up at run time: the Swift Glibc module does not
    /// export it.
    nonisolated(unsafe) private static let renameat2: Renameat2? = {
        guard let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, "renameat2") else { return nil }
        return unsafeBitCast(symbol, to: Renameat2.self)
    }()

    /// Renames `from` to `to` with `flags`. Returns false when the target appeared (NOREPLACE) or
    /// vanished (EXCHANGE) meanwhile, so that the caller looks again; throws on other failures.
    /// Without renameat2 (an old kernel or a file system without the flags), falls back to the
    /// two-step rename(2), which is atomic for a new target only.
    static func rename(_ from: URL, _ to: URL, flags: UInt32) throws -> Bool {
        if let renameat2, renameat2(AT_FDCWD, from.path, AT_FDCWD, to.path, flags) == 0 { return true }
        let code = renameat2 == nil ? ENOSYS : errno
        if flags == renameNoReplace, code == EEXIST || code == ENOTEMPTY { return false }
        if flags == renameExchange, code == ENOENT { return false }
        if code == ENOSYS || code == EINVAL { return try fallbackRename(from, to, flags: flags) }
        throw ResultFolderError.writeFailed(path: to.path, reason: String(cString: strerror(code)))
    }

    private static func fallbackRename(_ from: URL, _ to: URL, flags: UInt32) throws -> Bool {
        let fm = FileManager.default
        if flags == renameNoReplace {
            if fm.fileExists(atPath: to.path) { return false }
            guard Glibc.rename(from.path, to.path) == 0 else {
                throw ResultFolderError.writeFailed(path: to.path, reason: String(cString: strerror(errno)))
            }
            return true
        }
        // Exchange in two steps through a third name.
        let middle = to.deletingLastPathComponent().appendingPathComponent(stagingName(for: to.lastPathComponent))
        guard Glibc.rename(to.path, middle.path) == 0 else { return false }
        guard Glibc.rename(from.path, to.path) == 0 else {
            let reason = String(cString: strerror(errno))
            _ = Glibc.rename(middle.path, to.path)
            throw ResultFolderError.writeFailed(path: to.path, reason: reason)
        }
        guard Glibc.rename(middle.path, from.path) == 0 else {
            throw ResultFolderError.writeFailed(path: from.path, reason: String(cString: strerror(errno)))
        }
        return true
    }

    // MARK: - Staging folders

    public static var hostName: String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "host" }
        let name = String(cString: buffer).filter { $0.isLetter || $0.isNumber || $0 == "-" }
        return name.isEmpty ? "host" : name
    }

    /// `.NAME.leverage-staging.<host>.<pid>.<token>`.
    static func stagingName(for name: String) -> String {
        ".\(name)\(stagingMarker)\(hostName).\(getpid()).\(UUID().uuidString.prefix(8).lowercased())"
    }

    /// Removes the staging folders of `name` left by processes of this host that no longer run.
    static func removeStaleStaging(in parent: URL, for name: String) {
        let fm = FileManager.default
        let prefix = ".\(name)\(stagingMarker)"
        guard let entries = try? fm.contentsOfDirectory(atPath: parent.path) else { return }
        let host = hostName
        for entry in entries where entry.hasPrefix(prefix) {
            let fields = entry.dropFirst(prefix.count).split(separator: ".")
            guard fields.count == 3, fields[0] == host, let pid = Int32(fields[1]), pid > 0 else { continue }
            if kill(pid, 0) == 0 || errno == EPERM { continue }  // still running
            try? fm.removeItem(at: parent.appendingPathComponent(entry))
        }
    }
}

/// A file name as shown in a message: quoted, control characters escaped, long names shortened.
enum SafeName {
    static func quoted(_ name: String) -> String {
        var out = ""
        for scalar in name.unicodeScalars.prefix(80) {
            if scalar.value < 0x20 || scalar.value == 0x7f { out += "\\u{\(String(scalar.value, radix: 16))}" } else { out.unicodeScalars.append(scalar) }
        }
        return "'" + out + (name.unicodeScalars.count > 80 ? "…" : "") + "'"
    }
}
