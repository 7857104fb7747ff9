import Foundation
import PackagePlugin

/// Records the git commit the library is built from, for manifests (`Manifest.commit`).
///
/// A build command asks `git rev-parse HEAD` (and `git status` for uncommitted changes to
/// tracked files) in the package's folder and writes `BuildInfo.swift` only when its text
/// changes. Its inputs are git's HEAD, the branch's ref, packed refs and index, and every file
/// under `Sources/`, `Plugins/` and `Models/`, so a commit, a checkout or an edit reruns it.
/// Without git or outside a clone the commit is `unknown`; with uncommitted changes to tracked
/// files it ends in `-dirty`.
@main
struct BuildInfoPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let root = context.package.directoryURL
        let output = context.pluginWorkDirectoryURL.appending(path: "BuildInfo.swift")
        let script = #"""
            set -u
            out="$1"; root="$2"
            commit=$(git -C "$root" rev-parse HEAD 2>/dev/null) || commit=unknown
            case "$commit" in
                [0-9a-f]*) if [ -n "$(git -C "$root" status --porcelain --untracked-files=no 2>/dev/null)" ]; then commit="$commit-dirty"; fi ;;
                *) commit=unknown ;;
            esac
            printf '// Generated at build time by the BuildInfo plugin (Plugins/BuildInfo).\nenum BuildInfo {\n    /// The git commit built, `unknown` outside a clone; `-dirty` when tracked files had changes.\n    static let commit = "%s"\n}\n' "$commit" > "$out.new"
            if cmp -s "$out.new" "$out"; then rm -f "$out.new"; else mv "$out.new" "$out"; fi
            """#
        return [.buildCommand(displayName: "Recording the git commit for manifests",
                              executable: URL(fileURLWithPath: "/bin/sh"),
                              arguments: ["-c", script, "build-info", output.path, root.path],
                              inputFiles: gitFiles(root) + files(under: ["Sources", "Plugins", "Models"], in: root),
                              outputFiles: [output])]
    }

    /// HEAD, the current branch's ref, packed-refs and the index of the clone (or worktree) at `root`.
    func gitFiles(_ root: URL) -> [URL] {
        let fm = FileManager.default
        func read(_ url: URL) -> String? {
            (try? String(contentsOf: url, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let dotGit = root.appending(path: ".git")
        var gitDir = dotGit
        if let pointer = read(dotGit), pointer.hasPrefix("gitdir:") {     // a worktree or submodule
            let path = pointer.dropFirst("gitdir:".count).trimmingCharacters(in: .whitespaces)
            gitDir = path.hasPrefix("/") ? URL(fileURLWithPath: path) : root.appending(path: path)
        }
        var common = gitDir
        if let path = read(gitDir.appending(path: "commondir")) {
            common = path.hasPrefix("/") ? URL(fileURLWithPath: path) : gitDir.appending(path: path)
        }
        var files = [gitDir.appending(path: "HEAD"), gitDir.appending(path: "index"), common.appending(path: "packed-refs")]
        if let head = read(gitDir.appending(path: "HEAD")), head.hasPrefix("ref: ") {
            files.append(common.appending(path: String(head.dropFirst(5))))
        }
        return files.filter { fm.fileExists(atPath: $0.path) }
    }

    /// Every regular file under the named folders of `root`.
    func files(under folders: [String], in root: URL) -> [URL] {
        folders.flatMap { folder -> [URL] in
            guard let walker = FileManager.default.enumerator(at: root.appending(path: folder), includingPropertiesForKeys: [.isRegularFileKey]) else { return [] }
            return walker.compactMap { $0 as? URL }.filter { (try? $0.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true }
        }
    }
}
