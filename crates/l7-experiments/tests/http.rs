//! The course's HTTP claims on l7-http's server connection and response
//! reader: non-persistent costs 2 RTT per object, pipelining about one RTT
//! for all of them, and over HTTP/2 (the `h2` crate on both ends, l7's
//! interleaver) small objects do not wait behind a large one.

use std::time::Duration;

use l7_experiments::http::{Mode, Page, compare, hol, hol_page, load};

fn page(n: usize) -> Page {
    Page {
        base_bytes: 10_000,
        objects: vec![10_000; n],
        rtt: Duration::from_millis(100),
        bandwidth_bps: 100_000_000,
        seed: 1,
    }
}

#[test]
fn non_persistent_serial_costs_two_rtt_per_object() {
    let l = load(&page(10), Mode::NonPersistent { parallel: 1 });
    let done: Vec<f64> = l.object_done_s.iter().map(|t| t.unwrap()).collect();
    for w in done.windows(2) {
        let gap = w[1] - w[0];
        // 2 RTT = 200 ms, plus 10 kB at 100 Mbit/s (0.8 ms).
        assert!((0.199..0.205).contains(&gap), "seed 1: gap {gap}: {done:?}");
    }
    let t = l.page_load_s.unwrap();
    assert!(
        (t - l.formula_s).abs() < 0.02 * l.formula_s,
        "seed 1: {t} vs {}",
        l.formula_s
    );
    assert_eq!(l.connections, 11);
}

#[test]
fn persistent_and_pipelined_match_the_formulas() {
    let loads = compare(&page(10), 5);
    for l in &loads {
        let t = l.page_load_s.unwrap();
        eprintln!("{}: {t:.4} s, formula {:.4} s", l.label, l.formula_s);
        assert!(
            t >= 0.98 * l.formula_s && t <= 1.05 * l.formula_s,
            "seed 1: {l:?}"
        );
    }
    let serial = loads[0].page_load_s.unwrap();
    let pipelined = loads[3].page_load_s.unwrap();
    // 22 RTT against 3 RTT.
    assert!(serial > 6.0 * pipelined, "seed 1: {serial} vs {pipelined}");
}

#[test]
fn http2_delivers_small_objects_before_the_large_one() {
    let p = hol_page(Duration::from_millis(100), 10_000_000, 5_000_000, 20_000, 1);
    let loads = hol(&p);
    let times = |l: &l7_experiments::http::Load| -> Vec<f64> {
        l.object_done_s.iter().map(|t| t.unwrap()).collect()
    };
    let h1 = times(&loads[0]);
    let h2 = times(&loads[1]);
    // HTTP/1.1: no small object arrives before the large one is complete.
    assert!(h1[2..].iter().all(|&s| s >= h1[1]), "seed 1: {h1:?}");
    // HTTP/2, one connection: every small object arrives long before the
    // large one.
    assert_eq!(loads[1].connections, 1);
    assert!(h2[2..].iter().all(|&s| s < h2[1] / 2.0), "seed 1: {h2:?}");
}

#[test]
fn one_seed_gives_one_result() {
    let a = serde_json::to_string(&compare(&page(4), 2)).unwrap();
    let b = serde_json::to_string(&compare(&page(4), 2)).unwrap();
    assert_eq!(a, b, "seed 1");
}
