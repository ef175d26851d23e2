//! One council's covering e-mail, made as RFC 5322 bytes: the note's plain text and HTML as
//! alternatives, the letter's PDF attached with its bytes as built.
//!
//! The same inputs give the same bytes: the Date is fixed (the letter's date, or a reissue's),
//! the Message-ID comes from the year, the council and the letter's version, and the MIME
//! boundaries from the Message-ID. lettre encodes the headers (RFC 2047 for `Ynys Môn`,
//! quoted names for `St Helen's`) and the bodies.

use chrono::NaiveDate;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};

use crate::digest;
use crate::input::{Authority, Delivery};

/// What a message says and to whom.
pub(crate) struct Parts<'a> {
    pub(crate) delivery: &'a Delivery,
    pub(crate) authority: &'a Authority,
    pub(crate) message_id: &'a str,
    /// The messages this one corrects, first to last: their Message-IDs.
    pub(crate) references: &'a [String],
    pub(crate) date: NaiveDate,
    pub(crate) subject: &'a str,
    pub(crate) text: &'a str,
    pub(crate) html: &'a str,
    /// The letter's file name, as attached.
    pub(crate) attachment: &'a str,
    pub(crate) pdf: &'a [u8],
}

/// Why a message could not be made.
#[derive(Debug, thiserror::Error)]
pub(crate) enum MessageError {
    #[error("`{address}` is not an e-mail address")]
    Address { address: String },
    #[error("cannot make the message")]
    Build(#[source] lettre::error::Error),
}

/// The Message-ID of a council's letter: its year, its code and its letter's version (the start
/// of the PDF's SHA-256), at the sender's domain; a reissue adds its number.
pub(crate) fn message_id(
    year: &str,
    code: &str,
    letter_sha256: &str,
    reissue: usize,
    from: &Mailbox,
) -> String {
    let plain = |text: &str| -> String {
        text.chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect()
    };
    let version = &letter_sha256[..letter_sha256.len().min(16)];
    let reissue = match reissue {
        0 => String::new(),
        n => format!(".r{n}"),
    };
    format!(
        "<annual-review.{}.{}.{version}{reissue}@{}>",
        plain(year),
        plain(code),
        from.email.domain()
    )
}

/// The message's bytes.
pub(crate) fn render(parts: &Parts) -> Result<Vec<u8>, MessageError> {
    let authority = parts.authority;
    let mailbox = |name: &str, address: &str| -> Result<Mailbox, MessageError> {
        address
            .parse()
            .map(|address| Mailbox::new(Some(name.to_string()), address))
            .map_err(|_| MessageError::Address {
                address: address.to_string(),
            })
    };
    // 09:00 UTC on the day, as the PDFs are dated.
    let date = parts
        .date
        .and_hms_opt(9, 0, 0)
        .map(|moment| moment.and_utc())
        .map(std::time::SystemTime::from)
        .unwrap_or(std::time::UNIX_EPOCH);
    let mut builder = lettre::Message::builder()
        .from(parts.delivery.from.clone())
        .subject(parts.subject)
        .date(date)
        .message_id(Some(parts.message_id.to_string()));
    if let Some(reply_to) = &parts.delivery.reply_to {
        builder = builder.reply_to(reply_to.clone());
    }
    for address in &authority.email {
        builder = builder.to(mailbox(&authority.recipient, address)?);
    }
    for copy in &authority.copies {
        if let Some(address) = &copy.email {
            builder = builder.cc(mailbox(&copy.name, address)?);
        }
    }
    if let Some(last) = parts.references.last() {
        builder = builder
            .in_reply_to(last.clone())
            .references(parts.references.join(" "));
    }
    // Boundaries from the Message-ID: the same message, the same bytes.
    let seed = digest::sha256(parts.message_id.as_bytes());
    let body = MultiPart::mixed()
        .boundary(format!("mixed-{}", &seed[..24]))
        .multipart(
            MultiPart::alternative()
                .boundary(format!("alternative-{}", &seed[24..48]))
                .singlepart(SinglePart::plain(parts.text.to_string()))
                .singlepart(SinglePart::html(parts.html.to_string())),
        )
        .singlepart(Attachment::new(parts.attachment.to_string()).body(
            parts.pdf.to_vec(),
            ContentType::parse("application/pdf").expect("a valid content type"),
        ));
    let message = builder.multipart(body).map_err(MessageError::Build)?;
    Ok(message.formatted())
}
