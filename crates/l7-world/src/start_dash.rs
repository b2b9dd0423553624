//! The world's DASH origin (video.netcinema.com): `l7 dash serve` over a
//! synthetic package made by ffmpeg into the host's data directory at the
//! first start and reused after. The origin serves at once: while the
//! package is being made (tens of seconds, once) it answers 503 with
//! Retry-After, which `l7 play` waits out.
//!
//! The package: 60 s of ffmpeg's test pattern with a tone, in 4 s segments,
//! at three rungs — 235, 750 and 1750 kbit/s (180p, 288p, 360p) — enough for
//! an ABR to climb and fall, quick to encode.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use l7_http::server::ServerConfig;
use l7_net::Shutdown;
use l7_net::dash::origin::DashOrigin;
use l7_net::dash::package::{PackageSpec, Source, is_packaged};
use l7_net::http::access_log::AccessLog;
use l7_net::http::server::{self, Origin};
use l7_net::http::warming::Warming;
use l7_net::tcp::{ConnLimits, bind_tcp};
use tokio::task::JoinSet;

/// The world video's bit rates.
pub const LADDER: [u64; 3] = [235_000, 750_000, 1_750_000];

/// The world video's length.
pub const LENGTH: Duration = Duration::from_secs(60);

/// The package's directory under the host's data directory.
pub fn video_dir(data: &Path) -> PathBuf {
    data.join("video")
}

fn spec(out: PathBuf) -> PackageSpec {
    PackageSpec {
        source: Source::Synthetic(LENGTH),
        out,
        ladder: LADDER.to_vec(),
        segment: Duration::from_secs(4),
        fps: 25,
        audio: 64_000,
    }
}

/// Binds the origin on `addr` and serves it until shutdown (in `tasks`),
/// answering 503 until the package, made now if it is missing, is ready.
pub async fn start(
    data: &Path,
    addr: SocketAddr,
    shutdown: &Shutdown,
    tasks: &mut JoinSet<()>,
) -> Result<(), String> {
    let listener = bind_tcp(addr).await.map_err(|e| e.to_string())?;
    let root = video_dir(data);
    let partial = data.join("video.partial");
    let origin = Arc::new(Origin {
        handler: Warming::new(
            "the world's video is not ready: it is packaged at the first start \
             (see l7 up's log), retry in a few seconds",
            Duration::from_secs(5),
        ),
        config: ServerConfig::default(),
        log: AccessLog::off(),
    });
    let serving = origin.clone();
    let sd = shutdown.clone();
    tasks.spawn(
        async move { server::serve(listener, serving, None, ConnLimits::default(), sd).await },
    );
    let sd = shutdown.clone();
    tasks.spawn(async move {
        if !is_packaged(&root) {
            tracing::info!(
                "packaging the world's video into {} (first start only)",
                root.display()
            );
            let _ = std::fs::remove_dir_all(&partial);
            let job = spec(partial.clone());
            let made = tokio::select! {
                _ = sd.wait() => return,
                r = job.run() => r,
            };
            if let Err(e) = made
                .map_err(|e| e.to_string())
                .and_then(|_| std::fs::rename(&partial, &root).map_err(|e| e.to_string()))
            {
                tracing::warn!("video.netcinema.com cannot make its video: {e}");
                return;
            }
            tracing::info!("the world's video is packaged");
        }
        match DashOrigin::new(&root, Duration::from_secs(2)) {
            Ok(files) => origin.handler.ready(files),
            Err(e) => tracing::warn!("video.netcinema.com cannot serve {}: {e}", root.display()),
        }
    });
    Ok(())
}
