//! The server connection and the file server together, driven the way a
//! socket driver does it, and read back with the client response reader:
//! the bytes a client sees for GET, HEAD, conditional and range requests on
//! one persistent connection, and an upload with 100-continue.

use std::time::Duration;

use l7_http::client::{ClientEvent, ResponseReader};
use l7_http::files::upload::Upload;
use l7_http::files::{FileServer, FilesConfig};
use l7_http::server::{ServerConfig, ServerConnection, ServerEvent};
use l7_http::wire::Headers;
use l7_wire::Instant;

const T0: Instant = Instant::ZERO;

/// Answers every complete request on `conn` from `files`, like a driver;
/// `upload` carries a PUT in progress across calls.
fn serve_with(conn: &mut ServerConnection, files: &FileServer, upload: &mut Option<Upload>) {
    while let Some(event) = conn.poll_event() {
        match event {
            ServerEvent::Request(req) if req.head.method == "PUT" => {
                match files.begin_upload(&req.head) {
                    Ok(u) => {
                        conn.want_body();
                        *upload = Some(u);
                    }
                    Err(r) => send(conn, *r),
                }
            }
            ServerEvent::Request(req) => send(conn, files.respond(&req.head)),
            ServerEvent::Body(data) => {
                if let Some(u) = upload.as_mut() {
                    u.write(&data).unwrap();
                }
            }
            ServerEvent::BodyEnd(_) => {
                if let Some(u) = upload.take() {
                    send(conn, files.finish_upload(u));
                }
            }
            ServerEvent::BodyAborted => {}
        }
    }
}

fn serve(conn: &mut ServerConnection, files: &FileServer) {
    serve_with(conn, files, &mut None);
}

fn send(conn: &mut ServerConnection, r: l7_http::files::FileResponse) {
    let body = r.body.read_to_vec().unwrap();
    if conn
        .send_response(T0, r.head(), Some(body.len() as u64))
        .unwrap()
    {
        conn.send_body(T0, &body).unwrap();
    }
}

/// Reads one response to `method` from `wire`; returns status, fields,
/// body, reusable and the leftover bytes.
fn read(method: &str, wire: &[u8]) -> (u16, Headers<'static>, Vec<u8>, bool, Vec<u8>) {
    let mut reader = ResponseReader::new(T0, method, true, Duration::from_secs(5));
    reader.handle_input(T0, wire).unwrap();
    let (mut status, mut headers, mut body, mut reusable) = (0, Headers::new(), Vec::new(), false);
    while let Some(e) = reader.poll_event() {
        match e {
            ClientEvent::Head(h, _) => (status, headers) = (h.status, h.headers),
            ClientEvent::Body(b) => body.extend(b),
            ClientEvent::End { reusable: r, .. } => reusable = r,
            ClientEvent::Interim(_) => {}
        }
    }
    assert!(reader.is_done(), "response to {method} incomplete");
    (status, headers, body, reusable, reader.take_leftover())
}

#[test]
fn one_persistent_connection_many_requests() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.txt"), "0123456789").unwrap();
    let files = FileServer::new(dir.path(), FilesConfig::default()).unwrap();
    let mut conn = ServerConnection::new(T0, ServerConfig::default());

    conn.handle_input(
        T0,
        b"GET /a.txt HTTP/1.1\r\nHost: x\r\n\r\nHEAD /a.txt HTTP/1.1\r\nHost: x\r\n\r\n",
    );
    serve(&mut conn, &files);
    serve(&mut conn, &files);
    let wire = conn.poll_transmit().unwrap();
    let (status, headers, body, reusable, rest) = read("GET", &wire);
    assert_eq!(
        (status, body.as_slice(), reusable),
        (200, &b"0123456789"[..], true)
    );
    assert_eq!(headers.get_str("content-length"), Some("10"));
    let etag = headers.get_str("etag").unwrap().to_string();
    let (status, headers, body, _, rest) = read("HEAD", &rest);
    assert_eq!(
        (status, body.len(), headers.get_str("content-length")),
        (200, 0, Some("10"))
    );
    assert!(rest.is_empty());

    let conditional = format!("GET /a.txt HTTP/1.1\r\nHost: x\r\nIf-None-Match: {etag}\r\n\r\n");
    conn.handle_input(T0, conditional.as_bytes());
    serve(&mut conn, &files);
    let (status, headers, body, reusable, _) = read("GET", &conn.poll_transmit().unwrap());
    assert_eq!((status, body.len(), reusable), (304, 0, true));
    assert_eq!(headers.get_str("etag"), Some(etag.as_str()));

    conn.handle_input(
        T0,
        b"GET /a.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=1-2,-2\r\nConnection: close\r\n\r\n",
    );
    serve(&mut conn, &files);
    let (status, headers, body, reusable, _) = read("GET", &conn.poll_transmit().unwrap());
    assert_eq!((status, reusable), (206, false));
    assert!(
        headers
            .get_str("content-type")
            .unwrap()
            .starts_with("multipart/byteranges; boundary=")
    );
    let body = String::from_utf8(body).unwrap();
    assert!(body.contains("Content-Range: bytes 1-2/10\r\n\r\n12\r\n"));
    assert!(body.contains("Content-Range: bytes 8-9/10\r\n\r\n89\r\n"));
    assert!(conn.is_closing());
}

#[test]
fn upload_with_100_continue() {
    let dir = tempfile::tempdir().unwrap();
    let files = FileServer::new(
        dir.path(),
        FilesConfig {
            allow_upload: true,
            ..FilesConfig::default()
        },
    )
    .unwrap();
    let mut conn = ServerConnection::new(T0, ServerConfig::default());
    let mut upload = None;
    conn.handle_input(
        T0,
        b"PUT /up.txt HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n",
    );
    serve_with(&mut conn, &files, &mut upload);
    assert_eq!(
        conn.poll_transmit().unwrap(),
        b"HTTP/1.1 100 Continue\r\n\r\n"
    );
    conn.handle_input(T0, b"hello");
    serve_with(&mut conn, &files, &mut upload);
    let (status, ..) = read("PUT", &conn.poll_transmit().unwrap());
    assert_eq!(status, 201);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("up.txt")).unwrap(),
        "hello"
    );
}
