//! The one way the tests run the flowaudit binary, in the manner of ripgrep's `TestCommand`:
//! `fa().args([...]).env(..).stdin(..).run()` gives an [`Out`], whose assertions print the
//! command line, stdout and stderr when they fail.
#![allow(dead_code)]

use crate::support::harness::flowaudit_bin;
use serde_json::Value;
use std::ffi::OsStr;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A flowaudit command being built: test credentials, no ambient AWS configuration, no colour,
/// an empty stdin unless [`Fa::stdin`] gives one.
pub struct Fa {
    cmd: Command,
    stdin: Option<Vec<u8>>,
    /// Where [`Fa::dump_inventory`] and [`Fa::json_report`] write, made on first use.
    files: Option<tempfile::TempDir>,
}

/// A new flowaudit command.
pub fn fa() -> Fa {
    let mut c = Command::new(flowaudit_bin());
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("AWS_") {
            c.env_remove(k);
        }
    }
    c.env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env("NO_COLOR", "1");
    Fa {
        cmd: c,
        stdin: None,
        files: None,
    }
}

/// `flowaudit scan --from-inventory FILE`.
pub fn scan_inventory(file: impl AsRef<OsStr>) -> Fa {
    let mut c = fa();
    c.args(["scan", "--from-inventory"]).arg(file);
    c
}

impl Fa {
    pub fn arg(&mut self, a: impl AsRef<OsStr>) -> &mut Fa {
        self.cmd.arg(a);
        self
    }

    pub fn args<I, S>(&mut self, args: I) -> &mut Fa
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.cmd.args(args);
        self
    }

    pub fn env(&mut self, k: impl AsRef<OsStr>, v: impl AsRef<OsStr>) -> &mut Fa {
        self.cmd.env(k, v);
        self
    }

    pub fn envs<'a>(&mut self, vars: impl IntoIterator<Item = &'a (&'a str, &'a str)>) -> &mut Fa {
        for (k, v) in vars {
            self.cmd.env(k, v);
        }
        self
    }

    pub fn env_remove(&mut self, k: impl AsRef<OsStr>) -> &mut Fa {
        self.cmd.env_remove(k);
        self
    }

    pub fn current_dir(&mut self, dir: impl AsRef<Path>) -> &mut Fa {
        self.cmd.current_dir(dir);
        self
    }

    /// What the command reads on its standard input.
    pub fn stdin(&mut self, input: impl Into<Vec<u8>>) -> &mut Fa {
        self.stdin = Some(input.into());
        self
    }

    /// `--endpoint-url ENDPOINT`.
    pub fn endpoint(&mut self, endpoint: &str) -> &mut Fa {
        self.args(["--endpoint-url", endpoint])
    }

    /// `--dump-inventory` to a file of the run, read back with [`Out::inventory`].
    pub fn dump_inventory(&mut self) -> &mut Fa {
        let p = self.file("inventory.json");
        self.arg("--dump-inventory").arg(p)
    }

    /// `--format json --output` to a file of the run, read back with [`Out::report`].
    pub fn json_report(&mut self) -> &mut Fa {
        let p = self.file("report.json");
        self.args(["--format", "json", "--output"]).arg(p)
    }

    /// `--output-dir` to a directory of the run, whose files [`Out::output`] reads.
    pub fn output_dir(&mut self) -> &mut Fa {
        let p = self.file("out");
        self.arg("--output-dir").arg(p)
    }

    /// `--output` to a file of the run that no test reads (the text report off stdout).
    pub fn quiet_output(&mut self) -> &mut Fa {
        let p = self.file("out");
        self.arg("--output").arg(p)
    }

    fn file(&mut self, name: &str) -> PathBuf {
        self.files
            .get_or_insert_with(|| tempfile::tempdir().unwrap())
            .path()
            .join(name)
    }

    /// The command as built so far (its environment, for a run through another program).
    pub fn command(&self) -> &Command {
        &self.cmd
    }

    /// The command, to set what the builder does not (a `pre_exec` limit).
    pub fn command_mut(&mut self) -> &mut Command {
        &mut self.cmd
    }

    /// Run to the end on a pseudo-terminal (util-linux `script`), typing `answer`: the exit code
    /// and what the terminal showed (stdout and stderr together). The environment and working
    /// directory are the command's.
    pub fn run_on_terminal(&mut self, answer: &str) -> (i32, String) {
        let mut line = flowaudit_bin().display().to_string();
        for a in self.cmd.get_args() {
            let a = a.to_string_lossy();
            line.push_str(&format!(" '{}'", a.replace('\'', "'\\''")));
        }
        let mut c = Command::new("script");
        c.args(["-qec", &line, "/dev/null"]);
        if let Some(dir) = self.cmd.get_current_dir() {
            c.current_dir(dir);
        }
        for (k, v) in self.cmd.get_envs() {
            match v {
                Some(v) => c.env(k, v),
                None => c.env_remove(k),
            };
        }
        let mut child = c
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("util-linux `script` is needed to test the confirmation prompt on a terminal");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(answer.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    }

    /// Run to the end.
    pub fn run(&mut self) -> Out {
        let line = format!("{:?}", self.cmd);
        let stdin = match self.stdin {
            Some(_) => Stdio::piped(),
            None => Stdio::null(),
        };
        self.cmd
            .stdin(stdin)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = self.cmd.spawn().expect("run flowaudit");
        // A writer thread: a large input must not block while the child fills its stdout.
        let writer = child.stdin.take().map(|mut pipe| {
            let input = self.stdin.clone().unwrap_or_default();
            std::thread::spawn(move || {
                let _ = pipe.write_all(&input);
            })
        });
        let output = child.wait_with_output().expect("wait for flowaudit");
        if let Some(w) = writer {
            w.join().unwrap();
        }
        Out {
            output,
            line,
            files: self.files.take(),
        }
    }
}

/// What a run of flowaudit did.
pub struct Out {
    output: Output,
    line: String,
    files: Option<tempfile::TempDir>,
}

impl Out {
    /// The exit code (-1 if killed).
    pub fn code(&self) -> i32 {
        self.output.status.code().unwrap_or(-1)
    }

    /// Standard output, which must be UTF-8.
    pub fn stdout(&self) -> String {
        String::from_utf8(self.output.stdout.clone())
            .unwrap_or_else(|e| panic!("stdout of {} is not UTF-8: {e}", self.line))
    }

    /// Standard error, which must be UTF-8.
    pub fn stderr(&self) -> String {
        String::from_utf8(self.output.stderr.clone())
            .unwrap_or_else(|e| panic!("stderr of {} is not UTF-8: {e}", self.line))
    }

    pub fn stdout_bytes(&self) -> &[u8] {
        &self.output.stdout
    }

    /// Standard output read as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.output.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}){}", self.shown()))
    }

    /// The inventory of [`Fa::dump_inventory`].
    pub fn inventory(&self) -> Value {
        self.read_file("inventory.json")
    }

    /// The JSON report of [`Fa::json_report`].
    pub fn report(&self) -> Value {
        self.read_file("report.json")
    }

    /// A file of the run's [`Fa::output_dir`], as text.
    pub fn output(&self, name: &str) -> String {
        self.read_text(&format!("out/{name}"))
    }

    /// A file of the run's [`Fa::output_dir`], as JSON.
    pub fn output_json(&self, name: &str) -> Value {
        self.read_file(&format!("out/{name}"))
    }

    /// The path of a file of the run ([`Fa::json_report`] writes `report.json`).
    pub fn file(&self, name: &str) -> PathBuf {
        self.files
            .as_ref()
            .expect("no file was asked of this run")
            .path()
            .join(name)
    }

    /// The path of the run's [`Fa::output_dir`].
    pub fn output_path(&self) -> PathBuf {
        self.files
            .as_ref()
            .expect("no file was asked of this run")
            .path()
            .join("out")
    }

    fn read_text(&self, name: &str) -> String {
        let dir = self.files.as_ref().expect("no file was asked of this run");
        let p = dir.path().join(name);
        std::fs::read_to_string(&p)
            .unwrap_or_else(|e| panic!("{} not written ({e}){}", p.display(), self.shown()))
    }

    fn read_file(&self, name: &str) -> Value {
        serde_json::from_str(&self.read_text(name)).unwrap()
    }

    /// The command line, exit code, stdout and stderr, for a failure message.
    pub fn shown(&self) -> String {
        format!(
            "\ncommand: {}\nexit: {}\n--- stdout\n{}\n--- stderr\n{}",
            self.line,
            self.code(),
            String::from_utf8_lossy(&self.output.stdout),
            String::from_utf8_lossy(&self.output.stderr)
        )
    }

    /// The exit code is `want`.
    #[track_caller]
    pub fn assert_code(&self, want: i32) -> &Out {
        assert_eq!(self.code(), want, "exit code{}", self.shown());
        self
    }

    /// The exit code is `want`, for the reason `why`.
    #[track_caller]
    pub fn assert_code_for(&self, want: i32, why: impl std::fmt::Display) -> &Out {
        assert_eq!(self.code(), want, "{why}{}", self.shown());
        self
    }

    /// A complete run: exit 0, or 1 when rules report failing findings; never 2 or 3.
    #[track_caller]
    pub fn assert_complete(&self) -> &Out {
        let c = self.code();
        assert!(c == 0 || c == 1, "not a complete run{}", self.shown());
        self
    }

    /// Standard error holds `needle`.
    #[track_caller]
    pub fn stderr_has(&self, needle: &str) -> &Out {
        self.holds("stderr", &self.stderr(), needle)
    }

    /// Standard output holds `needle`.
    #[track_caller]
    pub fn stdout_has(&self, needle: &str) -> &Out {
        self.holds("stdout", &self.stdout(), needle)
    }

    #[track_caller]
    fn holds(&self, stream: &str, text: &str, needle: &str) -> &Out {
        assert!(
            text.contains(needle),
            "no {needle:?} in {stream}{}",
            self.shown()
        );
        self
    }
}
