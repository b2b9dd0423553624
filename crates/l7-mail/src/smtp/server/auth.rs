//! Decoding of SASL responses for SMTP AUTH (RFC 4954): PLAIN (RFC 4616 §2:
//! `[authzid] NUL authcid NUL passwd`) and LOGIN (user name and password as
//! two base64 lines, prompted by base64 `Username:` and `Password:`).

use crate::base64;

/// The base64 `Username:` prompt of LOGIN.
pub(crate) const LOGIN_USER_PROMPT: &str = "VXNlcm5hbWU6";
/// The base64 `Password:` prompt of LOGIN.
pub(crate) const LOGIN_PASSWORD_PROMPT: &str = "UGFzc3dvcmQ6";

/// A response line that cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BadResponse;

/// Decodes a base64 response holding UTF-8 text; `=` is the empty response
/// (RFC 4954 §4).
pub(crate) fn decode_text(b64: &[u8]) -> Result<String, BadResponse> {
    if b64 == b"=" {
        return Ok(String::new());
    }
    let raw = base64::decode(b64).ok_or(BadResponse)?;
    String::from_utf8(raw).map_err(|_| BadResponse)
}

/// Decodes a PLAIN response into (user, password). An authorization
/// identity other than the user itself is refused: l7 has no proxy users.
pub(crate) fn decode_plain(b64: &[u8]) -> Result<(String, String), BadResponse> {
    let text = decode_text(b64)?;
    let mut parts = text.split('\0');
    let (Some(authzid), Some(user), Some(password), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(BadResponse);
    };
    if user.is_empty() || (!authzid.is_empty() && authzid != user) {
        return Err(BadResponse);
    }
    Ok((user.to_string(), password.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_and_login_responses() {
        // RFC 4616 §4 example: "\0tim\0tanstaaftanstaaf".
        assert_eq!(
            decode_plain(b"AHRpbQB0YW5zdGFhZnRhbnN0YWFm"),
            Ok(("tim".into(), "tanstaaftanstaaf".into()))
        );
        assert_eq!(
            decode_plain(base64::encode(b"tim\0tim\0pw").as_bytes()),
            Ok(("tim".into(), "pw".into()))
        );
        assert_eq!(
            decode_plain(base64::encode(b"root\0tim\0pw").as_bytes()),
            Err(BadResponse)
        );
        assert_eq!(
            decode_plain(base64::encode(b"\0tim").as_bytes()),
            Err(BadResponse)
        );
        assert_eq!(decode_plain(b"not base64!"), Err(BadResponse));
        assert_eq!(
            decode_text(LOGIN_USER_PROMPT.as_bytes()),
            Ok("Username:".into())
        );
        assert_eq!(
            decode_text(LOGIN_PASSWORD_PROMPT.as_bytes()),
            Ok("Password:".into())
        );
        assert_eq!(decode_text(b"="), Ok(String::new()));
    }
}
