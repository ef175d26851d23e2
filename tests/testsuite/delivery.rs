//! Delivery by e-mail, against a real SMTP server on 127.0.0.1 (aiosmtpd, `common::smtp`): the
//! outbox's messages read back by Python's `email` package, every message arriving once, retries,
//! refusals, a connection lost after the data, a kill at every step, a correction sent as a
//! reissue, and the archive keeping what was sent.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::smtp::{Received, ServerOptions, SmtpServer, Tls, parse_messages};
use crate::common::{
    BIN, Fixture, Run, assert_contains, assert_valid_bags, copy_dir, correct_one_kent_decision,
    sha256,
};

const KENT: &str = "E10000016";
const KENT_SLUG: &str = "kent-county-council";
const KENT_TO: &str = "head.of.paid.service@kent-county-council.example";
const ADUR: &str = "E07000223";
const ALLERDALE: &str = "E07000026";
const USER: &str = "annual-review";
const PASSWORD: &str = "s3cret-Pa55word";

/// The built sample with its letters going by e-mail as fast as the test server takes them.
fn delivering() -> Fixture {
    let fixture = Fixture::sample_built();
    let config = fixture.read("publication.toml");
    assert!(
        config.trim_end().ends_with("messages sent in a minute"),
        "[delivery] comes last"
    );
    fixture.write("publication.toml", config + "per_minute = 100000\n");
    fixture
}

fn year_dir(fixture: &Fixture) -> PathBuf {
    fixture.output().join("2020-21")
}

fn outbox_file(fixture: &Fixture, slug: &str) -> PathBuf {
    year_dir(fixture).join(format!("outbox/{slug}.eml"))
}

fn ledger(fixture: &Fixture) -> Vec<serde_json::Value> {
    std::fs::read_to_string(year_dir(fixture).join("delivery.jsonl"))
        .unwrap_or_default()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

fn server(tls: Tls, script: &[(&str, &str)]) -> SmtpServer {
    SmtpServer::start(ServerOptions {
        tls,
        auth: Some((USER.to_string(), PASSWORD.to_string())),
        script: script
            .iter()
            .map(|(address, what)| (address.to_string(), what.to_string()))
            .collect(),
    })
}

/// `annual-review send` to `server`, with the credentials in the environment.
fn send(fixture: &Fixture, server: &SmtpServer, args: &[&str]) -> Run {
    let url = server.url();
    let ca = server.ca_file().display().to_string();
    let mut all = vec!["send", "--smtp", &url];
    if server.ca_file().exists() {
        all.extend(["--ca-file", &ca]);
    }
    all.extend(args);
    fixture.run_with_env(
        &all,
        &[
            ("ANNUAL_REVIEW_SMTP_USERNAME", USER),
            ("ANNUAL_REVIEW_SMTP_PASSWORD", PASSWORD),
        ],
    )
}

/// The messages received for `message_id`'s council (by its code in the Message-ID).
fn received_for(server: &SmtpServer, code: &str) -> Vec<Received> {
    server
        .received()
        .into_iter()
        .filter(|message| {
            let text = String::from_utf8_lossy(&message.bytes);
            text.contains(&format!(".{code}."))
        })
        .collect()
}

fn parsed(file: &Path) -> serde_json::Value {
    parse_messages(&[file.to_path_buf()])[0].clone()
}

/// `text` with CRLF line ends as LF (parse.py keeps the message's own).
fn lf(text: &serde_json::Value) -> String {
    text.as_str().unwrap().replace("\r\n", "\n")
}

#[test]
fn outbox_writes_one_message_per_letter_that_a_mail_program_reads_as_meant() {
    let fixture = delivering();
    let run = fixture.run(&["outbox"]);
    run.assert_status(0);
    assert_contains(&run.stderr, "wrote 339 messages to `");
    let outbox = year_dir(&fixture).join("outbox");
    assert_eq!(std::fs::read_dir(&outbox).unwrap().count(), 339);

    let kent = parsed(&outbox_file(&fixture, KENT_SLUG));
    let headers = &kent["headers"];
    assert_eq!(headers["From"], "Annual Review <annual.review@lgo.example>");
    assert_eq!(
        headers["Reply-To"],
        "Intelligence Team <intelligence@lgo.example>"
    );
    assert_eq!(headers["To"], format!("Mr Cockburn <{KENT_TO}>"));
    assert_eq!(
        headers["Cc"],
        "Cllr Rhys McAllister <leader@kent-county-council.example>, Cllr Omar Thornton <scrutiny@kent-county-council.example>"
    );
    assert_eq!(
        headers["Subject"],
        "Annual Review letter 2021: Kent County Council"
    );
    // The letter's date, and an identity made of the year, the council and the letter's version.
    assert_eq!(headers["Date"], "Wed, 21 Jul 2021 09:00:00 +0000");
    let letter = std::fs::read(fixture.letter(KENT_SLUG)).unwrap();
    assert_eq!(
        headers["Message-ID"],
        format!(
            "<annual-review.2020-21.{KENT}.{}@lgo.example>",
            &sha256(&letter)[..16]
        )
    );
    assert_eq!(kent["defects"], serde_json::json!([]));
    let text = lf(&kent["text"]);
    assert!(text.starts_with("Dear Mr Cockburn\n\n"), "{text}");
    assert_contains(
        &text,
        "for the year ending 31 March 2021, is attached as a PDF",
    );
    assert_contains(&text, "compares them with the average for County Councils");
    assert_contains(
        &text,
        "a copy of this e-mail to Cllr Rhys McAllister, Leader of the Council, and Cllr Omar Thornton, Chair of Scrutiny.",
    );
    assert_contains(
        &text,
        "We will publish the letter and the year's data on 28 July 2021.",
    );
    assert!(text.ends_with("Michael King\nLocal Government and Social Care Ombudsman\nChair, Commission for Local Administration in England\n"), "{text}");
    let html = lf(&kent["html"]);
    assert_contains(&html, "<p>Dear Mr Cockburn</p>");
    assert_contains(
        &html,
        "<p>Michael King<br>\nLocal Government and Social Care Ombudsman<br>",
    );
    // The attachment is the letter, byte for byte.
    let attachments = kent["attachments"].as_array().unwrap();
    assert_eq!(attachments.len(), 1);
    assert_eq!(
        attachments[0]["filename"],
        "annual-review-2020-21-kent-county-council.pdf"
    );
    assert_eq!(attachments[0]["content_type"], "application/pdf");
    assert_eq!(attachments[0]["sha256"], sha256(&letter));

    // The same inputs give the same bytes: a second outbox writes nothing.
    let before = std::fs::read(outbox_file(&fixture, KENT_SLUG)).unwrap();
    let run = fixture.run(&["outbox"]);
    run.assert_status(0);
    assert_contains(&run.stderr, "wrote 0 messages to `");
    assert_contains(&run.stderr, "; 339 already there, unchanged");
    assert_eq!(
        std::fs::read(outbox_file(&fixture, KENT_SLUG)).unwrap(),
        before
    );
    let status = fixture.run(&["status"]);
    assert_contains(&status.stdout, "e-mail: 339 to send, 0 sent\n");
}

#[test]
fn names_with_accents_apostrophes_and_markup_travel_as_text() {
    let fixture = delivering();
    let register = fixture.read("authorities.csv").replace(
        "E10000016,Kent County Council,County Council,Mr Cockburn,",
        "E10000016,Ynys Môn & St Helen's <b>Council</b>,County Council,Ms Siân O'Brien,",
    );
    let register = register.replace("Cllr Omar Thornton", "Cllr Zoë D'Arcy-Jones");
    fixture.write("authorities.csv", register);
    for file in ["decisions.csv", "compliance.csv"] {
        let renamed = fixture
            .read(file)
            .replace(",Kent County Council,", ",E10000016,");
        fixture.write(file, renamed);
    }
    fixture.run(&["build"]).assert_status(0);
    fixture.run(&["outbox"]).assert_status(0);
    let file = std::fs::read_dir(year_dir(&fixture).join("outbox"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .find(|path| {
            path.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("ynys-")
        })
        .expect("the renamed council's message");
    let bytes = std::fs::read(&file).unwrap();
    assert!(bytes.is_ascii(), "headers and bodies are encoded");
    let message = parsed(&file);
    assert_eq!(message["defects"], serde_json::json!([]));
    assert_eq!(
        message["headers"]["Subject"],
        "Annual Review letter 2021: Ynys Môn & St Helen's <b>Council</b>"
    );
    assert_eq!(
        message["headers"]["To"],
        format!("Ms Siân O'Brien <{KENT_TO}>")
    );
    assert_contains(
        message["headers"]["Cc"].as_str().unwrap(),
        "Zoë D'Arcy-Jones <scrutiny@kent-county-council.example>",
    );
    assert_contains(&lf(&message["text"]), "Dear Ms Siân O'Brien\n");
    // In HTML, every value is text.
    let html = lf(&message["html"]);
    assert_contains(&html, "<p>Dear Ms Siân O&#x27;Brien</p>");
    assert_contains(
        &html,
        "Ynys Môn &amp; St Helen&#x27;s &lt;b&gt;Council&lt;&#x2f;b&gt;",
    );
    assert!(!html.contains("<b>Council"), "{html}");
}

#[test]
fn send_without_confirm_says_what_it_would_send_and_sends_nothing() {
    let fixture = delivering();
    fixture.run(&["outbox"]).assert_status(0);
    let server = server(Tls::StartTls, &[]);
    let run = send(
        &fixture,
        &server,
        &["--authority", KENT, "--authority", ADUR],
    );
    run.assert_status(0);
    assert_eq!(
        run.stdout,
        format!(
            "would send `outbox/kent-county-council.eml` (Kent County Council) to {KENT_TO}, leader@kent-county-council.example, scrutiny@kent-county-council.example, {} kB\n\
             would send `outbox/adur-district-council.eml` (Adur District Council) to chief.executive@adur-district-council.example, leader@adur-district-council.example, scrutiny@adur-district-council.example, {} kB\n",
            kilobytes(&outbox_file(&fixture, KENT_SLUG)),
            kilobytes(&outbox_file(&fixture, "adur-district-council")),
        )
    );
    assert_eq!(
        run.stderr,
        format!(
            "would send 2 messages through {}\nnothing was sent: add --confirm to send\n",
            server.url()
        )
    );
    assert!(server.received().is_empty());
    assert!(
        server.log().is_empty(),
        "no connection at all: {}",
        server.log()
    );
    assert!(ledger(&fixture).is_empty());
}

/// The size of Kent's message, in kB, made with the default limit in a copy.
fn kilobytes_of_message(fixture: &Fixture) -> u64 {
    let copy = copy_of(fixture);
    let config = copy
        .read("publication.toml")
        .replace("size_limit_mb = 0.05\n", "");
    copy.write("publication.toml", config);
    copy.run(&["outbox"]).assert_status(0);
    kilobytes(&outbox_file(&copy, KENT_SLUG))
}

fn kilobytes(file: &Path) -> u64 {
    std::fs::metadata(file).unwrap().len().div_ceil(1000)
}

#[test]
fn every_message_arrives_once_over_starttls_with_the_council_s_addresses_and_the_letter() {
    let fixture = delivering();
    fixture.run(&["outbox"]).assert_status(0);
    let server = server(Tls::StartTls, &[]);
    let run = send(&fixture, &server, &["--confirm"]);
    run.assert_status(0);
    assert_eq!(
        run.stderr,
        "sent 339, refused 0, in doubt 0, failed 0, not attempted 0\n"
    );
    let received = server.received();
    assert_eq!(received.len(), 339);

    // Each message as it was in the outbox, to its council's addresses, over TLS, logged in.
    let mut register = csv::Reader::from_path(fixture.input().join("authorities.csv")).unwrap();
    let mut expected: BTreeMap<String, (String, Vec<String>)> = BTreeMap::new();
    for row in register.records() {
        let row = row.unwrap();
        let mut addresses = vec![row[5].to_string()];
        for copy in row[6].split(';') {
            let address = copy.split('<').nth(1).expect("every copy has an address");
            addresses.push(address.trim_end_matches(['>', ' ']).to_string());
        }
        expected.insert(row[0].to_string(), (row[1].to_string(), addresses));
    }
    let outbox: Vec<String> = std::fs::read_dir(year_dir(&fixture).join("outbox"))
        .unwrap()
        .map(|entry| sha256(&std::fs::read(entry.unwrap().path()).unwrap()))
        .collect();
    let mut seen = Vec::new();
    for message in &received {
        let text = String::from_utf8_lossy(&message.bytes);
        let code = text
            .split("Message-ID: <annual-review.2020-21.")
            .nth(1)
            .and_then(|rest| rest.split('.').next())
            .unwrap();
        let (name, addresses) = &expected[code];
        assert_eq!(message.rcpt_tos, *addresses, "{name}");
        assert_eq!(message.mail_from, "annual.review@lgo.example");
        assert!(message.tls, "{name} went in plain text");
        assert_eq!(message.auth_user.as_deref(), Some(USER));
        assert!(
            outbox.contains(&sha256(&message.bytes)),
            "{name}: not the outbox's bytes"
        );
        seen.push(code.to_string());
    }
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 339, "each council once");
    // Read back by a mail program: Kent's attachment is its letter.
    let kent = received_for(&server, KENT);
    let parsed = parse_messages(&[kent[0].eml.clone()]);
    assert_eq!(
        parsed[0]["attachments"][0]["sha256"],
        sha256(&std::fs::read(fixture.letter(KENT_SLUG)).unwrap())
    );

    // A second send sends nothing.
    let again = send(&fixture, &server, &["--confirm"]);
    again.assert_status(0);
    assert_eq!(again.stderr, "nothing to send; 339 sent already\n");
    assert_eq!(server.received().len(), 339);
    let status = fixture.run(&["status"]);
    assert_contains(&status.stdout, "e-mail: 0 to send, 339 sent\n");
    // No credential anywhere.
    for file in crate::common::files_under(&year_dir(&fixture)) {
        let bytes = std::fs::read(year_dir(&fixture).join(&file)).unwrap();
        assert!(
            !String::from_utf8_lossy(&bytes).contains(PASSWORD),
            "{file} holds the password"
        );
    }
    assert!(!run.stdout.contains(PASSWORD) && !run.stderr.contains(PASSWORD));
}

#[test]
fn a_deferred_message_is_tried_again_and_sent_once_and_a_refused_one_is_reported() {
    let fixture = delivering();
    fixture.run(&["outbox"]).assert_status(0);
    let server = server(
        Tls::StartTls,
        &[
            (KENT_TO, "451-once"),
            (
                "chief.executive@adur-district-council.example",
                "451-data-once",
            ),
            ("chief.executive@allerdale-borough-council.example", "550"),
        ],
    );
    let run = send(
        &fixture,
        &server,
        &[
            "--confirm",
            "--authority",
            KENT,
            "--authority",
            ADUR,
            "--authority",
            ALLERDALE,
        ],
    );
    run.assert_status(1);
    assert_eq!(
        run.stdout,
        format!(
            "sent: `outbox/kent-county-council.eml` (Kent County Council) to {KENT_TO}, leader@kent-county-council.example, scrutiny@kent-county-council.example: 250 OK\n\
             sent: `outbox/adur-district-council.eml` (Adur District Council) to chief.executive@adur-district-council.example, leader@adur-district-council.example, scrutiny@adur-district-council.example: 250 OK\n\
             refused: `outbox/allerdale-borough-council.eml` (Allerdale Borough Council) to chief.executive@allerdale-borough-council.example, leader@allerdale-borough-council.example, scrutiny@allerdale-borough-council.example: 550 5.1.1 no such mailbox\n"
        )
    );
    assert_eq!(
        run.stderr,
        "sent 2, refused 1, in doubt 0, failed 0, not attempted 0\n"
    );
    assert_eq!(received_for(&server, KENT).len(), 1);
    assert_eq!(received_for(&server, ADUR).len(), 1);
    assert_eq!(received_for(&server, ALLERDALE).len(), 0);
    let events: Vec<String> = ledger(&fixture)
        .iter()
        .map(|entry| {
            format!(
                "{} {}",
                entry["event"].as_str().unwrap(),
                entry["reply"]
                    .as_str()
                    .or(entry["reason"].as_str())
                    .unwrap_or("")
            )
        })
        .collect();
    assert_eq!(
        events,
        [
            "sending ",
            "failed 451 4.3.0 try again later",
            "sending ",
            "sent 250 OK",
            "sending ",
            "failed 451 4.3.0 try again later",
            "sending ",
            "sent 250 OK",
            "sending ",
            "refused 550 5.1.1 no such mailbox",
        ]
    );
    // The refusal stays until the register is corrected.
    let status = fixture.run(&["status"]);
    assert_contains(
        &status.stdout,
        "refused   outbox/allerdale-borough-council.eml (Allerdale Borough Council)\n          refused by the server (550 5.1.1 no such mailbox): correct the addresses in authorities.csv, then run `annual-review outbox`\n",
    );
    let again = send(&fixture, &server, &["--confirm", "--authority", ALLERDALE]);
    again.assert_status(1);
    assert_contains(
        &again.stderr,
        "not sent: Allerdale Borough Council: `outbox/allerdale-borough-council.eml` was refused (550 5.1.1 no such mailbox)",
    );
    assert_eq!(received_for(&server, ALLERDALE).len(), 0);
    let corrected = fixture.read("authorities.csv").replace(
        "chief.executive@allerdale-borough-council.example",
        "ceo@allerdale-borough-council.example",
    );
    fixture.write("authorities.csv", corrected);
    let outbox = fixture.run(&["outbox"]);
    outbox.assert_status(0);
    assert_contains(&outbox.stderr, "wrote 1 message to `");
    send(&fixture, &server, &["--confirm", "--authority", ALLERDALE]).assert_status(0);
    let allerdale = received_for(&server, ALLERDALE);
    assert_eq!(allerdale.len(), 1);
    assert_eq!(
        allerdale[0].rcpt_tos[0],
        "ceo@allerdale-borough-council.example"
    );
}

#[test]
fn a_connection_lost_after_the_data_leaves_the_message_in_doubt_until_a_person_settles_it() {
    let fixture = delivering();
    fixture.run(&["outbox"]).assert_status(0);
    let dropping = server(Tls::StartTls, &[(KENT_TO, "drop-after-data")]);
    let run = send(
        &fixture,
        &dropping,
        &["--confirm", "--authority", KENT, "--authority", ADUR],
    );
    run.assert_status(1);
    assert_contains(
        &run.stdout,
        "in doubt: `outbox/kent-county-council.eml` (Kent County Council)",
    );
    assert_contains(&run.stdout, "sent: `outbox/adur-district-council.eml`");
    assert_eq!(
        run.stderr,
        "sent 1, refused 0, in doubt 1, failed 0, not attempted 0\n"
    );
    assert_eq!(dropping.dropped(), 1);

    // Never sent again by itself, by this server or another.
    let server = server(Tls::StartTls, &[]);
    let again = send(&fixture, &server, &["--confirm"]);
    again.assert_status(1);
    assert_contains(
        &again.stderr,
        "not sent: Kent County Council: `outbox/kent-county-council.eml` is in doubt: handed to the server at ",
    );
    assert_contains(
        &again.stderr,
        &format!(
            "then `annual-review send --settle {KENT} --as sent` (or `--as unsent` to send it again)"
        ),
    );
    assert_eq!(received_for(&server, KENT).len(), 0);
    let status = fixture.run(&["status"]);
    assert_contains(
        &status.stdout,
        "in doubt  outbox/kent-county-council.eml (Kent County Council)\n",
    );
    assert_contains(&status.stdout, "e-mail: 0 to send, 338 sent, 1 in doubt\n");

    // Not in the Sent Items: settled as unsent, the next send sends it, once.
    let settled = fixture.run(&["send", "--settle", "Kent County Council", "--as", "unsent"]);
    settled.assert_status(0);
    assert_eq!(
        settled.stderr,
        "settled `outbox/kent-county-council.eml` (Kent County Council) as unsent: the next `send --confirm` sends it\n"
    );
    send(&fixture, &server, &["--confirm"]).assert_status(0);
    assert_eq!(received_for(&server, KENT).len(), 1);
    let status = fixture.run(&["status"]);
    assert_contains(&status.stdout, "e-mail: 0 to send, 339 sent\n");
    let nothing = fixture.run(&["send", "--settle", KENT, "--as", "sent"]);
    nothing.assert_status(2);
    assert_contains(
        &nothing.stderr,
        "error: Kent County Council has no message in doubt",
    );
}

#[test]
fn a_message_settled_as_sent_is_never_sent_again() {
    let fixture = delivering();
    fixture.run(&["outbox"]).assert_status(0);
    let dropping = server(Tls::StartTls, &[(KENT_TO, "drop-after-data")]);
    send(&fixture, &dropping, &["--confirm", "--authority", KENT]).assert_status(1);
    fixture
        .run(&["send", "--settle", KENT, "--as", "sent"])
        .assert_status(0);
    let server = server(Tls::StartTls, &[]);
    let run = send(&fixture, &server, &["--confirm", "--authority", KENT]);
    run.assert_status(0);
    assert_eq!(run.stderr, "nothing to send; 1 sent already\n");
    assert!(server.received().is_empty());
}

#[test]
fn a_refused_starttls_stops_before_any_credential_is_sent() {
    let fixture = delivering();
    fixture.run(&["outbox"]).assert_status(0);
    let server = server(Tls::RefuseStartTls, &[]);
    let run = send(&fixture, &server, &["--confirm", "--authority", KENT]);
    run.assert_status(1);
    assert_contains(
        &run.stderr,
        &format!(
            "error: sending stopped: the TLS upgrade with {} failed: nothing was sent, and no credential",
            server.url()
        ),
    );
    assert_eq!(server.log(), "EHLO\nSTARTTLS\nQUIT\n");
    assert!(server.received().is_empty());
    assert!(ledger(&fixture).is_empty(), "nothing was handed over");
}

#[test]
fn implicit_tls_works_and_plain_text_goes_only_to_this_machine() {
    let fixture = delivering();
    fixture.run(&["outbox"]).assert_status(0);
    let implicit = server(Tls::Implicit, &[]);
    send(&fixture, &implicit, &["--confirm", "--authority", KENT]).assert_status(0);
    assert!(received_for(&implicit, KENT)[0].tls);

    let remote = fixture.run(&[
        "send",
        "--smtp",
        "smtp://mail.lgo.example:25?tls=none",
        "--confirm",
    ]);
    remote.assert_status(2);
    assert_contains(
        &remote.stderr,
        "error: `smtp://mail.lgo.example:25?tls=none` is not an SMTP server's URL: `tls=none` sends in plain text, so only to this machine",
    );
    let in_url = fixture.run(&[
        "send",
        "--smtp",
        "smtp://user:pw@mail.lgo.example",
        "--confirm",
    ]);
    in_url.assert_status(2);
    assert_contains(&in_url.stderr, "credentials never go in the URL");
    let plain = SmtpServer::start(ServerOptions {
        tls: Tls::None,
        ..ServerOptions::default()
    });
    fixture
        .run(&[
            "send",
            "--smtp",
            &plain.url(),
            "--confirm",
            "--authority",
            ADUR,
        ])
        .assert_status(0);
    assert!(!received_for(&plain, ADUR)[0].tls);
}

#[test]
fn a_test_address_gets_the_messages_and_the_councils_still_get_theirs() {
    let fixture = delivering();
    fixture.run(&["outbox"]).assert_status(0);
    let server = server(Tls::StartTls, &[]);
    let run = send(
        &fixture,
        &server,
        &[
            "--confirm",
            "--authority",
            KENT,
            "--to",
            "proof.reader@lgo.example",
        ],
    );
    run.assert_status(0);
    assert_eq!(
        run.stderr,
        "sent 1 (a test: to proof.reader@lgo.example instead), refused 0, in doubt 0, failed 0, not attempted 0\n"
    );
    let test = received_for(&server, KENT);
    assert_eq!(test[0].rcpt_tos, ["proof.reader@lgo.example"]);
    assert_eq!(
        test[0].bytes,
        std::fs::read(outbox_file(&fixture, KENT_SLUG)).unwrap()
    );
    assert_eq!(ledger(&fixture)[0]["test"], true);
    send(&fixture, &server, &["--confirm", "--authority", KENT]).assert_status(0);
    let both = received_for(&server, KENT);
    assert_eq!(both.len(), 2);
    assert_eq!(both[1].rcpt_tos[0], KENT_TO);
}

#[test]
fn a_correction_after_sending_goes_only_as_a_reissue_that_says_why() {
    let fixture = delivering();
    fixture.run(&["outbox"]).assert_status(0);
    let server = server(Tls::StartTls, &[]);
    send(&fixture, &server, &["--confirm", "--authority", KENT]).assert_status(0);
    let first = std::fs::read(outbox_file(&fixture, KENT_SLUG)).unwrap();
    let first_id = parsed(&outbox_file(&fixture, KENT_SLUG))["headers"]["Message-ID"]
        .as_str()
        .unwrap()
        .to_string();

    correct_one_kent_decision(&fixture, "Upheld", "Not upheld");
    fixture.run(&["build"]).assert_status(0);
    let status = fixture.run(&["status"]);
    assert_contains(
        &status.stdout,
        "changed since sent outbox/kent-county-council.eml (Kent County Council)\n          sent at ",
    );
    assert_contains(
        &status.stdout,
        &format!(
            "and the letter changed since: `annual-review send --reissue --reason TEXT --authority {KENT}` sends the correction\n"
        ),
    );
    let refused = send(&fixture, &server, &["--confirm", "--authority", KENT]);
    refused.assert_status(1);
    assert_contains(
        &refused.stderr,
        "not sent: Kent County Council: its letter changed since `outbox/kent-county-council.eml` was sent at ",
    );
    assert_contains(
        &refused.stderr,
        "it goes again only as a correction, with `--reissue --reason TEXT`",
    );

    // Written first, to be read, and sent with --confirm.
    let reason = "One upheld complaint was recorded as not upheld; the figures are corrected.";
    let dry = send(
        &fixture,
        &server,
        &["--authority", KENT, "--reissue", "--reason", reason],
    );
    dry.assert_status(0);
    assert_contains(
        &dry.stdout,
        "would send `outbox/kent-county-council.reissue-1.eml` (Kent County Council)",
    );
    let reissue = outbox_file(&fixture, "kent-county-council.reissue-1");
    assert!(reissue.exists());
    assert_eq!(received_for(&server, KENT).len(), 1);
    send(
        &fixture,
        &server,
        &[
            "--confirm",
            "--authority",
            KENT,
            "--reissue",
            "--reason",
            reason,
        ],
    )
    .assert_status(0);
    let received = received_for(&server, KENT);
    assert_eq!(received.len(), 2);
    assert_eq!(received[1].bytes, std::fs::read(&reissue).unwrap());
    let message = parsed(&reissue);
    let headers = &message["headers"];
    assert_eq!(
        headers["Subject"],
        "Corrected: Annual Review letter 2021: Kent County Council"
    );
    assert_eq!(headers["References"], first_id);
    assert_eq!(headers["In-Reply-To"], first_id);
    let letter = std::fs::read(fixture.letter(KENT_SLUG)).unwrap();
    assert_eq!(
        headers["Message-ID"],
        format!(
            "<annual-review.2020-21.{KENT}.{}.r1@lgo.example>",
            &sha256(&letter)[..16]
        )
    );
    assert_contains(&lf(&message["text"]), &format!("What changed: {reason}\n"));
    assert_eq!(message["attachments"][0]["sha256"], sha256(&letter));
    // The first message is kept as it went.
    assert_eq!(
        std::fs::read(outbox_file(&fixture, KENT_SLUG)).unwrap(),
        first
    );
    let status = fixture.run(&["status"]);
    assert_contains(&status.stdout, "e-mail: 338 to send, 1 sent\n");
}

#[test]
fn the_archive_keeps_the_ledger_and_every_message_as_it_was_sent() {
    let fixture = delivering();
    fixture.run(&["outbox"]).assert_status(0);
    let server = server(Tls::StartTls, &[]);
    send(
        &fixture,
        &server,
        &["--confirm", "--authority", KENT, "--authority", ADUR],
    )
    .assert_status(0);
    let archive = fixture.dir.path().join("archive");
    let archive_arg = archive.display().to_string();
    let output_arg = fixture.output().display().to_string();
    fixture
        .run(&[
            "archive",
            "--output",
            &output_arg,
            "--archive",
            &archive_arg,
        ])
        .assert_status(0);
    let bag = archive.join("2020-21");
    for file in [
        "delivery.jsonl",
        "outbox/kent-county-council.eml",
        "outbox/adur-district-council.eml",
    ] {
        assert_eq!(
            std::fs::read(bag.join("data").join(file)).unwrap(),
            std::fs::read(year_dir(&fixture).join(file)).unwrap(),
            "{file}"
        );
    }
    assert!(
        !bag.join("data/outbox/allerdale-borough-council.eml")
            .exists(),
        "unsent messages are not records"
    );
    fixture.run(&["verify", &archive_arg]).assert_status(0);
    assert_valid_bags(&[bag]);

    // A sent message changed afterwards is not taken for what was sent.
    let other = copy_of(&fixture);
    std::fs::remove_dir_all(other.dir.path().join("archive")).unwrap();
    std::fs::write(
        other
            .output()
            .join("2020-21/outbox/kent-county-council.eml"),
        b"edited",
    )
    .unwrap();
    let refused = other.run(&[
        "archive",
        "--output",
        &other.output().display().to_string(),
        "--archive",
        &other.dir.path().join("archive").display().to_string(),
    ]);
    refused.assert_status(1);
    assert_contains(
        &refused.stderr,
        "outbox/kent-county-council.eml` differs from the message the ledger says was sent: the archive keeps the messages as they were sent; nothing was archived",
    );
}

#[test]
fn outbox_refuses_a_message_over_the_size_limit_naming_the_letter() {
    let fixture = delivering();
    let config = fixture.read("publication.toml") + "size_limit_mb = 0.05\n";
    fixture.write("publication.toml", config);
    let run = fixture.run(&["outbox"]);
    run.assert_status(1);
    let kent = run
        .stderr
        .lines()
        .find(|line| line.starts_with("Kent County Council: "))
        .unwrap();
    let size = kilobytes_of_message(&fixture);
    assert_eq!(
        kent,
        format!(
            "Kent County Council: its message would be {size} kB once encoded, more than the limit of 50 kB (`size_limit_mb` in [delivery])"
        )
    );
    assert_contains(&run.stderr, "wrote 0 messages to `");
    assert!(!year_dir(&fixture).join("outbox").exists());
}

#[test]
fn the_register_s_addresses_are_checked_at_their_line() {
    let fixture = delivering();
    let register = fixture.read("authorities.csv");
    let register = register
        .replace("chief.executive@adur-district-council.example", "")
        .replace(
            "leader@kent-county-council.example",
            "head.of.paid.service@kent-county-council.example",
        )
        .replace(
            "scrutiny@allerdale-borough-council.example",
            "scrutiny at allerdale",
        );
    fixture.write("authorities.csv", register);
    let problems = fixture.check_refused();
    assert_contains(
        &problems,
        "found `head.of.paid.service@kent-county-council.example` twice, expected each address once",
    );
    assert_contains(
        &problems,
        "found an empty value, expected the recipient's e-mail address: the letters go by e-mail (publication.toml has a [delivery] table)",
    );
    assert_contains(
        &problems,
        "found `scrutiny at allerdale`, expected an e-mail address, e.g. `chief.executive@kent.example`",
    );
    for line in problems
        .lines()
        .filter(|line| line.contains("authorities.csv:"))
    {
        let place = line.split("authorities.csv:").nth(1).unwrap();
        let mut numbers = place.split(':');
        assert!(
            numbers.next().unwrap().parse::<u32>().is_ok()
                && numbers.next().unwrap().parse::<u32>().is_ok(),
            "line and column: {line}"
        );
    }
}

#[test]
fn outbox_and_send_need_a_delivery_table() {
    let fixture = Fixture::new("tiny");
    fixture.run(&["build"]).assert_status(0);
    let run = fixture.run(&["outbox"]);
    run.assert_status(2);
    assert_contains(
        &run.stderr,
        "publication.toml` has no [delivery] table: the letters go by e-mail only when it says who sends them",
    );
    fixture.run(&["send"]).assert_status(2);
}

/// A working copy of `fixture` (input, output) to crash in.
fn copy_of(fixture: &Fixture) -> Fixture {
    let copy = Fixture {
        dir: tempfile::tempdir().unwrap(),
    };
    copy_dir(fixture.dir.path(), copy.dir.path());
    copy
}

#[test]
fn a_kill_at_any_step_of_a_send_never_sends_a_message_twice_nor_loses_one() {
    let base = delivering();
    base.run(&["outbox"]).assert_status(0);
    let councils = ["--authority", KENT, "--authority", ADUR];
    let env = |server: &SmtpServer| {
        let mut command = Command::new(BIN);
        command
            .arg("send")
            .arg("--input")
            .arg("input")
            .arg("--templates")
            .arg(crate::common::templates())
            .arg("--output")
            .arg("output")
            .args(["--smtp", &server.url(), "--ca-file"])
            .arg(server.ca_file())
            .arg("--confirm")
            .args(councils)
            .env("ANNUAL_REVIEW_SMTP_USERNAME", USER)
            .env("ANNUAL_REVIEW_SMTP_PASSWORD", PASSWORD);
        command
    };
    // Every point a send passes, each pass in turn.
    let points: Vec<String> = {
        let work = copy_of(&base);
        let server = server(Tls::StartTls, &[]);
        let log = work.dir.path().join("failpoints.log");
        let output = env(&server)
            .current_dir(work.dir.path())
            .env("ANNUAL_REVIEW_FAILPOINT_LOG", &log)
            .output()
            .unwrap();
        assert!(output.status.success(), "{output:?}");
        let names: Vec<String> = std::fs::read_to_string(&log)
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect();
        names
            .iter()
            .enumerate()
            .map(|(i, name)| {
                format!(
                    "{name}#{}",
                    names[..=i].iter().filter(|n| *n == name).count()
                )
            })
            .collect()
    };
    for kind in [
        "write:ledger#1",
        "renamed:ledger#1",
        "send:data#1",
        "write:ledger#2",
        "send:data#2",
        "renamed:ledger#4",
    ] {
        assert!(
            points.contains(&kind.to_string()),
            "the walk passes {kind}: {points:?}"
        );
    }
    for point in &points {
        let work = copy_of(&base);
        let server = server(Tls::StartTls, &[]);
        let killed = env(&server)
            .current_dir(work.dir.path())
            .env("ANNUAL_REVIEW_FAILPOINT", format!("{point}=abort"))
            .output()
            .unwrap();
        assert!(
            killed.status.code().is_none(),
            "{point}: not stopped: {killed:?}"
        );
        let rerun = Run::of(env(&server).current_dir(work.dir.path()).output().unwrap());
        let status = work.run(&["status"]);
        for (code, slug, name) in [
            (KENT, KENT_SLUG, "Kent County Council"),
            (ADUR, "adur-district-council", "Adur District Council"),
        ] {
            let arrived = received_for(&server, code).len();
            assert!(arrived <= 1, "{point}: {name} arrived {arrived} times");
            // Accounted for: sent (once), or in doubt and named, never silently neither.
            let in_doubt = status
                .stdout
                .contains(&format!("in doubt  outbox/{slug}.eml ({name})"));
            assert!(
                arrived == 1 || in_doubt,
                "{point}: {name} neither arrived nor is in doubt\n{}\n{}",
                rerun.stderr,
                status.stdout
            );
            if in_doubt {
                assert_contains(
                    &rerun.stderr,
                    &format!("not sent: {name}: `outbox/{slug}.eml` is in doubt"),
                );
            }
        }
    }
}

#[test]
fn the_configured_server_a_password_file_and_a_limit() {
    let fixture = delivering();
    let server = server(Tls::StartTls, &[]);
    let config = fixture.read("publication.toml") + &format!("smtp = \"{}\"\n", server.url());
    fixture.write("publication.toml", config);
    fixture.run(&["outbox"]).assert_status(0);
    let password = fixture.dir.path().join("smtp-password");
    std::fs::write(&password, format!("{PASSWORD}\n")).unwrap();
    let ca = server.ca_file().display().to_string();
    let credentials = [
        ("ANNUAL_REVIEW_SMTP_USERNAME", USER),
        (
            "ANNUAL_REVIEW_SMTP_PASSWORD_FILE",
            password.to_str().unwrap(),
        ),
    ];
    let run = fixture.run_with_env(
        &["send", "--ca-file", &ca, "--confirm", "--limit", "2"],
        &credentials,
    );
    run.assert_status(0);
    assert_eq!(
        run.stderr,
        "sent 2, refused 0, in doubt 0, failed 0, not attempted 0; 337 left for a later send (--limit)\n"
    );
    assert_eq!(server.received().len(), 2);
    assert!(
        server
            .received()
            .iter()
            .all(|m| m.auth_user.as_deref() == Some(USER))
    );
    // A wrong password stops before anything is handed over.
    std::fs::write(&password, "wrong").unwrap();
    let refused = fixture.run_with_env(
        &["send", "--ca-file", &ca, "--confirm", "--limit", "2"],
        &credentials,
    );
    refused.assert_status(1);
    assert_contains(
        &refused.stderr,
        &format!(
            "error: sending stopped: {} did not accept the credentials in $ANNUAL_REVIEW_SMTP_USERNAME",
            server.url()
        ),
    );
    assert_eq!(server.received().len(), 2);
    assert_eq!(
        ledger(&fixture).len(),
        4,
        "two sendings and their outcomes, nothing more"
    );
}
