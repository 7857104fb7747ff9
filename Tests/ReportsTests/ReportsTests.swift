import Foundation
import Reports
import Testing

let sample = Table(
    name: "sample", title: "Sample",
    columns: [Column("name", .text), Column("amount_eur_bn", .eurBillion), Column("share", .fraction), Column("multiplier", .multiple)],
    rows: [["EU, budget", 50.0, 0.25, 4.0], ["say \"private\"", 150.0, 0.75, .empty]],
    notes: ["a note"])

let fixedManifest = Manifest(command: "test", modelPath: "m.yaml", modelBytes: Array("abc".utf8), modelName: "m", parameters: [("seed", .integer(7))], created: nil)

@Suite("Reports: tables and their renderers")
struct RendererTests {
    @Test("CSV: header of column names, RFC 4180 quoting, numbers in full precision, empty cells for missing values")
    func csv() {
        #expect(Renderer.csv(sample) == """
            name,amount_eur_bn,share,multiplier
            "EU, budget",50.0,0.25,4.0
            "say ""private\"\"\",150.0,0.75,

            """)
    }

    @Test("JSON: one shape for every command, numbers as JSON numbers, missing values as null")
    func json() throws {
        let text = Renderer.render([sample], manifest: fixedManifest, format: .json)
        let object = try #require(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(Set(object.keys) == ["manifest", "tables"])
        let manifest = try #require(object["manifest"] as? [String: Any])
        #expect(manifest["tool"] as? String == "leverage")
        #expect((manifest["model"] as? [String: Any])?["sha256"] as? String == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect((manifest["parameters"] as? [String: Any])?["seed"] as? Int == 7)
        let table = try #require((object["tables"] as? [[String: Any]])?.first)
        #expect(table["name"] as? String == "sample")
        let columns = try #require(table["columns"] as? [[String: String]])
        #expect(columns[1] == ["name": "amount_eur_bn", "unit": "eur_bn"])
        let rows = try #require(table["rows"] as? [[Any]])
        #expect(rows[0][1] as? Double == 50 && rows[0][2] as? Double == 0.25)
        #expect(rows[1][3] is NSNull)
        #expect(!text.contains("\"50\""), "numbers must not be strings")
    }

    @Test("Rendered tables show rates as percentages and multiples as ×k; data formats keep fractions")
    func human() {
        #expect(HumanFormat.number(0.17, unit: .fraction) == "17.0 %")
        #expect(HumanFormat.number(0.000123, unit: .fraction) == "0.0123 %")
        #expect(HumanFormat.number(14.198, unit: .multiple) == "×14.2")
        #expect(HumanFormat.number(200, unit: .eurBillion) == "200.00")
        #expect(HumanFormat.number(0.242, unit: .eurBillion) == "0.242")
        #expect(HumanFormat.header(Column("amount_eur_bn", .eurBillion)) == "amount (EUR bn)")
        let md = Renderer.markdown(sample)
        #expect(md.contains("| name | amount (EUR bn) | share | multiplier |"))
        #expect(md.contains("|---|---:|---:|---:|"))
        #expect(md.contains("| EU, budget | 50.00 | 25.0 % | ×4.0 |"))
        // Columns as wide as their widest cell, numbers right-aligned, text left-aligned, notes indented.
        #expect(Renderer.terminal(sample) == """
            Sample
            ======
            name           amount (EUR bn)   share  multiplier
            -------------  ---------------  ------  ----------
            EU, budget               50.00  25.0 %        ×4.0
            say "private"           150.00  75.0 %
              a note

            """)
    }
}

@Suite("Reports: result folders are written atomically")
struct ResultFolderTests {
    func scratch() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("leverage-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test("CSV and JSON per table plus manifest.json, report.html and tables.xlsx")
    func writes() throws {
        let root = try scratch()
        defer { try? FileManager.default.removeItem(at: root) }
        let out = root.appendingPathComponent("out").path
        let files = try ResultFolder.write([sample], manifest: fixedManifest, format: .csv, to: out).files
        #expect(files == ["sample.csv", "sample.json", "manifest.json", "report.html", "tables.xlsx"])
        #expect(try String(contentsOfFile: out + "/sample.json", encoding: .utf8) == Renderer.render(sample, manifest: fixedManifest, format: .json))
        #expect(try String(contentsOfFile: out + "/sample.csv", encoding: .utf8) == Renderer.csv(sample))
        #expect(try String(contentsOfFile: out + "/report.html", encoding: .utf8) == HTMLReport.render([sample], manifest: fixedManifest))
        #expect(try Data(contentsOf: URL(fileURLWithPath: out + "/tables.xlsx")) == Workbook.data([sample], manifest: fixedManifest))
        // A second run replaces the earlier result folder.
        try ResultFolder.write([sample], manifest: fixedManifest, format: .markdown, to: out)
        #expect(try FileManager.default.contentsOfDirectory(atPath: out).sorted()
                == ["manifest.json", "report.html", "sample.csv", "sample.json", "sample.md", "tables.xlsx"], "CSV and JSON whatever the format")
        #expect(try FileManager.default.contentsOfDirectory(atPath: root.path) == ["out"], "no staging folder left")
    }

    @Test("A failure part-way leaves no partial files and no staging folder")
    func failureLeavesNothing() throws {
        let root = try scratch()
        defer { try? FileManager.default.removeItem(at: root) }
        var bad = sample
        bad.name = "no/such/folder"   // the second file cannot be written
        let out = root.appendingPathComponent("out").path
        #expect(throws: ResultFolderError.self) { try ResultFolder.write([sample, bad], manifest: fixedManifest, format: .csv, to: out) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: root.path).isEmpty)
    }

    @Test("A folder holding other files is not replaced, and nothing in it is touched")
    func refusesForeignFolder() throws {
        let root = try scratch()
        defer { try? FileManager.default.removeItem(at: root) }
        let folder = root.appendingPathComponent("work")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data("keep".utf8).write(to: folder.appendingPathComponent("thesis.docx"))
        #expect(throws: ResultFolderError.self) {
            try ResultFolder.write([sample], manifest: fixedManifest, format: .csv, to: folder.path)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["thesis.docx"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: root.path) == ["work"], "no staging folder left")
    }

    @Test("A note saved into an earlier result folder makes it the user's: the next run refuses and keeps the note")
    func noteInResultFolderIsKept() throws {
        let root = try scratch()
        defer { try? FileManager.default.removeItem(at: root) }
        let out = root.appendingPathComponent("res")
        try ResultFolder.write([sample], manifest: fixedManifest, format: .csv, to: out.path)
        try Data("my notes".utf8).write(to: out.appendingPathComponent("notes.txt"))
        do {
            try ResultFolder.write([sample], manifest: fixedManifest, format: .markdown, to: out.path)
            Issue.record("replaced a folder holding the user's note")
        } catch let error as ResultFolderError {
            #expect(error.description.contains("'notes.txt'"))
            #expect(error.description.contains("--force"))
        }
        #expect(try String(contentsOf: out.appendingPathComponent("notes.txt"), encoding: .utf8) == "my notes")
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("sample.csv").path), "old result intact")
    }

    @Test("A manifest.json that is not leverage's own does not make a folder replaceable")
    func foreignManifest() throws {
        let root = try scratch()
        defer { try? FileManager.default.removeItem(at: root) }
        let folder = root.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data(#"{"tool": "leverage", "version": "0.0.1"}"#.utf8).write(to: folder.appendingPathComponent("manifest.json"))
        #expect(ResultFolder.refusal(toReplace: folder) != nil)
        #expect(throws: ResultFolderError.self) {
            try ResultFolder.write([sample], manifest: fixedManifest, format: .csv, to: folder.path)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["manifest.json"])
    }

    @Test("--force moves a foreign folder aside, whole, and deletes nothing")
    func forceMovesAside() throws {
        let root = try scratch()
        defer { try? FileManager.default.removeItem(at: root) }
        let folder = root.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data("keep".utf8).write(to: folder.appendingPathComponent("thesis.docx"))
        let outcome = try ResultFolder.write([sample], manifest: fixedManifest, format: .csv, to: folder.path, policy: .moveAside)
        let aside = try #require(outcome.movedAside)
        #expect(URL(fileURLWithPath: aside).lastPathComponent.hasPrefix("out.replaced-"))
        #expect(try String(contentsOfFile: aside + "/thesis.docx", encoding: .utf8) == "keep")
        #expect(ResultFolder.refusal(toReplace: folder) == nil, "the new folder is leverage's own")
    }

    @Test("An empty path, the current folder and its parents are never replaced")
    func neverTheWorkingDirectory() throws {
        #expect(throws: ResultFolderError.emptyPath) {
            try ResultFolder.write([sample], manifest: fixedManifest, format: .csv, to: "")
        }
        let cwd = FileManager.default.currentDirectoryPath
        for path in [".", cwd, URL(fileURLWithPath: cwd).deletingLastPathComponent().path, "/"] {
            #expect(throws: ResultFolderError.containsWorkingDirectory(path: path)) {
                try ResultFolder.write([sample], manifest: fixedManifest, format: .csv, to: path)
            }
        }
    }

    @Test("Staging folders of processes that no longer run are removed; those of running ones are left")
    func staleStagingIsCleaned() throws {
        let root = try scratch()
        defer { try? FileManager.default.removeItem(at: root) }
        let host = ResultFolder.hostName
        // A pid above the kernel's maximum (4194304) never runs.
        let dead = ".out.leverage-staging.\(host).99999999.deadbeef"
        let live = ".out.leverage-staging.\(host).\(getpid()).cafecafe"
        let otherHost = ".out.leverage-staging.elsewhere.99999999.0badf00d"
        for name in [dead, live, otherHost] {
            try FileManager.default.createDirectory(at: root.appendingPathComponent(name), withIntermediateDirectories: true)
        }
        try ResultFolder.write([sample], manifest: fixedManifest, format: .csv, to: root.appendingPathComponent("out").path)
        #expect(try FileManager.default.contentsOfDirectory(atPath: root.path).sorted() == [live, otherHost, "out"].sorted())
    }

    @Test("The manifest lists every file leverage wrote, under its own schema")
    func manifestRecordsFiles() throws {
        let root = try scratch()
        defer { try? FileManager.default.removeItem(at: root) }
        let out = root.appendingPathComponent("out")
        try ResultFolder.write([sample], manifest: fixedManifest, format: .csv, to: out.path)
        let object = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("manifest.json"))) as? [String: Any])
        let record = try #require(object["result_folder"] as? [String: Any])
        #expect(record["schema"] as? String == ResultFolder.schema)
        #expect((record["files"] as? [String])?.sorted() == ["manifest.json", "report.html", "sample.csv", "sample.json", "tables.xlsx"])
    }
}
