//! Replays the committed fuzz corpora (`fuzz/corpus/http_*`) through the same
//! harnesses the fuzz targets use, so CI on stable catches regressions on
//! every input the fuzzer ever kept.

use std::path::PathBuf;

fn corpus(target: &str) -> Vec<Vec<u8>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target);
    let mut inputs: Vec<Vec<u8>> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| std::fs::read(entry.unwrap().path()).unwrap())
        .collect();
    inputs.sort();
    assert!(!inputs.is_empty(), "empty corpus {}", dir.display());
    inputs
}

#[test]
fn http_request_corpus() {
    for input in corpus("http_request") {
        l7_http::fuzz_support::check_request(&input);
    }
}

#[test]
fn http_response_corpus() {
    for input in corpus("http_response") {
        l7_http::fuzz_support::drive_client(&input);
    }
}

#[test]
fn http_chunked_corpus() {
    for input in corpus("http_chunked") {
        l7_http::fuzz_support::drive_chunked(&input);
    }
}

#[test]
fn http_cache_corpus() {
    for input in corpus("http_cache") {
        l7_http::fuzz_support::drive_cache(&input);
    }
}

#[test]
fn http_cache_entry_corpus() {
    for input in corpus("http_cache_entry") {
        l7_http::fuzz_support::drive_cache_entry(&input);
    }
}

#[test]
fn http_client_url_corpus() {
    for input in corpus("http_client_url") {
        l7_http::fuzz_support::drive_url_and_page(&input);
    }
}
