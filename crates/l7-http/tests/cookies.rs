//! Cookie jar properties: a jar saved in the Netscape format and loaded
//! again is the same jar, and a cookie set by a host is sent back to that
//! host on a matching path until it expires (passed-in wall-clock time).

use l7_http::cookie::{Cookie, CookieJar, SetCookie};
use proptest::prelude::*;

fn cookie() -> impl Strategy<Value = Cookie> {
    (
        "[A-Za-z0-9_]{1,8}",
        "[!-~]{0,12}",
        "[a-z]{1,6}\\.(test|edu|com)",
        any::<bool>(),
        "(/[a-z]{0,5}){1,3}",
        proptest::option::of(2_000u64..4_000_000_000),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            |(name, value, domain, host_only, path, expires, secure, http_only)| Cookie {
                name,
                value,
                domain,
                host_only,
                path,
                expires,
                secure,
                http_only,
                created: 1000,
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn netscape_round_trip(cookies in proptest::collection::vec(cookie(), 0..10)) {
        let mut jar = CookieJar::new();
        for c in cookies {
            jar.insert(c);
        }
        let text = jar.save_netscape();
        let back = CookieJar::load_netscape(&text, 1000).unwrap();
        prop_assert_eq!(back, jar);
    }

    #[test]
    fn set_cookie_comes_back_until_expiry(
        name in "[a-z]{1,8}", value in "[a-z0-9]{0,8}", age in 1i64..100_000, now in 0u64..2_000_000_000,
    ) {
        let mut jar = CookieJar::new();
        let set = SetCookie::parse(&format!("{name}={value}; Max-Age={age}; Path=/")).unwrap();
        prop_assert!(jar.store(&set, "gaia.cs.umass.edu", "/index.html", now));
        let want = format!("{name}={value}");
        let expiry = now + age as u64;
        prop_assert_eq!(jar.cookie_header("gaia.cs.umass.edu", "/x", false, expiry - 1), Some(want));
        prop_assert_eq!(jar.cookie_header("gaia.cs.umass.edu", "/x", false, expiry), None);
        prop_assert_eq!(jar.cookie_header("cs.umass.edu", "/x", false, now), None);
    }
}
