//! What the BitTorrent interop tests share: a scratch directory with a data
//! file and its torrent (announced to our tracker, or to a tracker the test
//! starts), `l7 torrent seed` and `l7 torrent get` on it, aria2 with DHT,
//! LSD and peer exchange off, and waiting for children and ports. Each test
//! crate uses a part.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use l7_interop::*;

/// BitTorrent's usual piece length, which `l7 torrent create` defaults to.
pub const PIECE: usize = 256 * 1024;

/// A data file and its torrent in a scratch directory, and the tracker.
pub struct Setup {
    pub dir: Scratch,
    /// The tracker's process, stopped when the setup is dropped.
    pub tracker: Option<Server>,
    pub data: Vec<u8>,
    pub torrent: PathBuf,
}

impl Setup {
    /// `len` bytes announced to our tracker over `scheme` (http or udp).
    pub fn new(name: &str, len: usize, scheme: &str) -> Setup {
        let port = free_port();
        let tracker = format!("127.0.0.1:{port}");
        let mut s = Setup::announcing(name, len, &format!("{scheme}://{tracker}/announce"));
        s.tracker = Some(Server::l7(
            &["tracker", "serve", "--listen", &tracker],
            SocketAddr::from(([127, 0, 0, 1], port)),
            false,
        ));
        s
    }

    /// `len` bytes in `seed/sample.bin` and a torrent announcing to `url`;
    /// the caller starts that tracker.
    pub fn announcing(name: &str, len: usize, url: &str) -> Setup {
        let dir = Scratch::new(name);
        let data = pseudo_random(len, len as u32 ^ 0x5eed);
        std::fs::create_dir_all(dir.join("seed")).unwrap();
        std::fs::write(dir.join("seed/sample.bin"), &data).unwrap();
        let torrent = dir.join("sample.torrent");
        let made = l7(&[
            "torrent",
            "create",
            dir.join("seed/sample.bin").to_str().unwrap(),
            "-o",
            torrent.to_str().unwrap(),
            "--tracker",
            url,
        ]);
        assert!(made.status.success(), "{}", stderr(&made));
        Setup {
            dir,
            tracker: None,
            data,
            torrent,
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// The torrent's info-hash in hex, as `l7 torrent show` prints it.
    pub fn info_hash_hex(&self) -> String {
        let out = l7(&["torrent", "show", "--json", self.torrent.to_str().unwrap()]);
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        v["info_hash"].as_str().unwrap().to_owned()
    }

    /// The info-hash as bytes.
    pub fn info_hash(&self) -> [u8; 20] {
        let hex = self.info_hash_hex();
        let mut h = [0u8; 20];
        for (i, b) in h.iter_mut().enumerate() {
            *b = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap();
        }
        h
    }

    /// `l7 torrent seed` of the seed directory on `listen`, with extra flags.
    pub fn l7_seeder(&self, listen: &str, extra: &[&str]) -> Server {
        // The seed directory holds sample.bin, as `get -o seed` would lay it out.
        let data_dir = self.path("seed");
        let mut args = vec![
            "torrent",
            "seed",
            self.torrent.to_str().unwrap(),
            "--data",
            data_dir.to_str().unwrap(),
            "--listen",
            listen,
        ];
        args.extend_from_slice(extra);
        Server::l7(&args, listen.parse().unwrap(), false)
    }

    /// `l7 --json torrent get` into `out`, as a child with piped stdout.
    pub fn l7_get(&self, out: &str, listen: &str, extra: &[&str]) -> Child {
        let mut c = Command::new(l7_bin());
        c.args(["--json", "torrent", "get"])
            .arg(&self.torrent)
            .arg("-o")
            .arg(self.path(out))
            .args(["--listen", listen])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        c.spawn().expect("start l7 torrent get")
    }

    /// Runs `l7 torrent get` into `out` to completion, checks the data and
    /// returns its final JSON line.
    pub fn l7_get_to_end(&self, out: &str, extra: &[&str]) -> serde_json::Value {
        self.l7_get_to_end_on(out, &format!("127.0.0.1:{}", free_port()), extra)
    }

    /// [`Setup::l7_get_to_end`] listening on `listen`.
    pub fn l7_get_to_end_on(&self, out: &str, listen: &str, extra: &[&str]) -> serde_json::Value {
        let child = self.l7_get(out, listen, extra);
        let done = wait_output(child, Duration::from_secs(240), "l7 torrent get");
        assert!(
            done.status.success(),
            "l7 torrent get failed: {}",
            stderr(&done)
        );
        let last = json_lines(&done).pop().expect("JSON lines from l7");
        assert_eq!(last["event"], "complete", "{}", stdout(&done));
        self.assert_downloaded(out);
        last
    }

    pub fn assert_downloaded(&self, out: &str) {
        let got = std::fs::read(self.path(out).join("sample.bin")).unwrap();
        assert!(got == self.data, "{out}/sample.bin differs from the seed");
    }

    /// Waits (up to `limit`) until `out/sample.bin` holds the seed's data,
    /// for peers that keep running once complete.
    pub fn wait_downloaded(&self, out: &str, limit: Duration, what: &str) {
        self.wait_downloaded_or(out, limit, what, String::new)
    }

    /// [`Setup::wait_downloaded`], showing `log()` (the peer's log) on failure.
    pub fn wait_downloaded_or(
        &self,
        out: &str,
        limit: Duration,
        what: &str,
        log: impl Fn() -> String,
    ) {
        let path = self.path(out).join("sample.bin");
        let deadline = std::time::Instant::now() + limit;
        while std::fs::read(&path).ok().as_deref() != Some(&self.data[..]) {
            assert!(
                std::time::Instant::now() < deadline,
                "{what} did not download {} within {limit:?}\n{}",
                path.display(),
                log()
            );
            std::thread::sleep(Duration::from_millis(250));
        }
    }
}

/// Waits for a child with a deadline, killing it if it overruns.
pub fn wait_output(mut child: Child, limit: Duration, what: &str) -> Output {
    let deadline = std::time::Instant::now() + limit;
    loop {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!(
                "{what} did not finish within {limit:?}\nstdout: {}\nstderr: {}",
                stdout(&out),
                stderr(&out)
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The JSON lines l7 printed.
pub fn json_lines(out: &Output) -> Vec<serde_json::Value> {
    stdout(out)
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

/// aria2c on `torrent` into `dir`, as a seeder (verifying what is there) or
/// a leecher that exits once complete.
pub fn aria2(dir: &Path, torrent: &Path, seed: bool) -> Command {
    let mut c = tool("aria2c");
    c.arg(format!("--dir={}", dir.display()))
        .args([
            "--bt-enable-lpd=false",
            "--enable-peer-exchange=false",
            "--bt-stop-timeout=120",
            "--summary-interval=0",
        ])
        .arg(format!("--listen-port={}", free_port()))
        // aria2 uses UDP trackers only with DHT on (its DHT shares the UDP socket).
        .arg("--enable-dht=true")
        .arg(format!("--dht-listen-port={}", free_port()))
        .arg("--dht-entry-point=127.0.0.1:9")
        .stdin(Stdio::null());
    if seed {
        c.args(["--seed-ratio=0.0", "-V"]);
    } else {
        c.arg("--seed-time=0");
    }
    c.arg(torrent);
    c
}

/// Waits until something accepts TCP on 127.0.0.1:`port`.
pub fn wait_tcp(port: u16) {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(std::time::Instant::now() < deadline, "nothing on {port}");
        std::thread::sleep(Duration::from_millis(50));
    }
}
