//! The SMTP server the delivery tests use (`common::smtp`), tested on its own with Python's
//! `smtplib` as the client: STARTTLS and AUTH, implicit TLS, the scripted refusals, the dropped
//! connection and the log of commands.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::repo;
use crate::common::smtp::{ServerOptions, SmtpServer, Tls, parse_messages, smtp_python};

/// What every client script starts with: the server's port and CA file, a message, and
/// `outcome`, which prints what became of an attempt as one line.
const PRELUDE: &str = r#"
import smtplib, ssl, sys
port, ca = int(sys.argv[1]), sys.argv[2]

def context():
    return ssl.create_default_context(cafile=ca)

def message(subject):
    return (f"From: a@x.example\r\nTo: b@x.example\r\nSubject: {subject}\r\n\r\n"
            ".A line with a dot.\r\n").encode()

def outcome(attempt):
    try:
        result = attempt()  # sendmail's refused recipients, login's reply
        refused = result if isinstance(result, dict) else {}
        print("done", *sorted(f"{a}:{c}" for a, (c, _) in refused.items()))
    except smtplib.SMTPRecipientsRefused as e:
        print("refused", *sorted(f"{a}:{c}" for a, (c, _) in e.recipients.items()))
    except smtplib.SMTPResponseException as e:
        print("reply", e.smtp_code, e.smtp_error.decode())
    except smtplib.SMTPServerDisconnected:
        print("disconnected")

def connect():
    return smtplib.SMTP("127.0.0.1", port, timeout=30)
"#;

/// Runs a client script (after [`PRELUDE`]) against the server; its standard output.
fn client(server: &SmtpServer, script: &str) -> String {
    let output = Command::new(smtp_python())
        .arg("-c")
        .arg(format!("{PRELUDE}\n{script}"))
        .arg(server.port().to_string())
        .arg(server.ca_file())
        .output()
        .expect("python runs");
    assert!(
        output.status.success(),
        "the client failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

fn with_auth(tls: Tls) -> ServerOptions {
    ServerOptions {
        tls,
        auth: Some(("user".into(), "secret".into())),
        ..ServerOptions::default()
    }
}

fn scripted(address: &str, behaviour: &str) -> ServerOptions {
    ServerOptions {
        script: vec![(address.into(), behaviour.into())],
        ..ServerOptions::default()
    }
}

#[test]
fn a_message_sent_after_starttls_and_auth_arrives_once() {
    let server = SmtpServer::start(with_auth(Tls::StartTls));
    assert_eq!(server.url(), format!("smtp://127.0.0.1:{}", server.port()));
    assert!(server.ca_file().is_file());
    let said = client(
        &server,
        r#"
with connect() as s:
    s.ehlo()
    print(s.has_extn("starttls"), s.has_extn("auth"))
    print(*s.docmd("AUTH PLAIN AHVzZXIAc2VjcmV0"))
    print(*s.docmd("MAIL FROM:<a@x.example>"))
    s.starttls(context=context())
    s.ehlo()
    print(s.has_extn("starttls"), s.has_extn("auth"))
    outcome(lambda: s.login("user", "wrong"))
    outcome(lambda: s.login("user", "secret"))
    outcome(lambda: s.sendmail("a@x.example", ["b@x.example"],
                               message("=?utf-8?q?Caf=C3=A9?=")))
"#,
    );
    assert_eq!(
        said,
        "True False\n\
         530 b'Must issue a STARTTLS command first'\n\
         530 b'Must issue a STARTTLS command first'\n\
         False True\n\
         reply 535 5.7.8 Authentication credentials invalid\n\
         done\n\
         done\n"
    );
    let received = server.received();
    assert_eq!(received.len(), 1);
    let message = &received[0];
    assert!(message.tls);
    assert_eq!(message.auth_user.as_deref(), Some("user"));
    assert_eq!(message.mail_from, "a@x.example");
    assert_eq!(message.rcpt_tos, ["b@x.example"]);
    // As sent, the transparency dot removed.
    assert!(message.bytes.ends_with(b"\r\n\r\n.A line with a dot.\r\n"));
    let parsed = parse_messages(std::slice::from_ref(&message.eml));
    assert_eq!(parsed[0]["headers"]["Subject"], "Café");
    assert_eq!(parsed[0]["raw_headers"]["Subject"], "=?utf-8?q?Caf=C3=A9?=");
    assert_eq!(parsed[0]["text"], ".A line with a dot.\r\n");
    assert_eq!(parsed[0]["defects"], serde_json::json!([]));
    // Every command, refused or not, with the secrets of AUTH (PLAIN's in its command line,
    // LOGIN's in the answers to its challenges) left out; smtplib tries LOGIN when PLAIN fails.
    assert_eq!(
        server.log(),
        "EHLO\nAUTH PLAIN\nMAIL\nSTARTTLS\nTLS\nEHLO\nAUTH PLAIN\nAUTH LOGIN\nAUTH PLAIN\n\
         MAIL\nRCPT\nDATA\nQUIT\n"
    );
}

#[test]
fn implicit_tls_works_with_smtp_ssl() {
    let server = SmtpServer::start(with_auth(Tls::Implicit));
    assert_eq!(server.url(), format!("smtps://127.0.0.1:{}", server.port()));
    let said = client(
        &server,
        r#"
with smtplib.SMTP_SSL("127.0.0.1", port, timeout=30, context=context()) as s:
    s.ehlo()
    print(s.has_extn("starttls"), s.has_extn("auth"))
    outcome(lambda: s.sendmail("a@x.example", ["b@x.example"], message("Before")))
    outcome(lambda: s.login("user", "secret"))
    outcome(lambda: s.sendmail("a@x.example", ["b@x.example"], message("After")))
"#,
    );
    assert_eq!(
        said,
        "False True\nreply 530 5.7.0 Authentication required\ndone\ndone\n"
    );
    let received = server.received();
    assert_eq!(received.len(), 1);
    assert!(received[0].tls);
    assert_eq!(received[0].auth_user.as_deref(), Some("user"));
    assert!(!server.log().contains("TLS\n"), "no STARTTLS handshake");
}

#[test]
fn plain_text_is_plain() {
    let server = SmtpServer::start(ServerOptions {
        tls: Tls::None,
        ..ServerOptions::default()
    });
    assert_eq!(
        server.url(),
        format!("smtp://127.0.0.1:{}?tls=none", server.port())
    );
    let said = client(
        &server,
        r#"
with connect() as s:
    s.ehlo()
    print(s.has_extn("starttls"))
    outcome(lambda: s.sendmail("a@x.example", ["b@x.example"], message("Plain")))
"#,
    );
    assert_eq!(said, "False\ndone\n");
    let received = server.received();
    assert_eq!(received.len(), 1);
    assert!(!received[0].tls);
    assert_eq!(received[0].auth_user, None);
}

#[test]
fn a_recipient_refused_once_with_451_is_accepted_the_second_time() {
    let server = SmtpServer::start(scripted("a@x.example", "451-once"));
    let said = client(
        &server,
        r#"
for to in ["a@x.example", "A@X.Example", "a@x.example"]:
    with connect() as s:
        s.starttls(context=context())
        outcome(lambda: s.sendmail("from@x.example", [to], message(to)))
"#,
    );
    assert_eq!(said, "refused a@x.example:451\ndone\ndone\n");
    let received = server.received();
    let tos: Vec<_> = received.iter().map(|r| r.rcpt_tos.clone()).collect();
    assert_eq!(tos, [["A@X.Example"], ["a@x.example"]]);
    let parsed = parse_messages(&[received[0].eml.clone(), received[1].eml.clone()]);
    assert_eq!(parsed[0]["headers"]["Subject"], "A@X.Example");
    assert_eq!(parsed[1]["headers"]["Subject"], "a@x.example");
}

#[test]
fn a_message_refused_once_at_the_end_of_data_is_not_spooled() {
    let server = SmtpServer::start(scripted("d@x.example", "451-data-once"));
    let said = client(
        &server,
        r#"
with connect() as s:
    s.starttls(context=context())
    outcome(lambda: s.sendmail("from@x.example", ["D@x.example"], message("First")))
    outcome(lambda: s.sendmail("from@x.example", ["d@x.example"], message("Second")))
"#,
    );
    assert_eq!(said, "reply 451 4.3.0 try again later\ndone\n");
    let received = server.received();
    assert_eq!(received.len(), 1);
    assert!(String::from_utf8_lossy(&received[0].bytes).contains("Subject: Second\r\n"));
}

#[test]
fn a_recipient_refused_with_550_is_always_refused() {
    let server = SmtpServer::start(scripted("b@x.example", "550"));
    let said = client(
        &server,
        r#"
with connect() as s:
    s.starttls(context=context())
    outcome(lambda: s.sendmail("from@x.example", ["b@x.example"], message("1")))
    outcome(lambda: s.sendmail("from@x.example", ["B@X.EXAMPLE"], message("2")))
    outcome(lambda: s.sendmail("from@x.example", ["b@x.example", "c@x.example"], message("3")))
"#,
    );
    assert_eq!(
        said,
        "refused b@x.example:550\nrefused B@X.EXAMPLE:550\ndone b@x.example:550\n"
    );
    let received = server.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].rcpt_tos, ["c@x.example"]);
}

#[test]
fn a_connection_dropped_after_data_spools_nothing() {
    let server = SmtpServer::start(scripted("c@x.example", "drop-after-data"));
    let said = client(
        &server,
        r#"
with connect() as s:
    s.starttls(context=context())
    outcome(lambda: s.sendmail("from@x.example", ["b@x.example", "c@x.example"], message("1")))
"#,
    );
    assert_eq!(said, "disconnected\n");
    assert_eq!(server.dropped(), 1);
    assert!(server.received().is_empty());
    // The server lives on.
    let said = client(
        &server,
        r#"
with connect() as s:
    s.starttls(context=context())
    outcome(lambda: s.sendmail("from@x.example", ["b@x.example"], message("2")))
"#,
    );
    assert_eq!(said, "done\n");
    assert_eq!(server.received().len(), 1);
    assert_eq!(server.dropped(), 1);
}

#[test]
fn a_refused_starttls_gets_454_and_no_auth_follows() {
    let server = SmtpServer::start(with_auth(Tls::RefuseStartTls));
    let said = client(
        &server,
        r#"
with connect() as s:
    s.ehlo()
    print(s.has_extn("starttls"), s.has_extn("auth"))
    outcome(lambda: s.starttls(context=context()))
"#,
    );
    assert_eq!(said, "True False\nreply 454 4.7.0 TLS not available\n");
    assert_eq!(server.log(), "EHLO\nSTARTTLS\nQUIT\n");
    assert!(server.received().is_empty());
}

#[test]
fn the_server_stops_when_its_standard_input_closes() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(smtp_python())
        .arg(repo().join("tests/testsuite/smtp/server.py"))
        .arg("--spool")
        .arg(dir.path())
        .args(["--tls", "none", "--port", "0"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    assert!(line.starts_with("listening on 127.0.0.1:"), "{line:?}");
    drop(child.stdin.take());
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            panic!("the server did not stop when its standard input closed");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}
