import Foundation
import TestSupport
import Testing
import Yams

/// The ready files in `deploy/` (docs/scale-out.md): they parse, their retry rules act on
/// geomap's exit codes as documented (2 fails at once, 75 and 74 retry), the shard count of
/// each command matches its scheduler's, and the scripts are valid shell. No cluster needed:
/// `scripts/slurm-local` (run by `.ci/run`) submits the Slurm files to a real one-node Slurm.
@Suite("deploy templates")
struct DeployTemplateTests {
    static let deploy = TestPaths.repository.appendingPathComponent("deploy")

    private func text(_ path: String) throws -> String {
        try String(contentsOf: Self.deploy.appendingPathComponent(path), encoding: .utf8)
    }

    private func yaml(_ path: String) throws -> [String: Any] {
        let loaded = try Yams.load(yaml: try text(path))
        return try #require(loaded as? [String: Any], "\(path): not a YAML mapping")
    }

    private func json(_ path: String) throws -> [String: Any] {
        let data = try Data(contentsOf: Self.deploy.appendingPathComponent(path))
        let loaded = try JSONSerialization.jsonObject(with: data)
        return try #require(loaded as? [String: Any], "\(path): not a JSON object")
    }

    /// Every file below `deploy/`, relative to it.
    static func files() -> [String] {
        let root = deploy.standardizedFileURL.path
        let enumerator = FileManager.default.enumerator(atPath: root)
        var found: [String] = []
        while let path = enumerator?.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: root + "/" + path, isDirectory: &isDirectory),
                !isDirectory.boolValue
            {
                found.append(path)
            }
        }
        return found.sorted()
    }

    @Test("every YAML and JSON file in deploy/ parses, every script is valid bash")
    func allFilesParse() throws {
        let files = Self.files()
        #expect(files.filter { $0.hasSuffix(".yaml") }.count >= 2)
        #expect(files.filter { $0.hasSuffix(".json") }.count >= 2)
        for file in files {
            if file.hasSuffix(".yaml") {
                #expect(try Yams.load(yaml: try text(file)) is [String: Any], "\(file)")
            } else if file.hasSuffix(".json") {
                _ = try json(file)
            } else if file.hasSuffix(".sh") || file.hasSuffix(".sbatch") {
                let result = try runProgram(
                    URL(fileURLWithPath: "/bin/bash"),
                    ["-n", Self.deploy.appendingPathComponent(file).path])
                #expect(result.status == 0, "\(file): \(result.stderr)")
                let mode = try FileManager.default.attributesOfItem(
                    atPath: Self.deploy.appendingPathComponent(file).path)[.posixPermissions]
                #expect(((mode as? Int) ?? 0) & 0o111 != 0, "\(file) is not executable")
            }
        }
    }

    // MARK: Kubernetes

    /// The action of the first `podFailurePolicy` rule that matches a container exit code
    /// (`In`/`NotIn`, as Kubernetes evaluates them), or `nil` when none does (the failure then
    /// counts against the back-off limit).
    static func podFailureAction(_ job: [String: Any], exitCode: Int) -> String? {
        let spec = job["spec"] as? [String: Any]
        let policy = spec?["podFailurePolicy"] as? [String: Any]
        for rule in policy?["rules"] as? [[String: Any]] ?? [] {
            guard let codes = rule["onExitCodes"] as? [String: Any],
                let values = codes["values"] as? [Int], let op = codes["operator"] as? String
            else { continue }
            if (op == "In") == values.contains(exitCode) { return rule["action"] as? String }
        }
        return nil
    }

    private func container(_ job: [String: Any]) throws -> [String: Any] {
        let spec = try #require(job["spec"] as? [String: Any])
        let template = try #require(spec["template"] as? [String: Any])
        let podSpec = try #require(template["spec"] as? [String: Any])
        #expect(podSpec["restartPolicy"] as? String == "Never", "podFailurePolicy needs Never")
        let containers = try #require(podSpec["containers"] as? [[String: Any]])
        return try #require(containers.first)
    }

    @Test(
        "the Indexed Job fails an index on 1, 2, 3 and retries it on 74 and 75",
        arguments: [
            (1, "FailIndex"), (2, "FailIndex"), (3, "FailIndex"), (74, "Count"),
            (75, "Count"), (137, nil),
        ] as [(Int, String?)])
    func kubernetesShards(exitCode: Int, action: String?) throws {
        let job = try yaml("kubernetes/geomap-shards-job.yaml")
        #expect(job["kind"] as? String == "Job")
        let spec = try #require(job["spec"] as? [String: Any])
        #expect(spec["completionMode"] as? String == "Indexed")
        #expect((spec["backoffLimitPerIndex"] as? Int ?? 0) >= 1)
        #expect(Self.podFailureAction(job, exitCode: exitCode) == action)
        // The container the rules name is the one that runs geomap, with --shards = completions.
        let geomap = try container(job)
        #expect(geomap["name"] as? String == "geomap")
        let command = try #require(geomap["command"] as? [String])
        #expect(Array(command.prefix(2)) == ["geomap", "run"])
        let count = try #require(command.firstIndex(of: "--shards")).advanced(by: 1)
        #expect(command[count] == String(try #require(spec["completions"] as? Int)))
    }

    @Test(
        "the merge Job stops on 1, 2, 3 and retries 74 and 75, on the shards' run directory",
        arguments: [(1, "FailJob"), (2, "FailJob"), (3, "FailJob"), (74, "Count"), (75, "Count")])
    func kubernetesMerge(exitCode: Int, action: String) throws {
        let merge = try yaml("kubernetes/geomap-merge-job.yaml")
        #expect(Self.podFailureAction(merge, exitCode: exitCode) == action)
        let shardsCommand = try #require(
            try container(yaml("kubernetes/geomap-shards-job.yaml"))["command"] as? [String])
        let runDir = shardsCommand[try #require(shardsCommand.firstIndex(of: "--run-dir")) + 1]
        #expect(try container(merge)["command"] as? [String] == ["geomap", "merge", runDir])
    }

    // MARK: AWS Batch

    /// AWS Batch's `evaluateOnExit`: the first entry whose `onExitCode` pattern (digits, an
    /// optional trailing `*`) matches decides; no match means the attempt is retried while
    /// attempts remain.
    static func batchAction(_ definition: [String: Any], exitCode: Int) -> String? {
        let strategy = definition["retryStrategy"] as? [String: Any]
        for entry in strategy?["evaluateOnExit"] as? [[String: Any]] ?? [] {
            guard let pattern = entry["onExitCode"] as? String else { continue }
            let code = String(exitCode)
            let matches =
                pattern.hasSuffix("*")
                ? code.hasPrefix(pattern.dropLast()) : code == pattern
            if matches { return (entry["action"] as? String)?.uppercased() }
        }
        return nil
    }

    @Test(
        "AWS Batch retries 74 and 75 and stops on every other code",
        arguments: ["aws-batch/shards-job-definition.json", "aws-batch/merge-job-definition.json"])
    func awsBatch(file: String) throws {
        let definition = try json(file)
        for (code, action) in [(1, "EXIT"), (2, "EXIT"), (3, "EXIT"), (74, "RETRY"), (75, "RETRY")]
        {
            #expect(Self.batchAction(definition, exitCode: code) == action, "\(file): exit \(code)")
        }
        let strategy = try #require(definition["retryStrategy"] as? [String: Any])
        #expect((strategy["attempts"] as? Int ?? 0) >= 2, "\(file): RETRY needs 2+ attempts")
        let properties = try #require(definition["containerProperties"] as? [String: Any])
        let command = try #require(properties["command"] as? [String])
        // Every Ref:: in the command has a default among the parameters.
        let parameters = try #require(definition["parameters"] as? [String: String])
        for reference in command where reference.hasPrefix("Ref::") {
            #expect(parameters[String(reference.dropFirst(5))] != nil, "\(file): \(reference)")
        }
        if file.contains("shards") {
            #expect(Array(command.prefix(2)) == ["geomap", "run"])
            #expect(command[try #require(command.firstIndex(of: "--shards")) + 1] == "Ref::shards")
        } else {
            #expect(Array(command.prefix(2)) == ["geomap", "merge"])
        }
    }

    // MARK: Slurm

    @Test("the Slurm array passes --shards, and the merge job is chained with afterok")
    func slurm() throws {
        let shards = try text("slurm/geomap-shards.sbatch")
        #expect(shards.contains("#SBATCH --array=0-"))
        #expect(shards.contains("--shards \"$shards\""))
        #expect(try text("slurm/geomap-merge.sbatch").contains("merge \"$1\""))
        let submit = try text("slurm/submit.sh")
        #expect(submit.contains("--dependency=\"afterok:$array\""))
        #expect(submit.contains("--kill-on-invalid-dep=yes"))
        #expect(try text("slurm/rerun-missing.sh").contains("--missing --form slurm"))
    }
}
