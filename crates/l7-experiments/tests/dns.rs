//! The course's DNS caching claims on l7-dns's resolver and authorities:
//! a cold question walks root → TLD → authority (three upstream queries,
//! the three RTTs); the same name again is answered from the cache with no
//! upstream query; a longer TTL means fewer upstream queries; a names
//! file makes up its own hierarchy, where a known TLD skips the root.

use std::time::Duration;

use l7_experiments::dns::{Params, generated_names, parse_names, run, ttl_sweep};

#[test]
fn cold_walk_then_warm_cache() {
    let p = Params {
        names: generated_names(1, 1),
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
        names: generated_names(1, 50),
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

/// The course's names, each TLD and second-level domain served by its own
/// made-up server.
const NAMES: &str = "\
# most popular first
www.networkutopia.com
gaia.cs.umass.edu
www.someschool.edu   # same TLD, another domain
mail.networkutopia.com
video.netcinema.com
www.inria.fr
";

#[test]
fn a_names_file_walks_its_own_hierarchy() {
    let names = parse_names(NAMES, "names.txt").unwrap();
    assert_eq!(names.len(), 6);
    let p = Params {
        names: names.clone(),
        queries: 200,
        interval: Duration::from_secs(1),
        ..Params::default()
    };
    let r = run(&p).unwrap();
    assert_eq!(r.queries.len(), 200, "seed {}", p.seed);
    assert!(r.queries.iter().all(|q| q.ok), "seed {}: {r:?}", p.seed);
    // Every name asked for the first time: the root only for a new TLD,
    // the TLD only for a new domain, the authority always.
    let mut seen_tlds: Vec<String> = Vec::new();
    let mut seen_domains: Vec<String> = Vec::new();
    let mut seen_names: Vec<String> = Vec::new();
    for q in &r.queries {
        let labels: Vec<&str> = q.name.trim_end_matches('.').split('.').collect();
        let tld = labels[labels.len() - 1].to_string();
        let domain = labels[labels.len() - 2..].join(".");
        if seen_names.contains(&q.name) {
            // A TTL of 300 s outlives the 200 s run: every repeat is a hit.
            assert_eq!(q.upstream, 0, "seed {}: {q:?}", p.seed);
            continue;
        }
        let (want, rtt) = match (seen_tlds.contains(&tld), seen_domains.contains(&domain)) {
            (false, _) => (3, 200.0),
            (true, false) => (2, 100.0),
            (true, true) => (1, 40.0),
        };
        assert_eq!(q.upstream, want, "seed {}: {q:?}", p.seed);
        assert!(
            (rtt..rtt + 10.0).contains(&q.latency_ms),
            "seed {}: {q:?}",
            p.seed
        );
        seen_tlds.push(tld);
        seen_domains.push(domain);
        seen_names.push(q.name.clone());
    }
    assert_eq!(seen_names.len(), 6, "seed {}: every name asked", p.seed);
    let again = run(&p).unwrap();
    assert_eq!(
        serde_json::to_string(&r).unwrap(),
        serde_json::to_string(&again).unwrap(),
        "seed {}",
        p.seed
    );
}
