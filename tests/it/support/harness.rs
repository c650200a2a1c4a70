//! Test harness: a real moto server per test, the flowaudit binary, and moto's request recorder.
#![allow(dead_code)]
//!
//! The Python tools come from the venv that `scripts/test` creates (`FLOWAUDIT_TEST_VENV`, default
//! `<repo>/.venv`). A missing venv fails the test with a message saying to run `scripts/test`.

use crate::support::proxy::credential_scope;
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The account moto uses for the default test credentials.
pub const ACCOUNT: &str = "123456789012";

/// The venv holding moto, cfn-lint, python-hcl2 and jsonschema.
pub fn venv() -> PathBuf {
    let p = std::env::var_os("FLOWAUDIT_TEST_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv"));
    assert!(
        p.join("bin/python").exists(),
        "no test venv at {} — run the tests with scripts/test, which creates it",
        p.display()
    );
    p
}

/// A Python tool from the venv (`python`, `cfn-lint`, ...).
pub fn venv_bin(name: &str) -> PathBuf {
    venv().join("bin").join(name)
}

/// Path of a file under the repository root.
pub fn repo_path(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// A free loopback TCP port.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A moto server on a free loopback port, killed when dropped.
pub struct Moto {
    pub port: u16,
    child: Child,
    _dir: tempfile::TempDir,
    recording: PathBuf,
}

impl Moto {
    /// Start a fresh moto server (its own state, its own recording file) and wait until it answers.
    pub fn start() -> Moto {
        let mut last_log = String::new();
        for _attempt in 0..5 {
            let dir = tempfile::tempdir().unwrap();
            let recording = dir.path().join("recording.jsonl");
            std::fs::write(&recording, "").unwrap();
            let port = free_port();
            let log_path = dir.path().join("moto.log");
            let child = Command::new(venv_bin("moto_server"))
                .args(["-H", "127.0.0.1", "-p", &port.to_string()])
                .env("MOTO_ENABLE_RECORDING", "True")
                .env("MOTO_RECORDER_FILEPATH", &recording)
                .stdout(Stdio::null())
                .stderr(std::fs::File::create(&log_path).unwrap())
                .spawn()
                .expect("start moto_server");
            let mut moto = Moto {
                port,
                child,
                _dir: dir,
                recording,
            };
            if moto.wait_ready() {
                moto.reset_recording();
                return moto;
            }
            // Most likely another process took the port between probe and bind: try another.
            last_log = std::fs::read_to_string(&log_path).unwrap_or_default();
        }
        panic!("moto_server did not start; its last log:\n{last_log}");
    }

    fn wait_ready(&mut self) -> bool {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return false;
            }
            if http(self.port, "GET", "/moto-api/data.json", "").is_ok() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        false
    }

    /// `http://127.0.0.1:PORT`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Apply seeding operations (see tests/support/seed.py) and return key -> created id.
    pub fn seed(&self, ops: &Value) -> BTreeMap<String, String> {
        seed_at(&self.endpoint(), ops)
    }

    /// Forget every request recorded so far.
    pub fn reset_recording(&self) {
        http(self.port, "POST", "/moto-api/recorder/reset-recording", "").expect("reset recording");
    }

    /// Every request recorded since the last reset, as (service, region, operation).
    pub fn recorded_calls(&self) -> Vec<ApiCall> {
        let text = std::fs::read_to_string(&self.recording).unwrap();
        text.lines()
            .filter(|l| !l.trim().is_empty())
            .map(ApiCall::parse)
            .collect()
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Seed any endpoint (moto directly, or through a proxy) with seed.py.
pub fn seed_at(endpoint: &str, ops: &Value) -> BTreeMap<String, String> {
    let mut child = Command::new(venv_bin("python"))
        .arg(repo_path("tests/support/seed.py"))
        .arg(endpoint)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run seed.py");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(ops.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "seed.py failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("seed.py output")
}

/// How many of `calls` were `operation` (in any service and region).
pub fn count_calls(calls: &[ApiCall], operation: &str) -> usize {
    calls.iter().filter(|c| c.operation == operation).count()
}

/// One AWS API call seen by the emulator.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ApiCall {
    pub service: String,
    pub region: String,
    pub operation: String,
}

impl ApiCall {
    fn parse(line: &str) -> ApiCall {
        let v: Value = serde_json::from_str(line).expect("recording line");
        let headers = v["headers"].as_object().cloned().unwrap_or_default();
        let header = |name: &str| {
            headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .and_then(|(_, v)| v.as_str())
                .unwrap_or("")
                .to_string()
        };
        let (region, service) = credential_scope(&header("Authorization"));
        let body = match (v["body"].as_str(), v["body_encoded"].as_bool()) {
            (Some(b), Some(true)) => String::from_utf8_lossy(&base64_decode(b)).into_owned(),
            (Some(b), _) => b.to_string(),
            _ => String::new(),
        };
        let url = v["url"].as_str().unwrap_or("").to_string();
        let target = header("X-Amz-Target");
        let operation = if let Some(action) = form_value(&body, "Action")
            .or_else(|| form_value(url.split('?').nth(1).unwrap_or(""), "Action"))
        {
            action
        } else if !target.is_empty() {
            target.rsplit('.').next().unwrap_or("").to_string()
        } else if service == "s3" {
            s3_operation(v["method"].as_str().unwrap_or(""), &url)
        } else {
            format!("{} {}", v["method"].as_str().unwrap_or(""), url)
        };
        ApiCall {
            service,
            region,
            operation,
        }
    }
}

fn form_value(form: &str, key: &str) -> Option<String> {
    form.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k == key).then(|| v.to_string())
    })
}

fn s3_operation(method: &str, url: &str) -> String {
    let query = url.split_once('?').map(|(_, q)| q).unwrap_or("");
    let has = |k: &str| {
        query
            .split('&')
            .any(|kv| kv == k || kv.starts_with(&format!("{k}=")))
    };
    match method {
        "GET" if has("encryption") => "GetBucketEncryption".into(),
        "GET" if has("location") => "GetBucketLocation".into(),
        "HEAD" => "HeadBucket".into(),
        "PUT" if has("encryption") => "PutBucketEncryption".into(),
        "PUT" => "CreateBucket".into(),
        "GET" => "ListObjects".into(),
        m => format!("{m} {url}"),
    }
}

fn base64_decode(s: &str) -> Vec<u8> {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let (mut buf, mut bits) = (0u32, 0);
    for c in s.bytes().filter(|c| *c != b'=' && !c.is_ascii_whitespace()) {
        let Some(v) = T.iter().position(|t| *t == c) else {
            continue;
        };
        buf = (buf << 6) | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
        }
    }
    out
}

/// A minimal HTTP/1.1 request to 127.0.0.1:port; returns (status, body).
pub fn http(port: u16, method: &str, path: &str, body: &str) -> std::io::Result<(u16, String)> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_secs(30)))?;
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )?;
    let mut resp = Vec::new();
    s.read_to_end(&mut resp)?;
    let text = String::from_utf8_lossy(&resp).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    Ok((status, body))
}

/// Path of the flowaudit binary under test: `FLOWAUDIT_BIN` when set (to test a copied or
/// release build), else the one Cargo built for this test run.
pub fn flowaudit_bin() -> PathBuf {
    std::env::var_os("FLOWAUDIT_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_flowaudit")))
}

/// Run a program other than flowaudit (flowaudit runs through `support::cmd::fa`) with an
/// empty stdin and return its output.
pub fn run(cmd: &mut Command) -> Output {
    cmd.stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("run {cmd:?}: {e}"))
}

/// Run a program other than flowaudit; it must succeed. Its output.
#[track_caller]
pub fn run_ok(cmd: &mut Command) -> Output {
    let out = run(cmd);
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}):\n--- stdout\n{}\n--- stderr\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// A Python script of the venv run with `args`; it must succeed. Its stdout as JSON.
pub fn python_json<I, S>(script: &str, args: I) -> Value
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let out = run_ok(
        Command::new(venv_bin("python"))
            .args(["-c", script])
            .args(args),
    );
    serde_json::from_slice(&out.stdout).expect("the script prints JSON")
}

/// `cmd` set to reach `endpoint` as the AWS CLI would in `region`, with the test credentials and
/// no ambient AWS configuration; the returned directory holds its empty config file.
pub fn aws_env(cmd: &mut Command, endpoint: &str, region: &str) -> tempfile::TempDir {
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("AWS_") {
            cmd.env_remove(k);
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("aws-config");
    std::fs::write(&config, "").unwrap();
    cmd.env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_DEFAULT_REGION", region)
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_CONFIG_FILE", &config)
        .env("AWS_SHARED_CREDENTIALS_FILE", &config)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_PAGER", "");
    dir
}

/// A JSON file, read (the path named if it cannot be).
pub fn read_json(p: &Path) -> Value {
    let text = std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Write `v` as pretty JSON.
pub fn write_json(p: &Path, v: &Value) {
    std::fs::write(p, serde_json::to_string_pretty(v).unwrap()).unwrap();
}

/// The names of the entries of a directory, sorted.
pub fn file_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// A JSON file of the repository.
pub fn repo_json(rel: &str) -> Value {
    read_json(&repo_path(rel))
}

/// The inventory file `rel` of the repository without its scan errors (a complete scan, so that
/// exit codes 0 and 1 are reachable), written to `dir/complete.json`.
pub fn complete_inventory(rel: &str, dir: &Path) -> PathBuf {
    let mut inv = repo_json(rel);
    inv["errors"] = serde_json::json!([]);
    let path = dir.join("complete.json");
    std::fs::write(&path, serde_json::to_vec(&inv).unwrap()).unwrap();
    path
}
