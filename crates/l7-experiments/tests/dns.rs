//! The course's DNS caching claims on l7-dns's resolver and authorities:
//! a cold question walks root → TLD → authority (three upstream queries,
//! the three RTTs); the same name again is answered from the cache with no
//! upstream query; a longer TTL means fewer upstream queries.

use std::time::Duration;

use l7_experiments::dns::{Params, run, ttl_sweep};

#[test]
fn cold_walk_then_warm_cache() {
    let p = Params {
        domains: 1,
        names: 1,
        queries: 3,
        ..Params::default()
    };
    let r = run(&p).unwrap();
    assert_eq!(r.queries.len(), 3, "seed {}: {r:?}", p.seed);
    let cold = &r.queries[0];
    assert!(cold.ok);
    assert_eq!(
        cold.upstream, 3,
        "seed {}: root, TLD, authority: {r:?}",
        p.seed
    );
    // 100 + 60 + 40 ms of RTT.
    assert!(
        (200.0..210.0).contains(&cold.latency_ms),
        "seed {}: {cold:?}",
        p.seed
    );
    for warm in &r.queries[1..] {
        assert_eq!(warm.upstream, 0, "seed {}: {warm:?}", p.seed);
        assert!(warm.latency_ms < 1.0, "seed {}: {warm:?}", p.seed);
    }
}

#[test]
fn cached_delegation_skips_root_and_tld() {
    let p = Params {
        domains: 1,
        names: 50,
        queries: 40,
        ..Params::default()
    };
    let r = run(&p).unwrap();
    // After the first walk, a new name in the same domain costs one query.
    let misses: Vec<_> = r.queries[1..].iter().filter(|q| q.upstream > 0).collect();
    assert!(!misses.is_empty());
    assert!(
        misses
            .iter()
            .all(|q| q.upstream == 1 && q.latency_ms < 45.0),
        "seed {}: {misses:?}",
        p.seed
    );
}

#[test]
fn longer_ttls_mean_fewer_upstream_queries() {
    let p = Params {
        interval: Duration::from_secs(5),
        ..Params::default()
    };
    let runs = ttl_sweep(&p, &[1, 60, 3600]).unwrap();
    for w in runs.windows(2) {
        assert!(
            w[0].upstream_total > w[1].upstream_total,
            "seed {}: {} vs {}",
            p.seed,
            w[0].upstream_total,
            w[1].upstream_total
        );
        assert!(
            w[0].mean_latency_ms > w[1].mean_latency_ms,
            "seed {}",
            p.seed
        );
    }
}

#[test]
fn one_seed_gives_one_result() {
    let p = Params::default();
    let a = serde_json::to_string(&run(&p).unwrap()).unwrap();
    let b = serde_json::to_string(&run(&p).unwrap()).unwrap();
    assert_eq!(a, b, "seed {}", p.seed);
}
