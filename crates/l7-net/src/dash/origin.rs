//! The DASH origin's request handler: the static file server over a
//! packaged directory with DASH's cache policy (segments immutable, the
//! MPD short-lived), and `Access-Control-Allow-Origin: *` on every answer
//! so a browser player loaded from another origin (a page server, a CDN
//! edge's name) may fetch the MPD and segments (Fetch standard, CORS).

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use l7_http::files::cache_policy::CachePolicy;
use l7_http::files::upload::Upload;
use l7_http::files::{FileResponse, FileServer, FilesConfig};
use l7_http::wire::RequestHead;

use crate::http::server::{Action, Handler};

/// The origin over one packaged directory.
#[derive(Debug, Clone)]
pub struct DashOrigin {
    files: FileServer,
}

impl DashOrigin {
    /// Serves `root` (it must exist); caches may reuse the MPD for `manifest_max_age`.
    pub fn new(root: &Path, manifest_max_age: Duration) -> std::io::Result<DashOrigin> {
        let config = FilesConfig {
            cache: CachePolicy::dash(manifest_max_age.as_secs().min(u32::MAX as u64) as u32),
            ..FilesConfig::default()
        };
        Ok(DashOrigin {
            files: FileServer::new(root, config)?,
        })
    }
}

impl Handler for DashOrigin {
    fn request(&self, _peer: SocketAddr, head: &RequestHead<'_>) -> Action {
        // Uploads are off: PUT and DELETE get 405 from the file server.
        let mut r = self.files.respond(head);
        r.headers.append("Access-Control-Allow-Origin", &b"*"[..]);
        Action::Respond(r)
    }

    fn finish_upload(&self, upload: Upload) -> FileResponse {
        self.files.finish_upload(upload)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cors_and_cache_policy_on_every_answer() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("manifest.mpd"), "<MPD/>").unwrap();
        let origin = DashOrigin::new(dir.path(), Duration::from_secs(2)).unwrap();
        let peer = SocketAddr::from(([127, 0, 0, 1], 1));
        for (req, status) in [
            (&b"GET /manifest.mpd HTTP/1.1\r\nHost: x\r\n\r\n"[..], 200),
            (b"GET /missing.m4s HTTP/1.1\r\nHost: x\r\n\r\n", 404),
            (b"PUT /manifest.mpd HTTP/1.1\r\nHost: x\r\n\r\n", 405),
        ] {
            let (head, _) = RequestHead::parse(req).unwrap();
            let Action::Respond(r) = origin.request(peer, &head) else {
                panic!("an upload was accepted");
            };
            assert_eq!(r.status, status);
            assert_eq!(r.headers.get_str("access-control-allow-origin"), Some("*"));
        }
    }
}
