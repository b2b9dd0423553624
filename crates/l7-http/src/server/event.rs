//! What a server connection reports to the application, and the errors for
//! calls the application makes out of turn.

use crate::wire::framing::BodyFraming;
use crate::wire::{Headers, RequestHead};

/// A request head that passed every check, with what the application needs
/// to know about its body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The request line and fields.
    pub head: RequestHead<'static>,
    /// How the body is delimited ([`BodyFraming::Empty`] when there is none).
    pub framing: BodyFraming,
    /// The client sent `Expect: 100-continue` and waits before sending the
    /// body: call [`crate::server::ServerConnection::want_body`] to let it.
    pub expects_continue: bool,
}

/// Something that happened on the connection, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerEvent {
    /// A new request; exactly one response must follow.
    Request(Request),
    /// A piece of the current request's body (already de-chunked).
    Body(Vec<u8>),
    /// The current request's body is complete, with any trailer fields.
    BodyEnd(Headers<'static>),
    /// The peer closed or the body stalled before the body was complete.
    BodyAborted,
}

/// A call the application made that does not fit the connection's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// There is no request waiting for a response.
    #[error("no request is waiting for a response")]
    NoRequest,
    /// The response head was already sent.
    #[error("a response was already started")]
    AlreadyStarted,
    /// Body or finish without a started response.
    #[error("no response body is being sent")]
    NotStarted,
    /// More body bytes than the declared Content-Length.
    #[error("body longer than the declared length")]
    BodyOverrun,
    /// Finish before the declared Content-Length was reached.
    #[error("body shorter than the declared length")]
    BodyIncomplete,
    /// Body bytes passed around the connection for a chunked body, whose
    /// framing must be written by the connection.
    #[error("a chunked body cannot be written directly")]
    ChunkedBody,
}
