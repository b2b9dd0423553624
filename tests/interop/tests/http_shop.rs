//! The cookie demo shop (`l7 http serve --demo-shop`) driven by curl's
//! cookie jar and Python's http.cookiejar: a new visitor gets an ID in
//! Set-Cookie, a returning one is greeted by what SQLite remembers, and
//! the memory survives a restart of the server.

use l7_interop::*;

fn shop(dir: &Scratch, port: u16) -> Server {
    let db = dir.join("shop.sqlite").display().to_string();
    http_serve(&dir.0, port, &["--demo-shop", "--shop-db", &db])
}

fn curl_with_jar(jar: &str, url: &str) -> String {
    let o = tool("curl")
        .args(["-sS", "--max-time", "10", "-c", jar, "-b", jar, url])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    stdout(&o)
}

#[test]
fn curl_cookie_jar_makes_a_returning_visitor() {
    let dir = Scratch::new(&format!("shop-curl-{}", free_port()));
    let port = free_port();
    let mut server = shop(&dir, port);
    let jar = dir.join("jar.txt").display().to_string();
    let url = format!("http://127.0.0.1:{port}/shop");
    let first = curl_with_jar(&jar, &url);
    assert!(first.contains("You are new here"), "{first}");
    let saved = std::fs::read_to_string(&jar).unwrap();
    let id = saved
        .lines()
        .find_map(|l| {
            l.split('\t')
                .collect::<Vec<_>>()
                .get(5..7)
                .filter(|f| f[0] == "l7shop")
                .map(|f| f[1].to_string())
        })
        .unwrap_or_else(|| panic!("curl stored the l7shop cookie:\n{saved}"));
    assert!(first.contains(&id));
    let added = curl_with_jar(&jar, &format!("{url}/add?item=The+Art+of+Networking"));
    assert!(
        added.contains(&format!("Welcome back, visitor {id}!")),
        "{added}"
    );
    assert!(added.contains("<li>The Art of Networking</li>"), "{added}");
    // Without the cookie, curl is a stranger again, with another ID.
    let stranger = tool("curl").args(["-sS", &url]).output().unwrap();
    assert!(stdout(&stranger).contains("You are new here"));
    assert!(!stdout(&stranger).contains(&id));
    // The database outlives the server process.
    assert!(server.terminate().success());
    drop(server);
    let _again = shop(&dir, port);
    let back = curl_with_jar(&jar, &url);
    assert!(
        back.contains(&format!("Welcome back, visitor {id}!")),
        "{back}"
    );
    assert!(back.contains("visit number 3"), "{back}");
    assert!(back.contains("The Art of Networking"), "{back}");
}

#[test]
fn python_cookiejar_is_greeted_on_its_second_visit() {
    let dir = Scratch::new(&format!("shop-py-{}", free_port()));
    let port = free_port();
    let _server = shop(&dir, port);
    let script = r#"
import sys, urllib.request, http.cookiejar
jar = http.cookiejar.CookieJar()
opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
url = sys.argv[1]
first = opener.open(url, timeout=10).read().decode()
assert "You are new here" in first, first
ids = [c.value for c in jar if c.name == "l7shop"]
assert len(ids) == 1, list(jar)
second = opener.open(url, timeout=10).read().decode()
assert f"Welcome back, visitor {ids[0]}!" in second, second
assert "visit number 2" in second, second
print("ok", ids[0])
"#;
    let o = tool("python3")
        .args(["-c", script, &format!("http://127.0.0.1:{port}/shop")])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).starts_with("ok "));
}
