//! `l7 play` against an MPD that ffmpeg made itself (its dash muxer with a
//! SegmentTimeline, not our packager), served by `l7 dash serve`: it plays
//! every segment without stalling on a fast link, and a run through an
//! origin shaped to a slow trace settles on a lower bitrate than the
//! unshaped one.

use std::path::Path;

use l7_interop::*;

/// Two rungs (200 and 1200 kbit/s) of 12 s in 2 s segments, straight from ffmpeg.
fn ffmpeg_package(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    let o = tool("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-nostdin", "-y"])
        .args([
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=640x360:rate=25:duration=12",
        ])
        .args([
            "-map",
            "0:v",
            "-map",
            "0:v",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
        ])
        .args(["-g", "50", "-keyint_min", "50", "-sc_threshold", "0"])
        .args(["-x264-params", "nal-hrd=cbr"])
        .args([
            "-b:v:0",
            "200k",
            "-minrate:v:0",
            "200k",
            "-maxrate:v:0",
            "200k",
        ])
        .args(["-bufsize:v:0", "200k", "-filter:v:0", "scale=-2:180"])
        .args([
            "-b:v:1",
            "1200k",
            "-minrate:v:1",
            "1200k",
            "-maxrate:v:1",
            "1200k",
        ])
        .args(["-bufsize:v:1", "1200k"])
        .args(["-f", "dash", "-seg_duration", "2", "-use_timeline", "1"])
        .args(["-adaptation_sets", "id=0,streams=v"])
        .arg(dir.join("stream.mpd"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let mpd = std::fs::read_to_string(dir.join("stream.mpd")).unwrap();
    assert!(mpd.contains("<SegmentTimeline>"), "{mpd}");
}

fn origin(root: &Path, shape: Option<&Path>) -> Server {
    let trace = shape.map(|t| t.display().to_string());
    let extra: Vec<&str> = match &trace {
        Some(t) => vec!["--shape", t],
        None => vec![],
    };
    dash_serve(root, free_port(), &extra)
}

/// `l7 play --json`: the segment lines and the summary.
fn play(origin: &Server, abr: &str) -> (Vec<serde_json::Value>, serde_json::Value) {
    let url = format!("http://{}/stream.mpd", origin.addr);
    let o = l7(&["play", &url, "--abr", abr, "--json", "--startup", "2s"]);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    let lines: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let segments = lines
        .iter()
        .filter_map(|l| l.get("segment").cloned())
        .collect();
    let summary = lines.last().unwrap()["summary"].clone();
    (segments, summary)
}

#[test]
fn l7_play_plays_ffmpeg_s_own_mpd_and_shaping_lowers_the_bitrate() {
    let scratch = Scratch::new(&format!("dash-play-{}", free_port()));
    let root = scratch.join("video");
    ffmpeg_package(&root);

    let fast = origin(&root, None);
    let (segments, summary) = play(&fast, "rate");
    assert_eq!(segments.len(), 6, "{segments:?}");
    let order: Vec<u64> = segments
        .iter()
        .map(|s| s["segment"].as_u64().unwrap())
        .collect();
    assert_eq!(order, vec![0, 1, 2, 3, 4, 5]);
    assert_eq!(summary["rebuffer_s"], 0.0, "{summary}");
    assert!(
        segments.iter().any(|s| s["rung"] == 1),
        "a fast link reaches the top rung: {segments:?}"
    );
    let fast_mean = summary["mean_bitrate_bps"].as_f64().unwrap();

    // 400 kbit/s: the 1200k rung cannot be sustained.
    let trace = scratch.join("slow.trace");
    std::fs::write(&trace, "# slow link\n0 400\n").unwrap();
    let slow = origin(&root, Some(&trace));
    let (segments, summary) = play(&slow, "hybrid");
    assert_eq!(segments.len(), 6, "{segments:?}");
    let slow_mean = summary["mean_bitrate_bps"].as_f64().unwrap();
    assert!(
        slow_mean < fast_mean,
        "shaped {slow_mean} bit/s should be below unshaped {fast_mean} bit/s"
    );
    // The throughput the player measured is the trace's, not loopback's.
    for s in &segments {
        let thr = s["throughput_bps"].as_f64().unwrap();
        assert!(thr < 1_000_000.0, "{s}");
    }
}
