//! The player step by step with explicit time: start-up, the buffer cap,
//! a stall, abandonment and the end of the session.

use super::*;

const LADDER: [f64; 3] = [1e6, 2e6, 4e6];

fn at(s: f64) -> Instant {
    Instant::from_epoch(Duration::from_secs_f64(s))
}

fn player(abr: &str, segments: usize, config: Config) -> Player {
    let ladder = Ladder {
        bitrates: LADDER.to_vec(),
        segment_s: vec![2.0; segments],
    };
    Player::new(config, ladder, Abr::by_name(abr).unwrap(), at(0.0)).unwrap()
}

/// Fetches the next segment as a download at `bps` starting at `t`;
/// returns the completion time.
fn fetch(p: &mut Player, t: f64, bps: f64) -> f64 {
    let Action::Request { segment, rung } = p.poll_action(at(t)) else {
        panic!("expected a request at {t}");
    };
    let bytes = p.nominal_bytes(segment, rung);
    let done = t + bytes as f64 * 8.0 / bps;
    p.on_complete(at(done), bytes);
    done
}

#[test]
fn rejects_bad_ladders() {
    let abr = || Abr::by_name("rate").unwrap();
    let bad = |bitrates: Vec<f64>, segment_s: Vec<f64>| {
        Player::new(
            Config::default(),
            Ladder {
                bitrates,
                segment_s,
            },
            abr(),
            at(0.0),
        )
        .unwrap_err()
    };
    assert_eq!(bad(vec![], vec![2.0]), LadderError::Bitrates);
    assert_eq!(bad(vec![2.0, 1.0], vec![2.0]), LadderError::Bitrates);
    assert_eq!(bad(vec![f64::NAN], vec![2.0]), LadderError::Bitrates);
    assert_eq!(bad(vec![1.0], vec![]), LadderError::Segments);
    assert_eq!(bad(vec![1.0], vec![0.0]), LadderError::Segments);
}

#[test]
fn starts_at_threshold_then_waits_at_the_cap() {
    let config = Config {
        startup_s: 4.0,
        buffer_cap_s: 10.0,
        abandon: true,
    };
    let mut p = player("rate", 20, config);
    // First segment at the lowest rung (no estimate): 2 Mbit at 8 Mbit/s.
    let mut t = fetch(&mut p, 0.0, 8e6);
    assert_eq!(t, 0.25);
    assert_eq!(p.state(), State::Startup);
    t = fetch(&mut p, t, 8e6);
    assert_eq!(p.state(), State::Playing, "4 s buffered");
    assert_eq!(p.summary().startup_delay_s, Some(t));
    assert_eq!(p.records()[1].rung, 2, "rate-based rose to 4 Mbit/s");
    // Fill until the next segment would not fit under the 10 s cap.
    let until = loop {
        match p.poll_action(at(t)) {
            Action::Wait { until: Some(until) } => break until,
            Action::Request { segment, rung } => {
                let bytes = p.nominal_bytes(segment, rung);
                t += bytes as f64 * 8.0 / 8e6;
                p.on_complete(at(t), bytes);
            }
            other => panic!("unexpected {other:?}"),
        }
    };
    assert!(p.buffer_s() + 2.0 > 10.0, "waits only at the cap");
    assert!(until > at(t));
    assert!(matches!(p.poll_action(until), Action::Request { .. }));
    assert_eq!(p.summary().rebuffer_count, 0);
}

#[test]
fn a_slow_download_stalls_and_is_counted() {
    let config = Config {
        abandon: false,
        ..Config::default()
    };
    let mut p = player("rate", 10, config);
    let mut t = fetch(&mut p, 0.0, 8e6);
    t = fetch(&mut p, t, 8e6);
    assert_eq!(p.state(), State::Playing);
    // The next one (4 Mbit/s × 2 s = 8 Mbit) crawls at 1 Mbit/s: 8 s for 4 s of buffer.
    let done = fetch(&mut p, t, 1e6);
    let s = p.summary();
    assert_eq!(s.rebuffer_count, 1);
    assert!(
        (s.rebuffer_s - (done - t - 4.0)).abs() < 1e-6,
        "{}",
        s.rebuffer_s
    );
    assert!(p.records()[2].stall_s > 3.9);
}

#[test]
fn abandons_a_download_that_would_stall() {
    let mut p = player("rate", 10, Config::default());
    let mut t = fetch(&mut p, 0.0, 8e6);
    t = fetch(&mut p, t, 8e6);
    let Action::Request { segment, rung } = p.poll_action(at(t)) else {
        panic!()
    };
    assert_eq!((segment, rung), (2, 2));
    // One second in, only 0.5 Mbit of 8 Mbit: 15 s more, 3 s buffered.
    p.on_progress(at(t + 1.0), 62_500);
    assert_eq!(
        p.poll_action(at(t + 1.0)),
        Action::Abandon {
            segment: 2,
            rung: 2
        }
    );
    let Action::Request { segment, rung } = p.poll_action(at(t + 1.0)) else {
        panic!()
    };
    assert_eq!((segment, rung), (2, 0), "the same segment, lower");
    assert_eq!(p.summary().abandoned, 1);
}

#[test]
fn plays_to_the_end_and_says_done() {
    let mut p = player("bola", 3, Config::default());
    let mut t = 0.0;
    for _ in 0..3 {
        t = fetch(&mut p, t, 8e6);
    }
    assert_eq!(p.state(), State::Playing);
    let Action::Wait { until: Some(end) } = p.poll_action(at(t)) else {
        panic!()
    };
    assert_eq!(p.poll_action(end), Action::Done);
    let s = p.summary();
    assert_eq!((s.segments, s.rebuffer_count), (3, 0));
}

#[test]
fn misuse_is_harmless() {
    let mut p = player("mpc", 2, Config::default());
    p.on_complete(at(1.0), 10);
    p.on_progress(at(1.0), 10);
    assert!(p.records().is_empty());
    // Time going backwards is taken as no time passing.
    assert!(matches!(p.poll_action(at(0.5)), Action::Request { .. }));
}

#[test]
fn audio_rides_along_in_sizes_and_choices_but_not_in_the_qoe() {
    let top_rung_after_two = |audio_bps: f64| {
        let mut p = player("rate", 10, Config::default()).with_audio(audio_bps);
        // 0.9 × 4.6 Mbit/s = 4.14 Mbit/s: room for 4 Mbit/s of video alone,
        // not for 4 Mbit/s of video and 256 kbit/s of audio.
        let t = fetch(&mut p, 0.0, 4.6e6);
        fetch(&mut p, t, 4.6e6);
        let r = &p.records()[1];
        (r.rung, r.bitrate_bps, p.nominal_bytes(0, 0))
    };
    assert_eq!(top_rung_after_two(0.0), (2, 4e6, 250_000));
    // 2 s of 1 Mbit/s video and 256 kbit/s audio: 314 000 bytes.
    assert_eq!(top_rung_after_two(256e3), (1, 2e6, 314_000));
    // A bad audio rate is ignored.
    assert_eq!(top_rung_after_two(f64::NAN), (2, 4e6, 250_000));
}
