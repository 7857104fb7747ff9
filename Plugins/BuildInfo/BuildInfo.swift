import Foundation
import PackagePlugin

/// Records the git commit the library is built from, for manifests (`Manifest.commit`).
///
/// A prebuild command (it runs before every build, as it has no file inputs to track) asks
/// `git rev-parse HEAD` in the package's folder and writes `BuildInfo.swift` only when the text
/// changes, so an unchanged commit recompiles nothing. Without git or outside a clone the commit is
/// `unknown`; a build from a tree with uncommitted changes to tracked files ends in `-dirty`.
@main
struct BuildInfoPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let output = context.pluginWorkDirectoryURL.appending(path: "BuildInfo")
        let script = #"""
            set -u
            out="$1"; root="$2"
            mkdir -p "$out"
            commit=$(git -C "$root" rev-parse HEAD 2>/dev/null) || commit=unknown
            case "$commit" in
                [0-9a-f]*) if [ -n "$(git -C "$root" status --porcelain --untracked-files=no 2>/dev/null)" ]; then commit="$commit-dirty"; fi ;;
                *) commit=unknown ;;
            esac
            printf '// Generated at build time by the BuildInfo plugin (Plugins/BuildInfo).\nenum BuildInfo {\n    /// The git commit built, `unknown` outside a clone; `-dirty` when tracked files had changes.\n    static let commit = "%s"\n}\n' "$commit" > "$out/BuildInfo.swift.new"
            if cmp -s "$out/BuildInfo.swift.new" "$out/BuildInfo.swift"; then rm -f "$out/BuildInfo.swift.new"; else mv "$out/BuildInfo.swift.new" "$out/BuildInfo.swift"; fi
            """#
        return [.prebuildCommand(displayName: "Recording the git commit for manifests",
                                 executable: URL(fileURLWithPath: "/bin/sh"),
                                 arguments: ["-c", script, "build-info", output.path, context.package.directoryURL.path],
                                 outputFilesDirectory: output)]
    }
}
