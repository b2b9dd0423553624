//! The knobs of a server connection: read timeouts and size limits.

use std::time::Duration;

/// Limits and timeouts for one server connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerConfig {
    /// A request head must be complete this long after its first byte
    /// arrived (or after the connection opened, for the first request);
    /// bytes arriving slowly do not extend it (slowloris). Then 408 and close.
    pub header_timeout: Duration,
    /// How long a persistent connection may sit idle between requests.
    pub idle_timeout: Duration,
    /// Longest silence while a request body is being received.
    pub body_timeout: Duration,
    /// Largest request body accepted; a larger one gets 413 and a close.
    pub max_body: u64,
    /// Most unprocessed input held while the application answers a request
    /// (pipelined requests wait here); drivers stop reading beyond it.
    pub max_buffered_input: usize,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            header_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            body_timeout: Duration::from_secs(30),
            max_body: 64 * 1024 * 1024,
            max_buffered_input: 64 * 1024,
        }
    }
}
