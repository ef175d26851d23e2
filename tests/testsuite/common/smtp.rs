//! A real SMTP server for the e-mail delivery tests: `tests/testsuite/smtp/server.py` (aiosmtpd,
//! with certificates made by trustme) in a virtual environment of the tests' own, one server per
//! test on a free port of 127.0.0.1, and the messages it received read back by Python's `email`
//! package (`tests/testsuite/smtp/parse.py`), an implementation independent of ours.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use super::repo;

const PACKAGES: [&str; 2] = ["aiosmtpd==1.4.6", "trustme==1.2.1"];

/// A Python with aiosmtpd and trustme: a virtual environment under `target/`, made on first use.
pub fn smtp_python() -> PathBuf {
    super::python_with("smtp-venv", &PACKAGES, "import aiosmtpd, trustme")
}

/// How the server encrypts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(clippy::enum_variant_names)] // StartTls is the name of the thing, not a repetition.
pub enum Tls {
    /// STARTTLS offered and required before anything but EHLO, NOOP and QUIT.
    StartTls,
    /// TLS from the first byte (SMTPS).
    Implicit,
    /// Plain text only.
    None,
    /// STARTTLS advertised, but answered `454 4.7.0 TLS not available`.
    RefuseStartTls,
}

pub struct ServerOptions {
    pub tls: Tls,
    /// The user and password AUTH PLAIN and LOGIN accept; with them, mail needs AUTH first.
    pub auth: Option<(String, String)>,
    /// Behaviours by recipient address (compared case-insensitively): `451-once`, `550`,
    /// `drop-after-data` or `451-data-once` (see `server.py`).
    pub script: Vec<(String, String)>,
}

impl Default for ServerOptions {
    fn default() -> ServerOptions {
        ServerOptions {
            tls: Tls::StartTls,
            auth: None,
            script: Vec::new(),
        }
    }
}

/// A message the server accepted (and answered 250).
#[derive(Clone, Debug)]
pub struct Received {
    /// The message as received in DATA (transparency dots removed), CRLF line ends as sent.
    pub bytes: Vec<u8>,
    pub mail_from: String,
    pub rcpt_tos: Vec<String>,
    pub auth_user: Option<String>,
    pub tls: bool,
    /// Its file in the spool, for [`parse_messages`].
    pub eml: PathBuf,
}

/// A running `server.py`, killed when dropped. Its standard input stays open while it lives: the
/// server stops when it closes, so a test process that dies leaves no server behind.
pub struct SmtpServer {
    child: Child,
    _stdin: ChildStdin,
    dir: tempfile::TempDir,
    ca: PathBuf,
    port: u16,
    tls: Tls,
}

impl SmtpServer {
    pub fn start(options: ServerOptions) -> SmtpServer {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let script: serde_json::Map<String, serde_json::Value> = options
            .script
            .into_iter()
            .map(|(address, behaviour)| (address, behaviour.into()))
            .collect();
        let tls = match options.tls {
            Tls::StartTls => "starttls",
            Tls::Implicit => "implicit",
            Tls::None => "none",
            Tls::RefuseStartTls => "refuse-starttls",
        };
        let mut command = Command::new(smtp_python());
        command
            .arg(repo().join("tests/testsuite/smtp/server.py"))
            .arg("--spool")
            .arg(dir.path().join("spool"))
            .arg("--log")
            .arg(dir.path().join("log"))
            .arg("--ca")
            .arg(dir.path().join("ca.pem"))
            .args(["--tls", tls, "--port", "0", "--script"])
            .arg(serde_json::Value::Object(script).to_string());
        if let Some((user, password)) = &options.auth {
            command.arg("--auth").arg(format!("{user}:{password}"));
        }
        // Standard error to a file: a pipe nobody reads could fill and stop the server.
        let stderr = std::fs::File::create(dir.path().join("stderr")).unwrap();
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("server.py starts");
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (sender, receiver) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = sender.send(line);
        });
        let line = receiver.recv_timeout(Duration::from_secs(60));
        let port = line
            .as_deref()
            .ok()
            .and_then(|line| line.trim_end().strip_prefix("listening on 127.0.0.1:"))
            .and_then(|port| port.parse().ok());
        let Some(port) = port else {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "server.py did not start (it said {line:?}):\n{}",
                std::fs::read_to_string(dir.path().join("stderr")).unwrap_or_default()
            );
        };
        SmtpServer {
            child,
            _stdin: stdin,
            ca: dir.path().join("ca.pem"),
            dir,
            port,
            tls: options.tls,
        }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The PEM certificate of the authority that signed the server's (for `127.0.0.1` and
    /// `localhost`); absent with [`Tls::None`].
    pub fn ca_file(&self) -> &Path {
        &self.ca
    }

    pub fn url(&self) -> String {
        let port = self.port;
        match self.tls {
            Tls::StartTls | Tls::RefuseStartTls => format!("smtp://127.0.0.1:{port}"),
            Tls::Implicit => format!("smtps://127.0.0.1:{port}"),
            Tls::None => format!("smtp://127.0.0.1:{port}?tls=none"),
        }
    }

    /// The messages accepted so far, in the order they arrived.
    pub fn received(&self) -> Vec<Received> {
        let spool = self.dir.path().join("spool");
        let mut envelopes: Vec<PathBuf> = std::fs::read_dir(&spool)
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.extension().is_some_and(|e| e == "json"))
            .collect();
        envelopes.sort();
        envelopes
            .into_iter()
            .map(|path| {
                let envelope: serde_json::Value =
                    serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
                let text = |key: &str| envelope[key].as_str().map(str::to_owned);
                let eml = path.with_extension("eml");
                Received {
                    bytes: std::fs::read(&eml).unwrap(),
                    mail_from: text("mail_from").unwrap(),
                    rcpt_tos: envelope["rcpt_tos"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|to| to.as_str().unwrap().to_owned())
                        .collect(),
                    auth_user: text("auth_user"),
                    tls: envelope["tls"].as_bool().unwrap(),
                    eml,
                }
            })
            .collect()
    }

    /// How many messages the server read and then dropped the connection without answering.
    pub fn dropped(&self) -> usize {
        std::fs::read_to_string(self.dir.path().join("spool/dropped.txt"))
            .map_or(0, |text| text.lines().count())
    }

    /// The SMTP commands clients sent, one verb a line (`AUTH` with its mechanism), and `TLS`
    /// where a STARTTLS handshake completed.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("log")).unwrap_or_default()
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The messages in these files as Python's `email` package reads them: a JSON array, one object a
/// file, with `headers` (decoded), `raw_headers`, `text`, `html`, `attachments` (`filename`,
/// `content_type`, `disposition`, `sha256`, `bytes`) and `defects` (see `parse.py`).
pub fn parse_messages(files: &[PathBuf]) -> serde_json::Value {
    let output = Command::new(smtp_python())
        .arg(repo().join("tests/testsuite/smtp/parse.py"))
        .args(files)
        .output()
        .expect("parse.py runs");
    assert!(
        output.status.success(),
        "parse.py failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("parse.py prints JSON")
}
