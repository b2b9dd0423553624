//! Fuzzes the RFC 1035 master-file reader and the zone checks.
#![no_main]

use l7_dns::wire::Name;
use l7_dns::zone::{NoIncludes, Zone};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let origin: Name = "fuzz.test".parse().expect("valid origin");
    if let Ok(zone) = Zone::from_master_file(data, "fuzz.zone", &origin, &mut NoIncludes) {
        let _ = zone.transfer_records();
    }
});
