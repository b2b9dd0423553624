//! HTTP/2 towards the proxy's clients (RFC 9113, prior knowledge on a
//! cleartext connection): the `h2` crate frames, the origin server's
//! [`h2`](super::h2) module turns each request into a [`RequestHead`] and
//! each answer into a response head, and every stream is answered by the
//! same [`answer`] as HTTP/1.1 in its own task, so a slow origin holds up
//! only its own stream. Origin connections are pooled per client
//! connection. CONNECT (the extended form of §8.5) is refused.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use h2::RecvStream;
use h2::server::SendResponse;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::task::JoinSet;

use super::fetch::Fetcher;
use super::h2::{QUANTUM, request_head, response_head};
use super::proxy::{Proxy, STATUS_PATH, UPSTREAM, answer, text};

/// SETTINGS_MAX_CONCURRENT_STREAMS we announce (RFC 9113 §6.5.2).
const MAX_STREAMS: u32 = 100;

/// Fetchers (each with its kept-alive origin connections) not in use.
type Pool = Arc<Mutex<Vec<Fetcher>>>;

/// Serves one HTTP/2 connection until the client closes it or it sits idle.
pub async fn connection<S>(io: S, peer: SocketAddr, proxy: Arc<Proxy>)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let limits = proxy.config.server.clone();
    let handshake = h2::server::Builder::new()
        .max_concurrent_streams(MAX_STREAMS)
        .max_send_buffer_size(QUANTUM as usize)
        .handshake::<_, Bytes>(io);
    let mut conn = match tokio::time::timeout(limits.header_timeout, handshake).await {
        Ok(Ok(conn)) => conn,
        _ => return tracing::debug!("HTTP/2 handshake with {peer} failed"),
    };
    let pool: Pool = Arc::default();
    let mut streams = JoinSet::new();
    // Accepting also drives the connection's I/O for the streams' tasks.
    loop {
        let idle = streams.is_empty();
        tokio::select! {
            accepted = conn.accept() => match accepted {
                Some(Ok((request, respond))) => {
                    let (proxy, pool) = (proxy.clone(), pool.clone());
                    streams.spawn(stream(request, respond, peer, proxy, pool));
                }
                _ => return,
            },
            Some(_) = streams.join_next(), if !idle => {}
            _ = tokio::time::sleep(limits.idle_timeout), if idle => break,
        }
    }
    // RFC 9113 §6.8: GOAWAY, then close once the peer has seen it.
    conn.graceful_shutdown();
    let closed = std::future::poll_fn(|cx| conn.poll_closed(cx));
    let _ = tokio::time::timeout(limits.header_timeout, closed).await;
}

/// Answers one stream.
async fn stream(
    request: http::Request<RecvStream>,
    mut respond: SendResponse<Bytes>,
    peer: SocketAddr,
    proxy: Arc<Proxy>,
    pool: Pool,
) {
    let mut head = request_head(&request);
    // The :path of a proxied request is origin-form; :authority is the Host.
    if proxy.config.origin.is_none()
        && head.target.starts_with('/')
        && head.target != STATUS_PATH
        && let Some(host) = head.headers.get_str("host")
    {
        head.target = format!("http://{host}{}", head.target).into();
    }
    let (mut response, body) = if head.method == "CONNECT" {
        text(405, "CONNECT over HTTP/2 is not supported: use HTTP/1.1\n")
    } else {
        match read_body(request.into_body(), &proxy).await {
            Ok(body) => {
                let taken = super::cached::lock(&pool).pop();
                let mut fetcher = taken.unwrap_or_else(|| proxy.fetcher());
                let answered = answer(&proxy, peer, &mut fetcher, head.clone(), "2", body).await;
                super::cached::lock(&pool).push(fetcher);
                answered
            }
            Err(status) => text(status, "the request body was refused\n"),
        }
    };
    response
        .headers
        .append("Via", proxy.via(UPSTREAM).into_bytes());
    let bodiless = head.method == "HEAD" || matches!(response.status, 204 | 304);
    let len = (!matches!(response.status, 204 | 304)).then_some(body.len() as u64);
    let Some(out) = response_head(response.status, &response.headers, len) else {
        return respond.send_reset(h2::Reason::INTERNAL_ERROR);
    };
    let Ok(mut sending) = respond.send_response(out, bodiless || body.is_empty()) else {
        return;
    };
    if bodiless {
        return;
    }
    let mut body = body;
    while !body.is_empty() {
        sending.reserve_capacity(body.len().min(QUANTUM as usize));
        let granted = match std::future::poll_fn(|cx| sending.poll_capacity(cx)).await {
            Some(Ok(n)) if n > 0 => n,
            Some(Ok(_)) => continue,
            _ => return,
        };
        let chunk = body.split_to(granted.min(body.len()));
        if sending.send_data(chunk, body.is_empty()).is_err() {
            return;
        }
    }
}

/// The request body, bounded in size and in silence (413 / 408).
async fn read_body(mut body: RecvStream, proxy: &Proxy) -> Result<Vec<u8>, u16> {
    let limits = &proxy.config.server;
    let mut out = Vec::new();
    loop {
        match tokio::time::timeout(limits.body_timeout, body.data()).await {
            Ok(None) => return Ok(out),
            Ok(Some(Ok(chunk))) => {
                let _ = body.flow_control().release_capacity(chunk.len());
                if (out.len() + chunk.len()) as u64 > limits.max_body {
                    return Err(413);
                }
                out.extend_from_slice(&chunk);
            }
            Ok(Some(Err(_))) => return Err(400),
            Err(_) => return Err(408),
        }
    }
}
