//! SMTP commands (RFC 5321 §4.1.1) with the ESMTP parameters l7 supports:
//! SIZE (RFC 1870), BODY=8BITMIME (RFC 6152), SMTPUTF8 (RFC 6531), and the
//! STARTTLS (RFC 3207) and AUTH (RFC 4954) verbs. Verbs are case-insensitive
//! (§2.4); a command line is at most [`MAX_COMMAND_LINE`] octets.

use super::address::{AddressError, ForwardPath, ReversePath, check_domain_or_literal};
use super::reply::{EnhancedStatus, Reply};
use l7_wire::WireError;
use std::fmt;

/// Longest command line accepted, CRLF included. RFC 5321 §4.5.3.1.4 sets 512
/// as the floor; extensions make lines longer, so we allow the 1000 octets of
/// a text line (§4.5.3.1.6) and answer longer ones "500 5.5.6".
pub const MAX_COMMAND_LINE: usize = 1000;

/// `BODY=` values of RFC 6152 §2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyType {
    /// `BODY=7BIT`.
    SevenBit,
    /// `BODY=8BITMIME`.
    EightBitMime,
}

/// The ESMTP parameters of `MAIL FROM` that l7 understands.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MailParams {
    /// `SIZE=n`: the client's estimate of the message size (RFC 1870 §3).
    pub size: Option<u64>,
    /// `BODY=`: 7BIT or 8BITMIME (RFC 6152).
    pub body: Option<BodyType>,
    /// `SMTPUTF8`: addresses and headers may be UTF-8 (RFC 6531 §3.4).
    pub smtputf8: bool,
}

/// SASL mechanisms offered with AUTH (RFC 4616 PLAIN; the LOGIN draft).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMechanism {
    /// `PLAIN`: one message `authzid NUL authcid NUL password`.
    Plain,
    /// `LOGIN`: user name and password in two base64 exchanges.
    Login,
}

impl AuthMechanism {
    /// The mechanism's registered name.
    pub fn name(self) -> &'static str {
        match self {
            AuthMechanism::Plain => "PLAIN",
            AuthMechanism::Login => "LOGIN",
        }
    }
}

/// One client command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `EHLO domain`: start an ESMTP session.
    Ehlo(String),
    /// `HELO domain`: start a plain SMTP session.
    Helo(String),
    /// `MAIL FROM:<path> [params]`.
    Mail {
        /// The reverse-path (`<>` for bounces).
        from: ReversePath,
        /// ESMTP parameters.
        params: MailParams,
    },
    /// `RCPT TO:<path>`.
    Rcpt(ForwardPath),
    /// `DATA`.
    Data,
    /// `RSET`.
    Rset,
    /// `NOOP [string]`.
    Noop,
    /// `VRFY string`.
    Vrfy(String),
    /// `EXPN string`.
    Expn(String),
    /// `HELP [string]`.
    Help(Option<String>),
    /// `QUIT`.
    Quit,
    /// `STARTTLS` (RFC 3207 §4).
    StartTls,
    /// `AUTH mechanism [initial-response]` (RFC 4954 §4); the response is
    /// kept as its base64 text (`=` stands for an empty response).
    Auth {
        /// The SASL mechanism.
        mechanism: AuthMechanism,
        /// The base64 initial response, if given.
        initial_response: Option<String>,
    },
}

/// Why a command line was refused; each maps to the reply RFC 5321 gives.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    /// Longer than [`MAX_COMMAND_LINE`] (§4.5.3.1.4).
    #[error("line too long")]
    LineTooLong,
    /// Unknown verb (§4.2.4: 500).
    #[error("command not recognized")]
    Unrecognized,
    /// The verb is known but its arguments are malformed (501).
    #[error("syntax error in parameters: {0}")]
    Syntax(&'static str),
    /// A path or mailbox is malformed (501 5.1.3).
    #[error("{0}")]
    Address(#[from] AddressError),
    /// An ESMTP parameter we do not support (555, §4.1.1.11).
    #[error("parameter not recognized or not implemented")]
    UnknownParameter,
    /// An AUTH mechanism we do not offer (RFC 4954 §4: 504).
    #[error("unrecognized authentication type")]
    UnknownMechanism,
}

impl CommandError {
    /// The reply a server sends for this error.
    pub fn reply(&self) -> Reply {
        let (code, e, text): (u16, EnhancedStatus, String) = match self {
            CommandError::LineTooLong => {
                (500, EnhancedStatus::new(5, 5, 6), "line too long".into())
            }
            CommandError::Unrecognized => (
                500,
                EnhancedStatus::new(5, 5, 2),
                "command not recognized".into(),
            ),
            CommandError::Syntax(what) => (
                501,
                EnhancedStatus::new(5, 5, 4),
                format!("syntax error: {what}"),
            ),
            CommandError::Address(a) => (501, EnhancedStatus::new(5, 1, 3), a.to_string()),
            CommandError::UnknownParameter => (
                555,
                EnhancedStatus::new(5, 5, 4),
                "parameter not recognized or not implemented".into(),
            ),
            CommandError::UnknownMechanism => (
                504,
                EnhancedStatus::new(5, 5, 4),
                "unrecognized authentication type".into(),
            ),
        };
        Reply::new(code, Some(e), text)
    }
}

/// Splits a `FROM:`/`TO:` argument into the path and the parameters. Many
/// clients (and the textbook) write a space after the colon; we accept it as
/// Postfix does.
fn split_path_args<'a>(rest: &'a str, keyword: &str) -> Result<(&'a str, &'a str), CommandError> {
    let prefix = rest
        .get(..keyword.len())
        .filter(|p| p.eq_ignore_ascii_case(keyword))
        .ok_or(CommandError::Syntax(
            "expected FROM:<address> or TO:<address>",
        ))?;
    let rest = rest[prefix.len()..].trim_start_matches(' ');
    if !rest.starts_with('<') {
        return Err(CommandError::Syntax("address must be enclosed in <>"));
    }
    let end = path_end(rest).ok_or(CommandError::Syntax("unterminated <address>"))?;
    let (path, params) = rest.split_at(end);
    if !params.is_empty() && !params.starts_with(' ') {
        return Err(CommandError::Syntax("expected space before parameters"));
    }
    Ok((path, params.trim_start_matches(' ')))
}

/// Index just past the `>` closing a path, skipping a quoted local-part.
fn path_end(s: &str) -> Option<usize> {
    let mut quoted = false;
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            '>' if !quoted => return Some(i + 1),
            _ => {}
        }
    }
    None
}

/// RFC 5321 §4.1.2: `esmtp-keyword ["=" esmtp-value]`.
fn esmtp_params(s: &str) -> Result<Vec<(&str, Option<&str>)>, CommandError> {
    s.split(' ')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = match p.split_once('=') {
                Some((k, v)) => (k, Some(v)),
                None => (p, None),
            };
            let key_ok = k.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
                && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
            let value_ok = v.is_none_or(|v| {
                !v.is_empty() && v.bytes().all(|b| matches!(b, 33..=60 | 62..=126))
            });
            if key_ok && value_ok {
                Ok((k, v))
            } else {
                Err(CommandError::Syntax("bad ESMTP parameter"))
            }
        })
        .collect()
}

fn mail_params(s: &str) -> Result<MailParams, CommandError> {
    let mut params = MailParams::default();
    for (key, value) in esmtp_params(s)? {
        let dup = || CommandError::Syntax("duplicate parameter");
        match (key.to_ascii_uppercase().as_str(), value) {
            ("SIZE", Some(v)) if params.size.is_none() => {
                // RFC 1870 §3: size-value = 1*20DIGIT.
                let ok = v.len() <= 20 && v.bytes().all(|b| b.is_ascii_digit());
                params.size = Some(
                    v.parse()
                        .ok()
                        .filter(|_| ok)
                        .ok_or(CommandError::Syntax("bad SIZE"))?,
                );
            }
            ("BODY", Some(v)) if params.body.is_none() => {
                params.body = Some(match v.to_ascii_uppercase().as_str() {
                    "7BIT" => BodyType::SevenBit,
                    "8BITMIME" => BodyType::EightBitMime,
                    _ => return Err(CommandError::UnknownParameter),
                });
            }
            ("SMTPUTF8", None) if !params.smtputf8 => params.smtputf8 = true,
            ("SIZE" | "BODY", Some(_)) | ("SMTPUTF8", None) => return Err(dup()),
            ("SIZE" | "BODY" | "SMTPUTF8", _) => {
                return Err(CommandError::Syntax("bad parameter value"));
            }
            _ => return Err(CommandError::UnknownParameter),
        }
    }
    Ok(params)
}

fn required_arg(arg: Option<&str>, what: &'static str) -> Result<String, CommandError> {
    arg.filter(|a| !a.is_empty())
        .map(str::to_string)
        .ok_or(CommandError::Syntax(what))
}

fn no_arg(arg: Option<&str>, cmd: Command) -> Result<Command, CommandError> {
    match arg {
        None => Ok(cmd),
        Some(_) => Err(CommandError::Syntax("this command takes no argument")),
    }
}

impl Command {
    /// Parses one command line, without its CRLF.
    pub fn parse_line(line: &[u8]) -> Result<Command, CommandError> {
        if line.len() + 2 > MAX_COMMAND_LINE {
            return Err(CommandError::LineTooLong);
        }
        let line =
            std::str::from_utf8(line).map_err(|_| CommandError::Syntax("command is not UTF-8"))?;
        if line.chars().any(|c| c.is_control()) {
            return Err(CommandError::Syntax("control character in command"));
        }
        let (verb, arg) = match line.split_once(' ') {
            Some((v, a)) => (v, Some(a.trim_end_matches(' '))),
            None => (line, None),
        };
        let verb = verb.to_ascii_uppercase();
        match verb.as_str() {
            "EHLO" | "HELO" => {
                let domain = required_arg(arg, "EHLO/HELO needs a domain")?;
                // RFC 5321 §4.1.4: the name is not verified, but it must
                // still be a syntactically valid domain or address literal.
                if domain.contains(' ') {
                    return Err(CommandError::Syntax("EHLO/HELO takes one domain"));
                }
                check_domain_or_literal(&domain)?;
                Ok(if verb == "EHLO" {
                    Command::Ehlo(domain)
                } else {
                    Command::Helo(domain)
                })
            }
            "MAIL" => {
                let (path, params) = split_path_args(arg.unwrap_or(""), "FROM:")?;
                Ok(Command::Mail {
                    from: ReversePath::parse(path)?,
                    params: mail_params(params)?,
                })
            }
            "RCPT" => {
                let (path, params) = split_path_args(arg.unwrap_or(""), "TO:")?;
                if !params.is_empty() {
                    esmtp_params(params)?;
                    return Err(CommandError::UnknownParameter);
                }
                Ok(Command::Rcpt(ForwardPath::parse(path)?))
            }
            "DATA" => no_arg(arg, Command::Data),
            "RSET" => no_arg(arg, Command::Rset),
            "QUIT" => no_arg(arg, Command::Quit),
            "STARTTLS" => no_arg(arg, Command::StartTls),
            "NOOP" => Ok(Command::Noop),
            "VRFY" => Ok(Command::Vrfy(required_arg(arg, "VRFY needs an argument")?)),
            "EXPN" => Ok(Command::Expn(required_arg(arg, "EXPN needs an argument")?)),
            "HELP" => Ok(Command::Help(
                arg.filter(|a| !a.is_empty()).map(str::to_string),
            )),
            "AUTH" => {
                let arg = required_arg(arg, "AUTH needs a mechanism")?;
                let (mech, response) = match arg.split_once(' ') {
                    Some((m, r)) => (m, Some(r)),
                    None => (arg.as_str(), None),
                };
                let mechanism = match mech.to_ascii_uppercase().as_str() {
                    "PLAIN" => AuthMechanism::Plain,
                    "LOGIN" => AuthMechanism::Login,
                    _ => return Err(CommandError::UnknownMechanism),
                };
                if let Some(r) = response
                    && (r.is_empty()
                        || !r
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(&b)))
                {
                    return Err(CommandError::Syntax("bad initial response"));
                }
                Ok(Command::Auth {
                    mechanism,
                    initial_response: response.map(str::to_string),
                })
            }
            _ => Err(CommandError::Unrecognized),
        }
    }

    /// Reads one command from the front of `buf`: `Incomplete` until a CRLF
    /// arrives (or the line grows past the limit, which is `Invalid`).
    pub fn parse(buf: &[u8]) -> Result<(Command, usize), WireError> {
        let line_end = buf
            .windows(2)
            .take(MAX_COMMAND_LINE - 1)
            .position(|w| w == b"\r\n");
        match line_end {
            Some(end) => Command::parse_line(&buf[..end])
                .map(|c| (c, end + 2))
                .map_err(|e| WireError::invalid(e.to_string())),
            None if buf.len() >= MAX_COMMAND_LINE => Err(WireError::invalid("line too long")),
            None => Err(WireError::Incomplete),
        }
    }

    /// Appends the command's wire form, CRLF included.
    pub fn emit(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.to_string().as_bytes());
        out.extend_from_slice(b"\r\n");
    }
}

impl fmt::Display for Command {
    /// The command line without CRLF, as `--trace` shows it after `C: `.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Command::Ehlo(d) => write!(f, "EHLO {d}"),
            Command::Helo(d) => write!(f, "HELO {d}"),
            Command::Mail { from, params } => {
                write!(f, "MAIL FROM:{from}")?;
                if let Some(size) = params.size {
                    write!(f, " SIZE={size}")?;
                }
                match params.body {
                    Some(BodyType::SevenBit) => f.write_str(" BODY=7BIT")?,
                    Some(BodyType::EightBitMime) => f.write_str(" BODY=8BITMIME")?,
                    None => {}
                }
                if params.smtputf8 {
                    f.write_str(" SMTPUTF8")?;
                }
                Ok(())
            }
            Command::Rcpt(to) => write!(f, "RCPT TO:{to}"),
            Command::Data => f.write_str("DATA"),
            Command::Rset => f.write_str("RSET"),
            Command::Noop => f.write_str("NOOP"),
            Command::Vrfy(s) => write!(f, "VRFY {s}"),
            Command::Expn(s) => write!(f, "EXPN {s}"),
            Command::Help(None) => f.write_str("HELP"),
            Command::Help(Some(s)) => write!(f, "HELP {s}"),
            Command::Quit => f.write_str("QUIT"),
            Command::StartTls => f.write_str("STARTTLS"),
            Command::Auth {
                mechanism,
                initial_response: None,
            } => write!(f, "AUTH {}", mechanism.name()),
            Command::Auth {
                mechanism,
                initial_response: Some(r),
            } => {
                write!(f, "AUTH {} {r}", mechanism.name())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::smtp::address::Mailbox;
    use proptest::prelude::*;

    fn parse(s: &str) -> Result<Command, CommandError> {
        Command::parse_line(s.as_bytes())
    }

    #[test]
    fn parses_the_textbook_commands() {
        // Kurose & Ross §2.3.1, including the space after the colon.
        assert_eq!(
            parse("HELO crepes.fr"),
            Ok(Command::Helo("crepes.fr".into()))
        );
        let alice = Mailbox::parse("alice@crepes.fr").unwrap();
        assert_eq!(
            parse("MAIL FROM: <alice@crepes.fr>"),
            Ok(Command::Mail {
                from: ReversePath::Mailbox(alice),
                params: MailParams::default()
            })
        );
        let bob = Mailbox::parse("bob@hamburger.edu").unwrap();
        assert_eq!(
            parse("rcpt to:<bob@hamburger.edu>"),
            Ok(Command::Rcpt(ForwardPath::Mailbox(bob)))
        );
        assert_eq!(parse("data"), Ok(Command::Data));
        assert_eq!(parse("QuIt"), Ok(Command::Quit));
    }

    #[test]
    fn parses_esmtp_parameters_and_auth() {
        let Ok(Command::Mail { from, params }) =
            parse("MAIL FROM:<> SIZE=1000 body=8bitmime SMTPUTF8")
        else {
            panic!("MAIL with parameters did not parse");
        };
        assert_eq!(from, ReversePath::Null);
        assert_eq!(
            params,
            MailParams {
                size: Some(1000),
                body: Some(BodyType::EightBitMime),
                smtputf8: true
            }
        );
        assert_eq!(
            parse("RCPT TO:<postmaster>"),
            Ok(Command::Rcpt(ForwardPath::Postmaster))
        );
        assert_eq!(
            parse("MAIL FROM:<a@b> FOO=1"),
            Err(CommandError::UnknownParameter)
        );
        assert_eq!(
            parse("MAIL FROM:<a@b> SIZE=1 SIZE=2"),
            Err(CommandError::Syntax("duplicate parameter"))
        );
        assert_eq!(
            parse("MAIL FROM:<a@b> SIZE=x"),
            Err(CommandError::Syntax("bad SIZE"))
        );
        assert_eq!(
            parse("RCPT TO:<a@b> NOTIFY=NEVER"),
            Err(CommandError::UnknownParameter)
        );
        assert_eq!(
            parse("AUTH PLAIN AGJvYgBzZWNyZXQ="),
            Ok(Command::Auth {
                mechanism: AuthMechanism::Plain,
                initial_response: Some("AGJvYgBzZWNyZXQ=".into())
            })
        );
        assert_eq!(parse("AUTH CRAM-MD5"), Err(CommandError::UnknownMechanism));
        assert_eq!(
            parse("STARTTLS now"),
            Err(CommandError::Syntax("this command takes no argument"))
        );
    }

    #[test]
    fn refuses_bad_lines_with_the_rfc_replies() {
        assert_eq!(parse("FROB"), Err(CommandError::Unrecognized));
        assert_eq!(parse("FROB").unwrap_err().reply().code(), 500);
        assert!(matches!(
            parse("MAIL FROM:<alice>"),
            Err(CommandError::Address(_))
        ));
        assert_eq!(parse("MAIL FROM:<alice>").unwrap_err().reply().code(), 501);
        assert!(parse("MAIL TO:<a@b>").is_err());
        assert!(parse("MAIL FROM:a@b").is_err());
        assert!(parse("HELO").is_err());
        assert!(parse("HELO bad_host!").is_err());
        let long = format!("NOOP {}", "x".repeat(MAX_COMMAND_LINE));
        assert_eq!(parse(&long), Err(CommandError::LineTooLong));
        assert_eq!(
            CommandError::LineTooLong.reply().to_bytes(),
            b"500 5.5.6 line too long\r\n"
        );
    }

    #[test]
    fn framing_waits_for_crlf_and_bounds_the_line() {
        assert_eq!(Command::parse(b"QUIT"), Err(WireError::Incomplete));
        assert_eq!(Command::parse(b"QUIT\r\nNOOP\r\n"), Ok((Command::Quit, 6)));
        let exact = format!("NOOP {}\r\n", "x".repeat(MAX_COMMAND_LINE - 7));
        assert_eq!(exact.len(), MAX_COMMAND_LINE);
        assert!(Command::parse(exact.as_bytes()).is_ok());
        let over = format!("NOOP {}\r\n", "x".repeat(MAX_COMMAND_LINE - 6));
        assert!(matches!(
            Command::parse(over.as_bytes()),
            Err(WireError::Invalid(_))
        ));
    }

    fn mailbox() -> impl Strategy<Value = Mailbox> {
        (
            "[a-z0-9!#$%&'*+/=?^_`{|}~-]{1,10}(\\.[a-z0-9_-]{1,5}){0,2}",
            "[a-z0-9]{1,10}(\\.[a-z]{2,5}){1,2}",
        )
            .prop_map(|(l, d)| Mailbox::parse(&format!("{l}@{d}")).unwrap())
    }

    fn command() -> impl Strategy<Value = Command> {
        let word = "[A-Za-z0-9.@-]{1,20}";
        prop_oneof![
            "[a-z]{1,10}(\\.[a-z]{2,5}){0,2}".prop_map(Command::Ehlo),
            "[a-z]{1,10}".prop_map(Command::Helo),
            (
                proptest::option::of(mailbox()),
                proptest::option::of(0u64..u64::MAX),
                proptest::option::of(prop_oneof![
                    Just(BodyType::SevenBit),
                    Just(BodyType::EightBitMime)
                ]),
                any::<bool>()
            )
                .prop_map(|(m, size, body, smtputf8)| Command::Mail {
                    from: m.map_or(ReversePath::Null, ReversePath::Mailbox),
                    params: MailParams {
                        size,
                        body,
                        smtputf8
                    },
                }),
            proptest::option::of(mailbox()).prop_map(|m| Command::Rcpt(
                m.map_or(ForwardPath::Postmaster, ForwardPath::Mailbox)
            )),
            Just(Command::Data),
            Just(Command::Rset),
            Just(Command::Noop),
            Just(Command::Quit),
            Just(Command::StartTls),
            word.prop_map(Command::Vrfy),
            word.prop_map(Command::Expn),
            proptest::option::of(word).prop_map(Command::Help),
            (
                prop_oneof![Just(AuthMechanism::Plain), Just(AuthMechanism::Login)],
                proptest::option::of("[A-Za-z0-9+/]{4,40}={0,2}")
            )
                .prop_map(|(mechanism, initial_response)| Command::Auth {
                    mechanism,
                    initial_response
                }),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        #[test]
        fn round_trips(cmd in command()) {
            let mut wire = Vec::new();
            cmd.emit(&mut wire);
            prop_assert_eq!(Command::parse(&wire), Ok((cmd, wire.len())));
        }

        #[test]
        fn never_panics(buf in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = Command::parse(&buf);
            let _ = Command::parse_line(&buf);
        }
    }
}
