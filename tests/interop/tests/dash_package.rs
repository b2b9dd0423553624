//! `l7 dash package` checked by ffprobe, and `l7 dash serve` checked by
//! curl: ffprobe's DASH demuxer reads the MPD l7 wrote (not ffmpeg's) to
//! the ladder and the audio track; every representation is H.264 at its rung's height with a
//! keyframe exactly at each segment boundary and nowhere else (so a player
//! may switch at any segment); the origin sends DASH's media types, ranges
//! and cache policy.

use std::path::Path;

use l7_interop::*;

const SEGMENT_S: f64 = 2.0;

fn package(dir: &Path) {
    let out = dash_package(dir, "10s", "235k,750k,1750k");
    assert!(out.contains("5 segments"), "{out}");
}

/// One representation's init segment and media segments, joined as a player's
/// source buffer sees them.
fn joined(dir: &Path, id: usize) -> std::path::PathBuf {
    let mut bytes = std::fs::read(dir.join(format!("init-{id}.m4s"))).unwrap();
    for n in 1..=5 {
        bytes.extend(std::fs::read(dir.join(format!("chunk-{id}-{n:05}.m4s"))).unwrap());
    }
    let path = dir.join(format!("joined-{id}.mp4"));
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn ffprobe_validates_every_representation() {
    let scratch = Scratch::new(&format!("dash-package-{}", free_port()));
    let dir = scratch.join("video");
    package(&dir);
    let mpd = std::fs::read_to_string(dir.join("manifest.mpd")).unwrap();
    assert!(mpd.contains("<SegmentTemplate"), "{mpd}");
    assert!(mpd.contains("$Number"), "{mpd}");
    // l7's MPD replaced ffmpeg's (whose ServiceDescription ours lacks).
    assert!(!mpd.contains("ServiceDescription"), "{mpd}");
    assert!(!dir.join("ffmpeg.mpd").exists());
    let o = tool("ffprobe")
        .args(["-v", "error", "-show_entries", "stream=codec_name,height"])
        .args(["-of", "csv=p=0"])
        .arg(dir.join("manifest.mpd"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    // Each stream is listed once under its program, once on its own.
    let mut streams: Vec<String> = Vec::new();
    for l in stdout(&o).lines().filter(|l| !l.is_empty()) {
        let l = l.trim_end_matches(',').to_string();
        if !streams.contains(&l) {
            streams.push(l);
        }
    }
    assert_eq!(
        streams,
        ["h264,180", "h264,288", "h264,360", "aac"],
        "{}",
        stdout(&o)
    );
    for (id, height) in [(0, 180), (1, 288), (2, 360)] {
        let path = joined(&dir, id);
        let o = tool("ffprobe")
            .args(["-v", "error", "-select_streams", "v:0"])
            .args(["-show_entries", "stream=codec_name,profile,height"])
            .args(["-show_entries", "frame=key_frame,pts_time", "-of", "json"])
            .arg(&path)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
        let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
        let stream = &v["streams"][0];
        assert_eq!(stream["codec_name"], "h264", "{stream}");
        assert_eq!(stream["profile"], "High", "{stream}");
        assert_eq!(stream["height"], height, "{stream}");
        let frames = v["frames"].as_array().unwrap();
        assert_eq!(frames.len(), 250, "10 s at 25 frames/s");
        let keys: Vec<f64> = frames
            .iter()
            .filter(|f| f["key_frame"] == 1)
            .map(|f| f["pts_time"].as_str().unwrap().parse().unwrap())
            .collect();
        let want: Vec<f64> = (0..5).map(|k| k as f64 * SEGMENT_S).collect();
        assert_eq!(
            keys, want,
            "representation {id}: keyframes at segment boundaries only"
        );
    }
    // The audio track decodes too.
    let o = tool("ffprobe")
        .args([
            "-v",
            "error",
            "-show_entries",
            "stream=codec_name",
            "-of",
            "csv=p=0",
        ])
        .arg(joined(&dir, 3))
        .output()
        .unwrap();
    assert_eq!(stdout(&o).trim(), "aac");
}

#[test]
fn the_origin_sends_dash_types_ranges_and_cache_policy() {
    let scratch = Scratch::new(&format!("dash-origin-{}", free_port()));
    let dir = scratch.join("video");
    package(&dir);
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let _origin = dash_serve(&dir, port, &[]);
    let head = |path: &str, extra: &[&str]| {
        let o = tool("curl")
            .args(["-s", "-D", "-", "-o", "/dev/null"])
            .args(extra)
            .arg(format!("http://{listen}/{path}"))
            .output()
            .unwrap();
        stdout(&o).to_ascii_lowercase()
    };
    let mpd = head("manifest.mpd", &[]);
    assert!(mpd.starts_with("http/1.1 200"), "{mpd}");
    assert!(mpd.contains("content-type: application/dash+xml"), "{mpd}");
    assert!(mpd.contains("cache-control: public, max-age=2"), "{mpd}");
    let seg = head("chunk-1-00002.m4s", &["-r", "0-99"]);
    assert!(seg.starts_with("http/1.1 206"), "{seg}");
    assert!(seg.contains("content-type: video/mp4"), "{seg}");
    assert!(seg.contains("content-length: 100"), "{seg}");
    assert!(
        seg.contains("cache-control: public, max-age=31536000, immutable"),
        "{seg}"
    );
    assert!(head("chunk-9-00001.m4s", &[]).starts_with("http/1.1 404"));
    assert!(head("../manifest.mpd", &["--path-as-is"]).starts_with("http/1.1 40"));
}
