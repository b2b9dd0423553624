//! `l7 dash package` (flags to a [`PackageSpec`], ffmpeg run, summary) and
//! `l7 dash serve` (the file server with DASH's cache policy, optionally
//! paced to a bandwidth trace).

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, anyhow};
use l7_dash::trace::Trace;
use l7_http::server::ServerConfig;
use l7_net::dash::origin::DashOrigin;
use l7_net::dash::package::{PackageSpec, Source};
use l7_net::http::server::{self, Origin};
use l7_net::shape::{Link, Schedule};
use l7_net::tcp::{ConnLimits, bind_tcp};

use super::http::access_log;
use super::{ready, shutdown_on_signals};
use crate::addr;
use crate::cli::{DashPackageArgs, DashServeArgs, Global};

pub async fn package(a: DashPackageArgs, g: &Global) -> anyhow::Result<i32> {
    let source = match (a.synthetic, a.input) {
        (Some(d), _) => Source::Synthetic(d),
        (None, Some(p)) => Source::File(p),
        (None, None) => unreachable!("clap requires INPUT or --synthetic"),
    };
    let spec = PackageSpec {
        source,
        out: a.out,
        ladder: a.ladder,
        segment: a.segment,
        fps: a.fps,
        audio: a.audio,
    };
    let rungs = spec.rungs()?;
    if !g.json {
        let kbit: Vec<String> = rungs
            .iter()
            .map(|r| format!("{}k", r.bitrate / 1000))
            .collect();
        eprintln!(
            "packaging {} rungs ({}) in {:?} segments with ffmpeg into {} ...",
            rungs.len(),
            kbit.join(", "),
            spec.segment,
            spec.out.display()
        );
    }
    let done = spec.run().await?;
    if g.json {
        crate::output::json_line(&serde_json::json!({
            "manifest": done.manifest,
            "segments": done.segments,
            "bytes": done.bytes,
            "representations": done.rungs.iter().map(|r| serde_json::json!({
                "id": r.id, "bandwidth": r.bitrate, "height": r.height,
            })).collect::<Vec<_>>(),
        }));
    } else {
        for r in &done.rungs {
            println!(
                "representation {}: {:>5} kbit/s  {}p  H.264",
                r.id,
                r.bitrate / 1000,
                r.height
            );
        }
        println!(
            "wrote {} ({} segments of {:?} per representation, {:.1} MB)",
            done.manifest.display(),
            done.segments,
            spec.segment,
            done.bytes as f64 / 1e6
        );
    }
    Ok(0)
}

/// Reads a `--shape` trace into the link every connection shares.
pub(super) fn shape_link(path: &Path) -> anyhow::Result<Arc<Link>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the trace {}", path.display()))?;
    let trace = Trace::parse(&text).map_err(|e| anyhow!("{}: {e}", path.display()))?;
    let schedule = Schedule::from_trace(&trace).map_err(|e| anyhow!("{}: {e}", path.display()))?;
    Ok(Link::new(schedule))
}

pub async fn serve(a: DashServeArgs, g: &Global) -> anyhow::Result<i32> {
    let at = addr::listen(&a.listen)?;
    let files = DashOrigin::new(&a.root, a.manifest_max_age).with_context(|| {
        format!(
            "cannot serve {}: pass --root with a directory made by `l7 dash package`",
            a.root.display()
        )
    })?;
    let link = a.shape.as_deref().map(shape_link).transpose()?;
    let origin = Arc::new(Origin {
        handler: files,
        config: ServerConfig::default(),
        log: access_log(&a.access_log)?,
    });
    let shutdown = shutdown_on_signals()?;
    let listener = bind_tcp(at).await?;
    let what = match &a.shape {
        Some(t) => format!(
            "DASH origin for {} (shaped to {})",
            a.root.display(),
            t.display()
        ),
        None => format!("DASH origin for {}", a.root.display()),
    };
    ready(&what, &[format!("http://{at}/manifest.mpd")], g);
    let limits = ConnLimits::default();
    match link {
        Some(link) => server::serve_shaped(listener, origin, link, limits, shutdown).await,
        None => server::serve(listener, origin, None, limits, shutdown).await,
    }
    Ok(0)
}
