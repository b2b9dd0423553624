//! `l7 dash package`: an aligned bitrate ladder and its MPD, made by ffmpeg.
//!
//! One ffmpeg run decodes the input once, scales it to one resolution per
//! rung, and encodes every rung with H.264 (libx264, High profile) at a
//! constant bit rate (`nal-hrd=cbr`, so a segment's size is what the MPD's
//! `@bandwidth` promises and ABR experiments mean something), plus one AAC
//! audio track. Keyframes fall exactly on segment boundaries in every rung:
//! a fixed GOP of `fps × segment` frames, scene-cut detection off, closed
//! GOPs, and forced keyframes at each boundary — so a player may switch
//! rungs at any segment (ISO/IEC 23009-1 §7.3.3, `segmentAlignment` and
//! `startWithSAP="1"`). ffmpeg's dash muxer writes fragmented-MP4 segments
//! and its own MPD; l7 reads that MPD, checks it against the job and that
//! every segment it names is on disk, and publishes the MPD built from
//! l7-dash's model ([`l7_dash::mpd::package`]) in its place.
//!
//! H.264 because Debian's Chromium accepts it in Media Source Extensions
//! (`MediaSource.isTypeSupported('video/mp4; codecs="avc1.64001f"')` is
//! true there), so dash.js plays what we package.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use l7_dash::mpd::package::{Asked, packaged};
use l7_dash::mpd::{self, Mpd};

/// The MPD's file name inside the output directory.
pub const MANIFEST: &str = "manifest.mpd";

/// Where ffmpeg writes its own MPD, read and removed once ours is written.
const FFMPEG_MPD: &str = "ffmpeg.mpd";

/// Largest MPD ffmpeg is expected to write.
const MAX_FFMPEG_MPD: u64 = 4 << 20;

/// The ladder `l7 dash package` makes when none is given (bits per second).
pub const DEFAULT_LADDER: [u64; 6] = [235_000, 375_000, 750_000, 1_750_000, 3_000_000, 4_300_000];

/// What to encode.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    /// A media file ffmpeg can read.
    File(PathBuf),
    /// ffmpeg's test sources (`testsrc2` and a `sine` tone) for this long.
    Synthetic(Duration),
}

/// A packaging job.
#[derive(Debug, Clone, PartialEq)]
pub struct PackageSpec {
    /// The input.
    pub source: Source,
    /// Where the MPD and segments go (created if missing).
    pub out: PathBuf,
    /// Video bit rates, bits per second, one representation each.
    pub ladder: Vec<u64>,
    /// Segment duration; `fps × segment` must be a whole number of frames.
    pub segment: Duration,
    /// Output frame rate (frames per second).
    pub fps: u32,
    /// Audio bit rate in bits per second; 0 leaves audio out.
    pub audio: u64,
}

/// Why packaging failed.
#[derive(Debug, thiserror::Error)]
pub enum PackageError {
    /// ffmpeg is not on the PATH.
    #[error("ffmpeg is not installed — install it with `apt-get install ffmpeg` (Debian/Ubuntu)")]
    NoFfmpeg,
    /// The job cannot be done as asked.
    #[error("{0}")]
    Invalid(String),
    /// ffmpeg ran and failed.
    #[error("ffmpeg failed ({status}): {stderr}")]
    Ffmpeg {
        /// Its exit status.
        status: String,
        /// The last lines it wrote to stderr.
        stderr: String,
    },
    /// ffmpeg's output is not the package asked for.
    #[error("{0} — this ffmpeg may be too old or too new for l7 dash package (tested with 5.1)")]
    Check(String),
    /// The output directory could not be prepared.
    #[error("{what}: {source}")]
    Io {
        /// What l7 was doing.
        what: String,
        /// What the OS said.
        source: std::io::Error,
    },
}

/// One rung as packaged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rung {
    /// The representation's id in the MPD (`$RepresentationID$`).
    pub id: usize,
    /// Target bit rate, bits per second.
    pub bitrate: u64,
    /// Picture height; the width keeps the input's aspect ratio.
    pub height: u32,
}

/// What a finished job produced.
#[derive(Debug, Clone, PartialEq)]
pub struct Packaged {
    /// The MPD's path.
    pub manifest: PathBuf,
    /// The video rungs, lowest first.
    pub rungs: Vec<Rung>,
    /// Media segments per representation.
    pub segments: usize,
    /// Bytes written (MPD and segments).
    pub bytes: u64,
}

impl PackageSpec {
    /// Frames per segment, which is also the GOP length.
    pub fn gop(&self) -> Result<u32, PackageError> {
        let frames = self.segment.as_secs_f64() * f64::from(self.fps);
        let gop = frames.round();
        if self.fps == 0 || gop < 1.0 || (frames - gop).abs() > 1e-6 || gop > 10_000.0 {
            return Err(PackageError::Invalid(format!(
                "a {:?} segment at {} frames/s is not a whole number of frames: \
                 pick --segment as a multiple of 1/fps (e.g. 2s or 4s)",
                self.segment, self.fps
            )));
        }
        Ok(gop as u32)
    }

    /// The rungs, lowest bit rate first, each with its resolution.
    pub fn rungs(&self) -> Result<Vec<Rung>, PackageError> {
        if self.ladder.is_empty() || self.ladder.len() > 16 {
            return Err(PackageError::Invalid(
                "--ladder needs 1 to 16 bit rates (e.g. 235k,750k,1750k)".into(),
            ));
        }
        let mut ladder = self.ladder.clone();
        ladder.sort_unstable();
        ladder.dedup();
        if ladder[0] < 50_000 {
            return Err(PackageError::Invalid(
                "every --ladder rate must be at least 50k (bits per second)".into(),
            ));
        }
        Ok(ladder
            .into_iter()
            .enumerate()
            .map(|(id, bitrate)| Rung {
                id,
                bitrate,
                height: height_for(bitrate),
            })
            .collect())
    }

    /// ffmpeg's arguments for this job (the output directory must exist).
    pub fn ffmpeg_args(&self) -> Result<Vec<OsString>, PackageError> {
        let gop = self.gop()?;
        let rungs = self.rungs()?;
        let seg = self.segment.as_secs_f64();
        let mut a: Vec<OsString> = Vec::new();
        let mut push = |s: &str| a.push(s.into());
        for s in ["-hide_banner", "-nostdin", "-loglevel", "error", "-y"] {
            push(s);
        }
        let audio_input = match &self.source {
            Source::File(path) => {
                push("-i");
                a.push(path.clone().into_os_string());
                "0:a:0?"
            }
            Source::Synthetic(d) => {
                let secs = d.as_secs_f64();
                if !(1.0..=86_400.0).contains(&secs) {
                    return Err(PackageError::Invalid(
                        "--synthetic takes a duration from 1s to 24h".into(),
                    ));
                }
                let fps = self.fps;
                for s in [
                    "-f".to_string(),
                    "lavfi".into(),
                    "-i".into(),
                    format!("testsrc2=size=960x540:rate={fps}:duration={secs}"),
                    "-f".into(),
                    "lavfi".into(),
                    "-i".into(),
                    format!("sine=frequency=440:beep_factor=4:sample_rate=48000:duration={secs}"),
                ] {
                    a.push(s.into());
                }
                "1:a:0"
            }
        };
        let mut push = |s: String| a.push(s.into());
        for _ in &rungs {
            push("-map".into());
            push("0:v:0".into());
        }
        if self.audio > 0 {
            push("-map".into());
            push(audio_input.into());
        }
        for s in [
            "-c:v",
            "libx264",
            "-preset",
            "superfast",
            "-profile:v",
            "high",
            "-pix_fmt",
            "yuv420p",
            "-sc_threshold",
            "0",
        ] {
            push(s.into());
        }
        push("-r".into());
        push(self.fps.to_string());
        push("-g".into());
        push(gop.to_string());
        push("-keyint_min".into());
        push(gop.to_string());
        push("-force_key_frames".into());
        push(format!("expr:gte(t,n_forced*{seg})"));
        // Closed GOPs and a constant rate padded with filler data.
        push("-x264-params".into());
        push("nal-hrd=cbr:open-gop=0:scenecut=0".into());
        for (i, r) in rungs.iter().enumerate() {
            let rate = r.bitrate;
            push(format!("-filter:v:{i}"));
            push(format!("scale=-2:{}", r.height));
            for opt in ["b", "minrate", "maxrate"] {
                push(format!("-{opt}:v:{i}"));
                push(rate.to_string());
            }
            push(format!("-bufsize:v:{i}"));
            push(rate.to_string());
        }
        if self.audio > 0 {
            for s in ["-c:a", "aac", "-ac", "2", "-ar", "48000", "-b:a"] {
                push(s.into());
            }
            push(self.audio.to_string());
        }
        let sets = if self.audio > 0 {
            "id=0,streams=v id=1,streams=a"
        } else {
            "id=0,streams=v"
        };
        for s in [
            "-f",
            "dash",
            "-use_template",
            "1",
            "-use_timeline",
            "0",
            "-adaptation_sets",
            sets,
            "-init_seg_name",
            "init-$RepresentationID$.m4s",
            "-media_seg_name",
            "chunk-$RepresentationID$-$Number%05d$.m4s",
            "-seg_duration",
        ] {
            push(s.into());
        }
        push(seg.to_string());
        a.push(self.out.join(FFMPEG_MPD).into_os_string());
        Ok(a)
    }

    /// Runs ffmpeg to completion and describes what it wrote.
    pub async fn run(&self) -> Result<Packaged, PackageError> {
        let args = self.ffmpeg_args()?;
        if let Source::File(p) = &self.source
            && !p.is_file()
        {
            return Err(PackageError::Invalid(format!(
                "{}: no such file — pass a video file ffmpeg can read, or --synthetic 60s",
                p.display()
            )));
        }
        std::fs::create_dir_all(&self.out).map_err(|source| PackageError::Io {
            what: format!("cannot create {}", self.out.display()),
            source,
        })?;
        let out = tokio::process::Command::new("ffmpeg")
            .args(&args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .output()
            .await
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::NotFound => PackageError::NoFfmpeg,
                _ => PackageError::Io {
                    what: "cannot run ffmpeg".into(),
                    source: e,
                },
            })?;
        if !out.status.success() {
            let text = String::from_utf8_lossy(&out.stderr);
            let tail: Vec<&str> = text.lines().rev().take(8).collect();
            return Err(PackageError::Ffmpeg {
                status: out.status.to_string(),
                stderr: tail.into_iter().rev().collect::<Vec<_>>().join("\n"),
            });
        }
        self.publish()?;
        self.describe()
    }

    /// Reads ffmpeg's MPD, checks it and the segments it names, and
    /// writes ours as [`MANIFEST`] (by rename, so a half-written MPD is
    /// never served).
    fn publish(&self) -> Result<(), PackageError> {
        let io = |what: String| move |source| PackageError::Io { what, source };
        let theirs = self.out.join(FFMPEG_MPD);
        let size = std::fs::metadata(&theirs)
            .map_err(io(format!("ffmpeg wrote no MPD at {}", theirs.display())))?
            .len();
        if size > MAX_FFMPEG_MPD {
            return Err(PackageError::Check(format!("ffmpeg's MPD is {size} bytes")));
        }
        let text =
            std::fs::read(&theirs).map_err(io(format!("cannot read {}", theirs.display())))?;
        let check = |e: &dyn std::fmt::Display| PackageError::Check(e.to_string());
        let ffmpeg = mpd::parse(&text).map_err(|e| check(&e))?;
        let asked = Asked {
            video: self.rungs()?.iter().map(|r| r.bitrate).collect(),
            audio: (self.audio > 0).then_some(self.audio),
            segment: self.segment,
        };
        let ours = packaged(&ffmpeg, &asked).map_err(|e| check(&e))?;
        self.check_files(&ours).map_err(|e| check(&e))?;
        let tmp = self.out.join(format!("{MANIFEST}.tmp"));
        let path = self.out.join(MANIFEST);
        std::fs::write(&tmp, ours.emit())
            .and_then(|()| std::fs::rename(&tmp, &path))
            .map_err(io(format!("cannot write {}", path.display())))?;
        std::fs::remove_file(&theirs).map_err(io(format!("cannot remove {}", theirs.display())))
    }

    /// Every initialization and media segment `m` names is in the output directory.
    fn check_files(&self, m: &Mpd) -> Result<(), String> {
        let streams = [Some(m.stream()), m.audio_stream().transpose()];
        for stream in streams.into_iter().flatten() {
            let stream = stream.map_err(|e| e.to_string())?;
            for rung in 0..stream.reps.len() {
                let media = (0..stream.segment_count()).map(|i| stream.media_url(i, rung));
                let init = stream.init_url(rung).transpose();
                for name in init.into_iter().chain(media) {
                    let name = name.map_err(|e| e.to_string())?;
                    if !self.out.join(&name).is_file() {
                        return Err(format!("the MPD names {name}, which ffmpeg did not write"));
                    }
                }
            }
        }
        Ok(())
    }

    /// Counts what the job left in the output directory.
    fn describe(&self) -> Result<Packaged, PackageError> {
        let io = |source| PackageError::Io {
            what: format!("cannot read {}", self.out.display()),
            source,
        };
        let mut bytes = 0;
        let mut segments = 0;
        for entry in std::fs::read_dir(&self.out).map_err(io)? {
            let entry = entry.map_err(io)?;
            bytes += entry.metadata().map_err(io)?.len();
            if entry.file_name().to_string_lossy().starts_with("chunk-0-") {
                segments += 1;
            }
        }
        Ok(Packaged {
            manifest: self.out.join(MANIFEST),
            rungs: self.rungs()?,
            segments,
            bytes,
        })
    }
}

/// A modest 16:9 picture height for a bit rate, so that encoding a whole
/// ladder stays quick on a small machine (the top rung is 540p).
pub fn height_for(bitrate: u64) -> u32 {
    match bitrate {
        0..=300_000 => 180,
        300_001..=500_000 => 216,
        500_001..=1_000_000 => 288,
        1_000_001..=2_000_000 => 360,
        2_000_001..=3_500_000 => 432,
        _ => 540,
    }
}

/// True when `dir` already holds a finished package (its MPD exists).
pub fn is_packaged(dir: &Path) -> bool {
    dir.join(MANIFEST).is_file()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> PackageSpec {
        PackageSpec {
            source: Source::Synthetic(Duration::from_secs(60)),
            out: PathBuf::from("/tmp/out"),
            ladder: vec![750_000, 235_000, 1_750_000],
            segment: Duration::from_secs(4),
            fps: 25,
            audio: 64_000,
        }
    }

    fn joined(s: &PackageSpec) -> String {
        let args = s.ffmpeg_args().unwrap();
        args.iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn rungs_are_sorted_with_heights() {
        let r = spec().rungs().unwrap();
        let got: Vec<(u64, u32)> = r.iter().map(|r| (r.bitrate, r.height)).collect();
        assert_eq!(got, vec![(235_000, 180), (750_000, 288), (1_750_000, 360)]);
        assert_eq!(r[2].id, 2);
    }

    #[test]
    fn keyframes_align_with_segments() {
        let s = spec();
        assert_eq!(s.gop().unwrap(), 100);
        let a = joined(&s);
        assert!(a.contains("-g 100 -keyint_min 100"), "{a}");
        assert!(a.contains("-sc_threshold 0"), "{a}");
        assert!(a.contains("expr:gte(t,n_forced*4)"), "{a}");
        assert!(a.contains("open-gop=0"), "{a}");
        assert!(a.contains("-seg_duration 4"), "{a}");
        assert!(a.contains("-filter:v:0 scale=-2:180 -b:v:0 235000"), "{a}");
        assert!(a.contains("-map 1:a:0"), "{a}");
        assert!(a.ends_with("/tmp/out/ffmpeg.mpd"), "{a}");
    }

    #[test]
    fn audio_can_be_left_out() {
        let s = PackageSpec { audio: 0, ..spec() };
        let a = joined(&s);
        assert!(!a.contains(":a"), "{a}");
        assert!(a.contains("id=0,streams=v "), "{a}");
    }

    #[test]
    fn bad_jobs_are_refused() {
        let s = PackageSpec {
            segment: Duration::from_millis(1010),
            ..spec()
        };
        assert!(matches!(s.ffmpeg_args(), Err(PackageError::Invalid(_))));
        let s = PackageSpec {
            ladder: vec![],
            ..spec()
        };
        assert!(matches!(s.ffmpeg_args(), Err(PackageError::Invalid(_))));
        let s = PackageSpec {
            ladder: vec![10],
            ..spec()
        };
        assert!(matches!(s.ffmpeg_args(), Err(PackageError::Invalid(_))));
        let s = PackageSpec {
            source: Source::Synthetic(Duration::ZERO),
            ..spec()
        };
        assert!(matches!(s.ffmpeg_args(), Err(PackageError::Invalid(_))));
    }
}
