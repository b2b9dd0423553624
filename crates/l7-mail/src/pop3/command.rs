//! POP3 command lines (RFC 1939 §3, RFC 2449 §3): a case-insensitive
//! keyword of three or four letters, then arguments separated by single
//! spaces. Parsing is bounded: a line is at most [`MAX_COMMAND_LINE`]
//! octets and message numbers must fit in a `u32`.

/// Longest command line accepted, CRLF included (RFC 2449 §4 allows 255;
/// a little more room for long passwords).
pub const MAX_COMMAND_LINE: usize = 512;

/// A parsed POP3 command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `USER name` (RFC 1939 §7).
    User(String),
    /// `PASS secret`: the rest of the line, spaces included (RFC 1939 §7).
    Pass(String),
    /// `AUTH mechanism [initial-response]` (RFC 5034 §4).
    Auth {
        /// The SASL mechanism, upper-cased.
        mechanism: String,
        /// The base64 initial response, if given.
        initial: Option<String>,
    },
    /// `CAPA` (RFC 2449 §5).
    Capa,
    /// `STLS` (RFC 2595 §4).
    Stls,
    /// `STAT`.
    Stat,
    /// `LIST [msg]`.
    List(Option<u32>),
    /// `RETR msg`.
    Retr(u32),
    /// `DELE msg`.
    Dele(u32),
    /// `NOOP`.
    Noop,
    /// `RSET`.
    Rset,
    /// `TOP msg n`.
    Top(u32, u32),
    /// `UIDL [msg]`.
    Uidl(Option<u32>),
    /// `QUIT`.
    Quit,
}

/// Why a command line was not understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// The keyword is not one we know.
    #[error("unknown command")]
    Unknown,
    /// The keyword is known but its arguments are wrong.
    #[error("{0}")]
    Arguments(&'static str),
    /// The line is longer than [`MAX_COMMAND_LINE`].
    #[error("line too long")]
    TooLong,
}

fn number(arg: &str) -> Option<u32> {
    if arg.is_empty() || arg.len() > 10 || !arg.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    arg.parse().ok()
}

impl Command {
    /// Parses one line, without its CRLF.
    pub fn parse(line: &[u8]) -> Result<Command, ParseError> {
        if line.len() + 2 > MAX_COMMAND_LINE {
            return Err(ParseError::TooLong);
        }
        let line = std::str::from_utf8(line).map_err(|_| ParseError::Unknown)?;
        let (keyword, rest) = match line.split_once(' ') {
            Some((k, r)) => (k, Some(r)),
            None => (line, None),
        };
        if keyword.len() > 4 {
            return Err(ParseError::Unknown);
        }
        let args: Vec<&str> = rest.map_or(Vec::new(), |r| r.split(' ').collect());
        let msg = |what| match args.as_slice() {
            [n] => number(n).ok_or(ParseError::Arguments(what)),
            _ => Err(ParseError::Arguments(what)),
        };
        let optional = |what| match args.as_slice() {
            [] => Ok(None),
            [n] => number(n).map(Some).ok_or(ParseError::Arguments(what)),
            _ => Err(ParseError::Arguments(what)),
        };
        let bare = |c: Command| {
            if args.is_empty() {
                Ok(c)
            } else {
                Err(ParseError::Arguments("this command takes no arguments"))
            }
        };
        match keyword.to_ascii_uppercase().as_str() {
            "USER" => match rest {
                Some(name) if !name.is_empty() && !name.contains(' ') => {
                    Ok(Command::User(name.to_string()))
                }
                _ => Err(ParseError::Arguments("usage: USER name")),
            },
            "PASS" => match rest {
                Some(secret) => Ok(Command::Pass(secret.to_string())),
                None => Err(ParseError::Arguments("usage: PASS password")),
            },
            "AUTH" => match args.as_slice() {
                [mechanism] if !mechanism.is_empty() => Ok(Command::Auth {
                    mechanism: mechanism.to_ascii_uppercase(),
                    initial: None,
                }),
                [mechanism, initial] if !mechanism.is_empty() => Ok(Command::Auth {
                    mechanism: mechanism.to_ascii_uppercase(),
                    initial: Some(initial.to_string()),
                }),
                _ => Err(ParseError::Arguments("usage: AUTH mechanism [response]")),
            },
            "CAPA" => bare(Command::Capa),
            "STLS" => bare(Command::Stls),
            "STAT" => bare(Command::Stat),
            "NOOP" => bare(Command::Noop),
            "RSET" => bare(Command::Rset),
            "QUIT" => bare(Command::Quit),
            "LIST" => optional("usage: LIST [msg]").map(Command::List),
            "UIDL" => optional("usage: UIDL [msg]").map(Command::Uidl),
            "RETR" => msg("usage: RETR msg").map(Command::Retr),
            "DELE" => msg("usage: DELE msg").map(Command::Dele),
            "TOP" => match args.as_slice() {
                [m, n] => match (number(m), number(n)) {
                    (Some(m), Some(n)) => Ok(Command::Top(m, n)),
                    _ => Err(ParseError::Arguments("usage: TOP msg lines")),
                },
                _ => Err(ParseError::Arguments("usage: TOP msg lines")),
            },
            _ => Err(ParseError::Unknown),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rfc1939_commands() {
        assert_eq!(Command::parse(b"user bob"), Ok(Command::User("bob".into())));
        assert_eq!(
            Command::parse(b"PASS hungry hippo"),
            Ok(Command::Pass("hungry hippo".into()))
        );
        assert_eq!(Command::parse(b"list"), Ok(Command::List(None)));
        assert_eq!(Command::parse(b"LIST 2"), Ok(Command::List(Some(2))));
        assert_eq!(Command::parse(b"retr 1"), Ok(Command::Retr(1)));
        assert_eq!(Command::parse(b"TOP 1 10"), Ok(Command::Top(1, 10)));
        assert_eq!(Command::parse(b"Uidl"), Ok(Command::Uidl(None)));
        assert_eq!(Command::parse(b"quit"), Ok(Command::Quit));
        assert_eq!(
            Command::parse(b"AUTH plain AGJvYgBodW5ncnk="),
            Ok(Command::Auth {
                mechanism: "PLAIN".into(),
                initial: Some("AGJvYgBodW5ncnk=".into())
            })
        );
    }

    #[test]
    fn refuses_bad_lines() {
        assert_eq!(Command::parse(b"HELO x"), Err(ParseError::Unknown));
        assert!(matches!(
            Command::parse(b"RETR"),
            Err(ParseError::Arguments(_))
        ));
        assert!(matches!(
            Command::parse(b"RETR -1"),
            Err(ParseError::Arguments(_))
        ));
        assert!(matches!(
            Command::parse(b"RETR 99999999999"),
            Err(ParseError::Arguments(_))
        ));
        assert!(matches!(
            Command::parse(b"STAT 1"),
            Err(ParseError::Arguments(_))
        ));
        assert_eq!(Command::parse(&[b'A'; 600]), Err(ParseError::TooLong));
        assert_eq!(Command::parse(b"\xff\xfe"), Err(ParseError::Unknown));
    }
}
