//! `l7 play`: drives l7-dash's sans-IO [`Player`] over real sockets.
//!
//! It fetches the MPD, picks the video adaptation set (and the audio set,
//! if any, at its lowest representation), then does what the player asks —
//! fetch a segment (its rung's initialization segment first, once), wait,
//! abandon — with l7's own HTTP client on one persistent connection. With
//! audio, each video segment's download first fetches the audio segments
//! that start within its span (all that remain, with the last one): the
//! playable buffer is what both tracks cover. While a segment downloads,
//! the player hears how many bytes have arrived every [`TICK`] even when
//! none have (an outage), so it can decide to abandon; an abandoned
//! download's connection is dropped (its unread body would poison the next
//! response) and a new one is opened.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use l7_dash::abr::Abr;
use l7_dash::mpd::{self, MpdError, Stream};
use l7_dash::player::{Action, Config, Ladder, LadderError, Player, SegmentRecord, Summary};
use l7_http::client::{Request, Url};
use l7_http::wire::ResponseHead;
use l7_wire::Instant;

use crate::http::client::GetError;
use crate::http::fetch::{FetchConfig, Fetcher, Observer, Resolver};

/// How often a download in flight reports progress to the player.
pub const TICK: Duration = Duration::from_millis(100);

/// Largest MPD accepted.
const MAX_MPD: u64 = 4 << 20;

/// What `l7 play` needs.
#[derive(Clone)]
pub struct PlayConfig {
    /// The MPD's URL.
    pub url: Url,
    /// The adaptation algorithm.
    pub abr: Abr,
    /// Start-up buffer, buffer cap, abandonment.
    pub player: Config,
    /// How the HTTP client connects (persistent, timeouts).
    pub fetch: FetchConfig,
    /// Host names to addresses.
    pub resolver: Resolver,
}

/// An audio segment fetched with a video segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct AudioFetch {
    /// The audio segment's index.
    pub segment: usize,
    /// Its size.
    pub bytes: u64,
}

/// Something the session did, reported as it happens.
#[derive(Debug, Clone, PartialEq)]
pub enum PlayEvent {
    /// A segment arrived whole, with the audio fetched alongside.
    Segment(SegmentRecord, Vec<AudioFetch>),
    /// A download was abandoned at `at_s` after `bytes` (it would stall).
    Abandoned {
        /// The segment.
        segment: usize,
        /// The rung it was fetched at.
        rung: usize,
        /// Bytes that had arrived.
        bytes: u64,
        /// Seconds since the session started.
        at_s: f64,
    },
}

/// A finished session.
#[derive(Debug, Clone, PartialEq)]
pub struct Played {
    /// The ladder played (bit rates, segment durations).
    pub ladder: Ladder,
    /// One record per segment.
    pub records: Vec<SegmentRecord>,
    /// The QoE summary (of the video).
    pub summary: Summary,
    /// The audio played alongside, if the MPD has an audio set.
    pub audio: Option<AudioPlayed>,
}

/// The audio track of a finished session.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct AudioPlayed {
    /// Its representation's bandwidth, bit/s.
    pub bitrate_bps: u64,
    /// Segments fetched.
    pub segments: usize,
    /// Their bytes.
    pub bytes: u64,
}

/// Why a session failed.
#[derive(Debug, thiserror::Error)]
pub enum PlayError {
    /// A request failed.
    #[error("{url}: {source}")]
    Fetch {
        /// What was fetched.
        url: String,
        /// Why it failed.
        source: GetError,
    },
    /// The server answered with an error status.
    #[error(
        "{url}: the server answered {status} — check the URL and that the origin serves the package"
    )]
    Status {
        /// What was fetched.
        url: String,
        /// The status.
        status: u16,
    },
    /// The MPD cannot be played.
    #[error("the MPD cannot be played: {0}")]
    Mpd(#[from] MpdError),
    /// The MPD's ladder cannot be played.
    #[error("the MPD's ladder cannot be played: {0}")]
    Ladder(#[from] LadderError),
    /// A segment URL in the MPD does not resolve.
    #[error("segment URL {0:?} is not a valid URL")]
    Url(String),
}

/// Counts body bytes into a shared counter, keeping up to `keep` of them.
struct Body {
    count: Arc<AtomicU64>,
    keep: u64,
    data: Vec<u8>,
}

impl Observer for Body {
    fn body(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.count.fetch_add(bytes.len() as u64, Ordering::Relaxed);
        if (self.data.len() as u64) + (bytes.len() as u64) > self.keep {
            if self.keep > 0 {
                return Err(std::io::Error::other("body larger than expected"));
            }
            return Ok(());
        }
        self.data.extend_from_slice(bytes);
        Ok(())
    }
}

/// A session in progress.
struct Session {
    config: PlayConfig,
    fetcher: Fetcher,
    epoch: std::time::Instant,
    audio: Option<Audio>,
}

/// The audio track: its stream (rung 0 plays), where each segment starts
/// (seconds), and the next one to fetch.
struct Audio {
    stream: Stream,
    starts_s: Vec<f64>,
    next: usize,
    played: AudioPlayed,
}

impl Audio {
    fn new(stream: Stream) -> Audio {
        let mut at = 0.0;
        let starts_s = stream
            .ladder()
            .segment_s
            .iter()
            .map(|d| {
                let start = at;
                at += d;
                start
            })
            .collect();
        let played = AudioPlayed {
            bitrate_bps: stream.reps[0].bandwidth,
            segments: 0,
            bytes: 0,
        };
        Audio {
            stream,
            starts_s,
            next: 0,
            played,
        }
    }

    /// The audio segments to fetch with the video that ends at `end_s`
    /// (those starting before it; all the rest with the `last` video segment).
    fn due(&self, end_s: f64, last: bool) -> std::ops::Range<usize> {
        let upto = if last {
            self.starts_s.len()
        } else {
            self.starts_s.partition_point(|&s| s < end_s - 1e-6)
        };
        self.next..upto.max(self.next)
    }
}

impl Session {
    fn now(&self) -> Instant {
        Instant::from_epoch(self.epoch.elapsed())
    }

    fn new_fetcher(config: &PlayConfig) -> Fetcher {
        Fetcher::new(config.fetch.clone(), config.resolver.clone(), None)
    }

    /// Fetches the MPD. While the server answers 503 with a Retry-After
    /// (RFC 9110 §10.2.3: an origin still packaging), waits and asks
    /// again, for up to [`MPD_PATIENCE`] in all.
    async fn get_mpd(&mut self) -> Result<Vec<u8>, PlayError> {
        let url = self.config.url.clone();
        let give_up = std::time::Instant::now() + MPD_PATIENCE;
        loop {
            let (head, data) = self.fetch(&url, MAX_MPD).await?;
            match retry_after(head.status, head.headers.get("retry-after")) {
                Some(wait) if std::time::Instant::now() + wait < give_up => {
                    tracing::warn!("{url}: 503, the server asks to retry in {wait:?}: waiting");
                    tokio::time::sleep(wait).await;
                }
                _ => {
                    check_status(&url, head.status)?;
                    return Ok(data);
                }
            }
        }
    }

    /// Fetches `url` whole, keeping its body when `keep` > 0.
    async fn get(&mut self, url: &Url, keep: u64) -> Result<Vec<u8>, PlayError> {
        let (head, data) = self.fetch(url, keep).await?;
        check_status(url, head.status)?;
        Ok(data)
    }

    /// Fetches `url` whole, whatever its status, keeping up to `keep`
    /// bytes of its body.
    async fn fetch(
        &mut self,
        url: &Url,
        keep: u64,
    ) -> Result<(ResponseHead<'static>, Vec<u8>), PlayError> {
        let mut body = Body {
            count: Arc::default(),
            keep,
            data: Vec::new(),
        };
        let head = fetch_head(&mut self.fetcher, url, &mut body).await?;
        Ok((head, body.data))
    }
}

/// How long to wait out 503s for an MPD: a first packaging takes tens of
/// seconds.
const MPD_PATIENCE: Duration = Duration::from_secs(600);

/// The wait a 503 asks for, when it gives one in delta-seconds (RFC 9110
/// §10.2.3), capped at a minute so a client polls at least that often.
fn retry_after(status: u16, value: Option<&[u8]>) -> Option<Duration> {
    let secs: u64 = std::str::from_utf8(value?).ok()?.trim().parse().ok()?;
    (status == 503).then(|| Duration::from_secs(secs.clamp(1, 60)))
}

fn check_status(url: &Url, status: u16) -> Result<(), PlayError> {
    if (200..300).contains(&status) {
        Ok(())
    } else {
        Err(PlayError::Status {
            url: url.to_string(),
            status,
        })
    }
}

/// Plays the MPD at `config.url` to the end, reporting each step to `on_event`.
pub async fn play(
    config: PlayConfig,
    mut on_event: impl FnMut(&PlayEvent),
) -> Result<Played, PlayError> {
    let mut s = Session {
        fetcher: Session::new_fetcher(&config),
        epoch: std::time::Instant::now(),
        config,
        audio: None,
    };
    let text = s.get_mpd().await?;
    let doc = mpd::parse(&text)?;
    let stream = doc.stream()?;
    let ladder = stream.ladder();
    let mut player = Player::new(
        s.config.player,
        ladder.clone(),
        s.config.abr.clone(),
        s.now(),
    )?;
    if let Some(audio) = doc.audio_stream()? {
        if let Some(init) = audio.init_url(0)? {
            s.get(&resolve(&s.config.url, &init)?, 0).await?;
        }
        player = player.with_audio(audio.reps[0].bandwidth as f64);
        s.audio = Some(Audio::new(audio));
    }
    let ends_s: Vec<f64> = ladder
        .segment_s
        .iter()
        .scan(0.0, |at, d| {
            *at += d;
            Some(*at)
        })
        .collect();
    let mut inits = vec![false; stream.reps.len()];
    loop {
        match player.poll_action(s.now()) {
            Action::Done => break,
            Action::Wait { until: Some(t) } => {
                tokio::time::sleep_until((s.epoch + t.since_epoch()).into()).await
            }
            Action::Wait { until: None } | Action::Abandon { .. } => {
                // Only while a download is in flight, which `download` owns.
                tokio::time::sleep(TICK).await
            }
            Action::Request { segment, rung } => {
                if !inits[rung] {
                    if let Some(init) = stream.init_url(rung)? {
                        let url = resolve(&s.config.url, &init)?;
                        s.get(&url, 0).await?;
                    }
                    inits[rung] = true;
                }
                let url = resolve(&s.config.url, &stream.media_url(segment, rung)?)?;
                let mut audio = Vec::new();
                if let Some(a) = &s.audio {
                    for j in a.due(ends_s[segment], segment + 1 == ends_s.len()) {
                        let media = a.stream.media_url(j, 0)?;
                        audio.push((j, resolve(&s.config.url, &media)?));
                    }
                }
                if let Some(event) = download(&mut s, &mut player, &audio, &url).await? {
                    on_event(&event);
                }
            }
        }
    }
    Ok(Played {
        ladder,
        records: player.records().to_vec(),
        summary: player.summary(),
        audio: s.audio.map(|a| a.played),
    })
}

/// How a download ended.
enum Ended {
    /// The fetches returned (whole, or failed).
    Fetched(Result<(), PlayError>),
    /// The player abandoned it.
    Abandoned { segment: usize, rung: usize },
}

/// Fetches `url` into `count`.
async fn fetch_counted(
    fetcher: &mut Fetcher,
    url: &Url,
    count: &Arc<AtomicU64>,
) -> Result<(), PlayError> {
    let mut body = Body {
        count: count.clone(),
        keep: 0,
        data: Vec::new(),
    };
    fetch_into(fetcher, url, &mut body).await
}

/// Fetches `url` into `body`, failing on an error status.
async fn fetch_into(fetcher: &mut Fetcher, url: &Url, body: &mut Body) -> Result<(), PlayError> {
    let head = fetch_head(fetcher, url, body).await?;
    check_status(url, head.status)
}

/// Fetches `url` into `body`; returns the response head, whatever its status.
async fn fetch_head(
    fetcher: &mut Fetcher,
    url: &Url,
    body: &mut Body,
) -> Result<ResponseHead<'static>, PlayError> {
    let fetched = fetcher
        .fetch(Request::new("GET", url.clone()), body)
        .await
        .map_err(|source| PlayError::Fetch {
            url: url.to_string(),
            source,
        })?;
    Ok(fetched.response.head)
}

/// Downloads the audio segments `audio` (index, URL), then one media
/// segment for `player`, ticking progress over both, until it completes
/// (`Segment`) or the player abandons it (`Abandoned`; the audio that
/// arrived whole is kept).
async fn download(
    s: &mut Session,
    player: &mut Player,
    audio: &[(usize, Url)],
    url: &Url,
) -> Result<Option<PlayEvent>, PlayError> {
    let count = Arc::new(AtomicU64::new(0));
    let mut audio_done = Vec::new();
    let epoch = s.epoch;
    let now = || Instant::from_epoch(epoch.elapsed());
    let ended = {
        let (fetcher, done) = (&mut s.fetcher, &mut audio_done);
        let fetch = async {
            for (segment, audio_url) in audio {
                let before = count.load(Ordering::Relaxed);
                fetch_counted(fetcher, audio_url, &count).await?;
                let bytes = count.load(Ordering::Relaxed) - before;
                done.push(AudioFetch {
                    segment: *segment,
                    bytes,
                });
            }
            fetch_counted(fetcher, url, &count).await
        };
        tokio::pin!(fetch);
        let mut tick = tokio::time::interval(TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                r = &mut fetch => break Ended::Fetched(r),
                _ = tick.tick() => {
                    let t = now();
                    player.on_progress(t, count.load(Ordering::Relaxed));
                    if let Action::Abandon { segment, rung } = player.poll_action(t) {
                        break Ended::Abandoned { segment, rung };
                    }
                }
            }
        }
    };
    if let Some(a) = s.audio.as_mut() {
        a.next += audio_done.len();
        a.played.segments += audio_done.len();
        a.played.bytes += audio_done.iter().map(|f| f.bytes).sum::<u64>();
    }
    let bytes = count.load(Ordering::Relaxed);
    match ended {
        Ended::Abandoned { segment, rung } => {
            // The rest of the body is still on the wire: start afresh.
            s.fetcher = Session::new_fetcher(&s.config);
            Ok(Some(PlayEvent::Abandoned {
                segment,
                rung,
                bytes,
                at_s: now().since_epoch().as_secs_f64(),
            }))
        }
        Ended::Fetched(Err(e)) => Err(e),
        Ended::Fetched(Ok(())) => {
            player.on_complete(now(), bytes);
            Ok(player
                .records()
                .last()
                .cloned()
                .map(|r| PlayEvent::Segment(r, audio_done)))
        }
    }
}

/// A segment reference from the MPD, resolved against the MPD's URL.
fn resolve(mpd: &Url, reference: &str) -> Result<Url, PlayError> {
    mpd.join(reference)
        .map_err(|_| PlayError::Url(reference.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_503_with_delta_seconds_is_waited_out() {
        let secs = Duration::from_secs;
        assert_eq!(retry_after(503, Some(b"5")), Some(secs(5)));
        assert_eq!(retry_after(503, Some(b" 0 ")), Some(secs(1)));
        assert_eq!(retry_after(503, Some(b"86400")), Some(secs(60)));
        // An HTTP-date, no field, or another status: no waiting.
        assert_eq!(
            retry_after(503, Some(b"Fri, 31 Dec 1999 23:59:59 GMT")),
            None
        );
        assert_eq!(retry_after(503, None), None);
        assert_eq!(retry_after(429, Some(b"5")), None);
    }
}
