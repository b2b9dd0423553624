//! `l7 play` against an MPD that ffmpeg made itself (its dash muxer with a
//! SegmentTimeline, not our packager), served by `l7 dash serve`: it plays
//! every video segment, each with the audio of its span, without stalling
//! on a fast link, and a run through an origin shaped to a slow trace
//! settles on a lower bitrate than the unshaped one.

use std::path::Path;

use l7_interop::*;

/// Two rungs (200 and 1200 kbit/s) of 12 s in 2 s segments and a 64 kbit/s
/// AAC track, straight from ffmpeg.
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
        .args(["-f", "lavfi", "-i", "sine=frequency=440:duration=12"])
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
        .args(["-map", "1:a", "-c:a", "aac", "-b:a", "64k"])
        .args(["-f", "dash", "-seg_duration", "2", "-use_timeline", "1"])
        .args(["-adaptation_sets", "id=0,streams=v id=1,streams=a"])
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

/// `l7 play --json`: the segment lines (each with the audio fetched
/// alongside) and the summary line.
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
        .filter(|l| l.get("segment").is_some())
        .cloned()
        .collect();
    let summary = lines.last().unwrap().clone();
    (segments, summary)
}

#[test]
fn l7_play_plays_ffmpeg_s_own_mpd_and_shaping_lowers_the_bitrate() {
    let scratch = Scratch::new(&format!("dash-play-{}", free_port()));
    let root = scratch.join("video");
    ffmpeg_package(&root);

    let fast = origin(&root, None);
    let (lines, last) = play(&fast, "rate");
    assert_eq!(lines.len(), 6, "{lines:?}");
    let order: Vec<u64> = lines
        .iter()
        .map(|l| l["segment"]["segment"].as_u64().unwrap())
        .collect();
    assert_eq!(order, vec![0, 1, 2, 3, 4, 5]);
    let summary = &last["summary"];
    assert_eq!(summary["rebuffer_s"], 0.0, "{summary}");
    assert!(
        lines.iter().any(|l| l["segment"]["rung"] == 1),
        "a fast link reaches the top rung: {lines:?}"
    );
    // Audio came with the video: every audio segment once, in order, each
    // with the video segment whose span it starts in.
    let audio: Vec<u64> = lines
        .iter()
        .flat_map(|l| l["audio"].as_array().unwrap().clone())
        .map(|a| a["segment"].as_u64().unwrap())
        .collect();
    assert_eq!(audio[..6], [0, 1, 2, 3, 4, 5], "{lines:?}");
    assert!(audio.windows(2).all(|w| w[1] == w[0] + 1), "{audio:?}");
    assert_eq!(last["audio"]["bitrate_bps"], 64_000, "{last}");
    assert_eq!(last["audio"]["segments"], audio.len(), "{last}");
    // QoE counts the video's bitrates only (a rung's, never with audio).
    let fast_mean = summary["mean_bitrate_bps"].as_f64().unwrap();
    let rungs: Vec<f64> = lines
        .iter()
        .map(|l| l["segment"]["bitrate_bps"].as_f64().unwrap())
        .collect();
    assert!(
        rungs.iter().all(|&b| b == 200_000.0 || b == 1_200_000.0),
        "{rungs:?}"
    );
    assert_eq!(fast_mean, rungs.iter().sum::<f64>() / 6.0, "{summary}");

    // 400 kbit/s: the 1200k rung cannot be sustained.
    let trace = scratch.join("slow.trace");
    std::fs::write(&trace, "# slow link\n0 400\n").unwrap();
    let slow = origin(&root, Some(&trace));
    let (lines, last) = play(&slow, "hybrid");
    assert_eq!(lines.len(), 6, "{lines:?}");
    let slow_mean = last["summary"]["mean_bitrate_bps"].as_f64().unwrap();
    assert!(
        slow_mean < fast_mean,
        "shaped {slow_mean} bit/s should be below unshaped {fast_mean} bit/s"
    );
    // The throughput the player measured is the trace's, not loopback's.
    for l in &lines {
        let thr = l["segment"]["throughput_bps"].as_f64().unwrap();
        assert!(thr < 1_000_000.0, "{l}");
    }
}
