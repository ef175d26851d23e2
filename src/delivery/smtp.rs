//! One connection to the SMTP server, through lettre's low-level `SmtpConnection`: it tells a
//! refusal before the data (nothing was delivered) from a reply lost after it (the server may have
//! the message), which decides what the ledger records.
//!
//! `smtp://HOST:PORT` must upgrade with STARTTLS before anything else is said (no credential goes
//! in plain text), `smtps://HOST:PORT` is TLS from the first byte, and `smtp://HOST:PORT?tls=none`
//! is plain text, for a server on this machine only. Credentials come from the environment, never
//! the command line: `ANNUAL_REVIEW_SMTP_USERNAME` with `ANNUAL_REVIEW_SMTP_PASSWORD` (or
//! `ANNUAL_REVIEW_SMTP_PASSWORD_FILE`, a file holding it).

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use lettre::Address;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{Certificate, SmtpConnection, TlsParameters};
use lettre::transport::smtp::commands::{Data, Mail, Quit, Rcpt, Rset};
use lettre::transport::smtp::extension::{ClientId, MailBodyParameter, MailParameter};

use crate::exit;
use crate::failpoint;

pub(crate) const USERNAME_VARIABLE: &str = "ANNUAL_REVIEW_SMTP_USERNAME";
pub(crate) const PASSWORD_VARIABLE: &str = "ANNUAL_REVIEW_SMTP_PASSWORD";
pub(crate) const PASSWORD_FILE_VARIABLE: &str = "ANNUAL_REVIEW_SMTP_PASSWORD_FILE";

/// How long a command may wait for its reply.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);
/// How long the end of the data may wait for its reply: RFC 5321 §4.5.3.2.6 asks 10 minutes,
/// since a reply given up on too early leaves a message in doubt.
const DATA_TIMEOUT: Duration = Duration::from_secs(600);

/// How the connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Security {
    /// `smtp://`: plain text upgraded with STARTTLS, which must succeed.
    StartTls,
    /// `smtps://`: TLS from the first byte.
    Implicit,
    /// `smtp://…?tls=none`: plain text, to this machine only.
    None,
}

/// Where `send` sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Server {
    pub(crate) host: String,
    pub(crate) port: u16,
    pub(crate) security: Security,
    /// The URL as given, for messages.
    pub(crate) url: String,
}

/// Why the server could not be used.
#[derive(Debug, thiserror::Error)]
pub(crate) enum SmtpError {
    #[error("`{given}` is not an SMTP server's URL: {reason}")]
    Url { given: String, reason: String },
    #[error(
        "no SMTP server to send through: give `--smtp smtp://HOST:PORT`, or `smtp` in publication.toml's [delivery]"
    )]
    NoServer,
    #[error("{0}")]
    Credentials(String),
    #[error("cannot read the certificate `{}`", .path.display())]
    CaFile {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("`{}` holds no PEM certificate lettre can use", .path.display())]
    Certificate {
        path: PathBuf,
        #[source]
        source: lettre::transport::smtp::Error,
    },
    #[error("cannot connect to {url}")]
    Connect {
        url: String,
        #[source]
        source: lettre::transport::smtp::Error,
    },
    #[error(
        "{url} does not offer STARTTLS: nothing was sent, and no credential (an `smtps://` URL connects with TLS from the start)"
    )]
    NoStartTls { url: String },
    #[error("the TLS upgrade with {url} failed: nothing was sent, and no credential")]
    StartTls {
        url: String,
        #[source]
        source: lettre::transport::smtp::Error,
    },
    #[error("{url} did not accept the credentials in ${USERNAME_VARIABLE}")]
    Auth {
        url: String,
        #[source]
        source: lettre::transport::smtp::Error,
    },
}

impl SmtpError {
    pub(crate) fn exit_status(&self) -> u8 {
        match self {
            SmtpError::Url { .. }
            | SmtpError::NoServer
            | SmtpError::Credentials(_)
            | SmtpError::CaFile { .. }
            | SmtpError::Certificate { .. } => exit::INVALID,
            _ => exit::FAILED,
        }
    }
}

impl Server {
    /// Reads `smtp://HOST[:PORT][?tls=none]` or `smtps://HOST[:PORT]`.
    pub(crate) fn parse(given: &str) -> Result<Server, SmtpError> {
        let error = |reason: &str| SmtpError::Url {
            given: given.to_string(),
            reason: reason.to_string(),
        };
        let url = url::Url::parse(given).map_err(|e| {
            error(&format!(
                "{e}; expected e.g. `smtp://smtp.office365.com:587`"
            ))
        })?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err(error(&format!(
                "credentials never go in the URL (it shows in process lists and shell history); put them in ${USERNAME_VARIABLE} and ${PASSWORD_VARIABLE}"
            )));
        }
        let (mut security, default_port) = match url.scheme() {
            "smtp" => (Security::StartTls, 587),
            "smtps" => (Security::Implicit, 465),
            other => {
                return Err(error(&format!(
                    "found the scheme `{other}`, expected `smtp` (STARTTLS) or `smtps` (TLS from the start)"
                )));
            }
        };
        if !matches!(url.path(), "" | "/") || url.fragment().is_some() {
            return Err(error("expected only a host, a port and `?tls=none`"));
        }
        for (key, value) in url.query_pairs() {
            match (key.as_ref(), value.as_ref(), security) {
                ("tls", "none", Security::StartTls) => security = Security::None,
                _ => {
                    return Err(error(&format!(
                        "found `{key}={value}`, expected nothing or `tls=none` (with `smtp://`)"
                    )));
                }
            }
        }
        // `smtp` is not a scheme the URL standard knows, so its host comes as text.
        let host = url
            .host_str()
            .filter(|host| !host.is_empty())
            .ok_or_else(|| error("it names no host"))?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
        let loopback = match host.parse::<IpAddr>() {
            Ok(ip) => ip.is_loopback(),
            Err(_) => host.eq_ignore_ascii_case("localhost"),
        };
        if security == Security::None && !loopback {
            return Err(error(
                "`tls=none` sends in plain text, so only to this machine (127.0.0.1, ::1 or localhost); a remote server needs STARTTLS or `smtps://`",
            ));
        }
        Ok(Server {
            host,
            port: url.port().unwrap_or(default_port),
            security,
            url: given.to_string(),
        })
    }
}

/// The credentials the environment gives, if any.
pub(crate) fn credentials() -> Result<Option<Credentials>, SmtpError> {
    let variable = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let username = variable(USERNAME_VARIABLE);
    let password = match (
        variable(PASSWORD_VARIABLE),
        variable(PASSWORD_FILE_VARIABLE),
    ) {
        (Some(_), Some(_)) => {
            return Err(SmtpError::Credentials(format!(
                "${PASSWORD_VARIABLE} and ${PASSWORD_FILE_VARIABLE} are both set: set one"
            )));
        }
        (Some(password), None) => Some(password),
        (None, Some(file)) => {
            let text = std::fs::read_to_string(&file).map_err(|e| {
                SmtpError::Credentials(format!(
                    "cannot read `{file}`, named by ${PASSWORD_FILE_VARIABLE}: {e}"
                ))
            })?;
            Some(text.trim_end_matches(['\r', '\n']).to_string())
        }
        (None, None) => None,
    };
    match (username, password) {
        (Some(username), Some(password)) => Ok(Some(Credentials::new(username, password))),
        (None, None) => Ok(None),
        (Some(_), None) => Err(SmtpError::Credentials(format!(
            "${USERNAME_VARIABLE} is set without a password: set ${PASSWORD_VARIABLE} or ${PASSWORD_FILE_VARIABLE}"
        ))),
        (None, Some(_)) => Err(SmtpError::Credentials(format!(
            "a password is set without ${USERNAME_VARIABLE}"
        ))),
    }
}

/// What became of one message's transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Transaction {
    /// The server took the message: its reply to the end of the data.
    Accepted(String),
    /// A 5xx reply: refused for good.
    Refused(String),
    /// A 4xx reply: not taken this time, and nothing was delivered; it may be tried again.
    Deferred(String),
    /// The connection failed before the data went: nothing was delivered.
    Broken(String),
    /// The connection failed after the data went, with no reply: the server may have it.
    Lost(String),
}

/// An open, authenticated connection.
pub(crate) struct Session {
    connection: SmtpConnection,
}

/// The TLS settings for `server`, trusting `ca_file` besides the usual roots.
fn tls_parameters(server: &Server, ca_file: Option<&Path>) -> Result<TlsParameters, SmtpError> {
    let mut builder = TlsParameters::builder(server.host.clone());
    if let Some(path) = ca_file {
        let pem = std::fs::read(path).map_err(|source| SmtpError::CaFile {
            path: path.to_path_buf(),
            source,
        })?;
        let certificate = Certificate::from_pem(&pem).map_err(|source| SmtpError::Certificate {
            path: path.to_path_buf(),
            source,
        })?;
        builder = builder.add_root_certificate(certificate);
    }
    builder
        .build_rustls()
        .map_err(|source| SmtpError::Certificate {
            path: ca_file.map(Path::to_path_buf).unwrap_or_default(),
            source,
        })
}

impl Session {
    /// Connects, secures the connection as the URL says, and logs in if credentials are given.
    pub(crate) fn open(
        server: &Server,
        ca_file: Option<&Path>,
        credentials: Option<&Credentials>,
    ) -> Result<Session, SmtpError> {
        let url = server.url.clone();
        let hello = ClientId::default();
        let address = (server.host.as_str(), server.port);
        let timeout = Some(COMMAND_TIMEOUT);
        let connect = |tls: Option<&TlsParameters>| {
            SmtpConnection::connect(address, timeout, &hello, tls, None).map_err(|source| {
                SmtpError::Connect {
                    url: url.clone(),
                    source,
                }
            })
        };
        let mut connection = match server.security {
            Security::Implicit => connect(Some(&tls_parameters(server, ca_file)?))?,
            Security::StartTls => {
                let tls = tls_parameters(server, ca_file)?;
                let mut connection = connect(None)?;
                if !connection.can_starttls() {
                    connection.abort();
                    return Err(SmtpError::NoStartTls { url });
                }
                connection
                    .starttls(&tls, &hello)
                    .map_err(|source| SmtpError::StartTls {
                        url: url.clone(),
                        source,
                    })?;
                connection
            }
            Security::None => connect(None)?,
        };
        if let Some(credentials) = credentials {
            connection
                .auth(&[Mechanism::Plain, Mechanism::Login], credentials)
                .map_err(|source| SmtpError::Auth {
                    url: url.clone(),
                    source,
                })?;
        }
        Ok(Session { connection })
    }

    /// Hands `bytes` to the server for `recipients`, from `from`. Passes the failpoint
    /// `send:data` once the server is ready for the data, before any of it goes.
    pub(crate) fn transact(
        &mut self,
        from: &Address,
        recipients: &[Address],
        bytes: &[u8],
    ) -> Transaction {
        let mut parameters = Vec::new();
        if !bytes.is_ascii() {
            parameters.push(MailParameter::Body(MailBodyParameter::EightBitMime));
        }
        let before_data = std::iter::once(Mail::new(Some(from.clone()), parameters).to_string())
            .chain(
                recipients
                    .iter()
                    .map(|to| Rcpt::new(to.clone(), Vec::new()).to_string()),
            )
            .chain(std::iter::once(Data.to_string()));
        for command in before_data {
            if let Err(error) = self.connection.command(&command) {
                let outcome = match reply(&error) {
                    Some(reply) if error.is_permanent() => Transaction::Refused(reply),
                    Some(reply) => Transaction::Deferred(reply),
                    None => return Transaction::Broken(crate::exit::chain(&error)),
                };
                // The transaction is over; the connection can carry the next one.
                let _ = self.connection.command(Rset);
                return outcome;
            }
        }
        if let Err(error) = failpoint::pass("send:data") {
            return Transaction::Broken(error.to_string());
        }
        let _ = self.connection.set_timeout(Some(DATA_TIMEOUT));
        // The end of the data is CRLF . CRLF, whose first CRLF ends the message's last line:
        // lettre writes all of it, so the message goes without its own last line end, and the
        // server receives exactly the outbox's bytes.
        let result = self
            .connection
            .message(bytes.strip_suffix(b"\r\n").unwrap_or(bytes));
        let _ = self.connection.set_timeout(Some(COMMAND_TIMEOUT));
        match result {
            Ok(response) => Transaction::Accepted(
                format!(
                    "{} {}",
                    response.code(),
                    response.message().collect::<Vec<_>>().join(" ")
                )
                .trim()
                .to_string(),
            ),
            Err(error) => match reply(&error) {
                Some(reply) if error.is_permanent() => Transaction::Refused(reply),
                Some(reply) => Transaction::Deferred(reply),
                None => Transaction::Lost(crate::exit::chain(&error)),
            },
        }
    }

    /// Says goodbye; the messages are already handed over.
    pub(crate) fn close(mut self) {
        let _ = self.connection.command(Quit);
    }
}

/// A negative reply's code and text: `550 5.1.1 no such mailbox`.
fn reply(error: &lettre::transport::smtp::Error) -> Option<String> {
    let code = error.status()?;
    let text = std::error::Error::source(error).map_or_else(String::new, |s| s.to_string());
    Some(format!("{code} {text}").trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_say_how_the_connection_is_protected() {
        let server = Server::parse("smtp://smtp.office365.com:587").unwrap();
        assert_eq!(
            (server.host.as_str(), server.port, server.security),
            ("smtp.office365.com", 587, Security::StartTls)
        );
        let server = Server::parse("smtps://mail.example").unwrap();
        assert_eq!((server.port, server.security), (465, Security::Implicit));
        let server = Server::parse("smtp://127.0.0.1:2525?tls=none").unwrap();
        assert_eq!(server.security, Security::None);
        assert!(Server::parse("smtp://[::1]:2525?tls=none").is_ok());
        assert!(Server::parse("smtp://localhost:2525?tls=none").is_ok());
        let refused = |url: &str| Server::parse(url).unwrap_err().to_string();
        assert!(refused("smtp://mail.example:25?tls=none").contains("only to this machine"));
        assert!(refused("smtps://127.0.0.1?tls=none").contains("expected nothing or `tls=none`"));
        assert!(refused("smtp://user:secret@mail.example").contains("never go in the URL"));
        assert!(refused("http://mail.example").contains("found the scheme `http`"));
        assert!(refused("mail.example:587").contains("not an SMTP server's URL"));
    }
}
