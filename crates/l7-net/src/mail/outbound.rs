//! The SMTP client driver: runs an l7-mail
//! [`ClientSession`](l7_mail::smtp::client::ClientSession) over one
//! connection, upgrading it when the session asks for STARTTLS, and streams
//! the body from a reader (the queue file) in bounded chunks when the
//! server says 354. Used by the relay's delivery workers and by
//! `l7 mail send`.

use std::sync::Arc;

use l7_mail::smtp::client::{
    ClientConfig, ClientEvent, ClientSession, OutgoingMessage, RecipientResult,
};
use l7_wire::Instant;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};

use super::conn::Conn;

/// Bytes of body read per chunk.
const BODY_CHUNK: usize = 64 * 1024;

/// One delivery attempt over `conn` to the server named `server_name` (the
/// TLS name); returns each recipient's fate. `trace` prints the session.
pub async fn deliver<B: AsyncRead + Unpin>(
    mut conn: Conn,
    server_name: &str,
    config: ClientConfig,
    message: OutgoingMessage,
    mut body: B,
    tls: Arc<rustls::ClientConfig>,
) -> Vec<RecipientResult> {
    let trace = config.trace;
    let epoch = std::time::Instant::now();
    let now = || Instant::from_epoch(epoch.elapsed());
    let mut s = ClientSession::new(config, message, now());
    let mut results = Vec::new();
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        while let Some(event) = s.poll_event() {
            match event {
                ClientEvent::SendBody => {
                    if !stream_body(&mut s, &mut conn, &mut body, trace).await {
                        s.connection_closed();
                        continue;
                    }
                    s.end_body(now());
                }
                ClientEvent::StartTls => {
                    if !flush(&mut s, &mut conn, trace).await {
                        s.connection_closed();
                        continue;
                    }
                    let plain = std::mem::replace(&mut conn, Conn::Broken);
                    match plain.connect_tls(tls.clone(), server_name).await {
                        Ok(c) => {
                            conn = c;
                            s.tls_established(now());
                        }
                        Err(e) => {
                            tracing::info!("{e}");
                            s.connection_closed();
                        }
                    }
                }
                ClientEvent::Finished(r) => results = r,
                ClientEvent::Closed => {
                    flush(&mut s, &mut conn, trace).await;
                    let _ = conn.shutdown().await;
                    return results;
                }
            }
        }
        if !flush(&mut s, &mut conn, trace).await {
            s.connection_closed();
            continue;
        }
        let deadline = s
            .poll_timeout()
            .map(|t| tokio::time::Instant::from_std(epoch + t.since_epoch()));
        tokio::select! {
            r = conn.read(&mut buf) => match r {
                Ok(0) | Err(_) => s.connection_closed(),
                Ok(n) => s.handle_input(now(), &buf[..n]),
            },
            _ = async {
                match deadline {
                    Some(d) => tokio::time::sleep_until(d).await,
                    None => std::future::pending().await,
                }
            } => s.handle_timeout(now()),
        }
    }
}

/// Reads the body chunk by chunk, dot-stuffing and sending each.
async fn stream_body<B: AsyncRead + Unpin>(
    s: &mut ClientSession,
    conn: &mut Conn,
    body: &mut B,
    trace: bool,
) -> bool {
    let mut chunk = vec![0u8; BODY_CHUNK];
    loop {
        match body.read(&mut chunk).await {
            Ok(0) => return true,
            Ok(n) => {
                s.push_body(&chunk[..n]);
                if !flush(s, conn, trace).await {
                    return false;
                }
            }
            Err(e) => {
                tracing::error!("reading the message to send: {e}");
                return false;
            }
        }
    }
}

/// Prints the transcript and sends what the session queued.
async fn flush(s: &mut ClientSession, conn: &mut Conn, trace: bool) -> bool {
    if trace {
        while let Some(line) = s.poll_trace() {
            println!("{line}");
        }
    }
    while let Some(bytes) = s.poll_transmit() {
        if conn.write_all(&bytes).await.is_err() {
            return false;
        }
    }
    true
}
