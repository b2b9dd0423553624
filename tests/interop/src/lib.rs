//! Helpers shared by the interop tests: the built `l7` binary, free loopback
//! ports, servers that stop when the test ends, waiting for a port, and
//! running real peer tools (which must be installed: `scripts/test` installs
//! them; a missing tool fails the test with the command that installs it).
#![forbid(unsafe_code)]

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// The `l7` binary of this build (set `L7_BIN` to test another).
pub fn l7_bin() -> PathBuf {
    if let Some(p) = std::env::var_os("L7_BIN") {
        return PathBuf::from(p);
    }
    // target/<profile>/deps/<test-exe> → target/<profile>/l7
    let exe = std::env::current_exe().expect("test executable path");
    let bin = exe
        .parent()
        .and_then(Path::parent)
        .map(|d| d.join("l7"))
        .expect("target directory");
    assert!(
        bin.exists(),
        "{} is missing: build it first with `cargo build --bin l7` (scripts/test does)",
        bin.display()
    );
    bin
}

/// Runs `l7 ARGS` to completion.
pub fn l7(args: &[&str]) -> Output {
    Command::new(l7_bin())
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run l7")
}

/// Runs `l7 ARGS` with `input` on stdin.
pub fn l7_with_stdin(args: &[&str], input: &[u8]) -> Output {
    run_with_stdin(Command::new(l7_bin()).args(args), input)
}

/// Runs a command with `input` on stdin and collects its output.
pub fn run_with_stdin(cmd: &mut Command, input: &[u8]) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input)
        .expect("write stdin");
    child.wait_with_output().expect("wait")
}

/// Stdout as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Stderr as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A port free for both TCP and UDP on 127.0.0.1 right now, and never
/// handed out before in this process: the kernel offers a released port
/// again soon (a few thousand apart here), and tests running side by side
/// must not start two servers on one port.
pub fn free_port() -> u16 {
    static GIVEN: Mutex<BTreeSet<u16>> = Mutex::new(BTreeSet::new());
    loop {
        let t = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = t.local_addr().expect("addr").port();
        if UdpSocket::bind(("127.0.0.1", port)).is_ok()
            && GIVEN.lock().unwrap_or_else(|p| p.into_inner()).insert(port)
        {
            return port;
        }
    }
}

/// A server process, killed when dropped.
pub struct Server {
    /// The child process.
    pub child: Child,
    /// Its main address.
    pub addr: SocketAddr,
}

impl Server {
    /// Starts `l7 ARGS` and waits until `addr` accepts TCP connections
    /// (or, for `udp_only`, just a moment for the bind).
    pub fn l7(args: &[&str], addr: SocketAddr, udp_only: bool) -> Server {
        let child = Command::new(l7_bin())
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start l7");
        Server::from_child(child, addr, udp_only)
    }

    /// Starts an arbitrary command as a server and waits for `addr`.
    pub fn command(cmd: &mut Command, addr: SocketAddr, udp_only: bool) -> Server {
        let child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}"));
        Server::from_child(child, addr, udp_only)
    }

    /// Adopts a started process and waits until it serves `addr`.
    pub fn from_child(mut child: Child, addr: SocketAddr, udp_only: bool) -> Server {
        if udp_only {
            wait_udp_bound(addr);
        } else {
            let deadline = Instant::now() + Duration::from_secs(20);
            while TcpStream::connect(addr).is_err() {
                if let Ok(Some(status)) = child.try_wait() {
                    panic!("server for {addr} exited early: {status}");
                }
                assert!(Instant::now() < deadline, "server did not listen on {addr}");
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        Server { child, addr }
    }

    /// Resident memory of the server process, in KiB (Linux).
    pub fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .expect("read /proc status");
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmRSS line")
    }

    /// True while the process runs.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Sends SIGTERM and returns the exit status.
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        let pid = self.child.id() as i32;
        let rc = Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .expect("kill");
        assert!(rc.success());
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "server did not stop within 10s of SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits until something is bound to UDP `addr` (a bind there fails).
pub fn wait_udp_bound(addr: SocketAddr) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while UdpSocket::bind(addr).is_ok() {
        assert!(Instant::now() < deadline, "nothing bound UDP {addr}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A real peer tool, which must be installed (no silent skipping).
pub fn tool(name: &str) -> Command {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {name}")])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    assert!(
        found,
        "{name} is not installed: run scripts/test (it installs every peer tool), or install it yourself"
    );
    Command::new(name)
}

/// Path of a peer script shipped in tests/interop/peers.
pub fn peer_script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("peers")
        .join(name)
}

/// One TCP request: connect, send `data`, read until the peer closes or `until` is seen.
pub fn tcp_exchange(addr: SocketAddr, data: &[u8], until: &[u8]) -> Vec<u8> {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(data).unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while !got.windows(until.len().max(1)).any(|w| w == until) {
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) => panic!("reading from {addr}: {e}"),
        }
    }
    got
}

/// A fresh scratch directory for one test, removed when dropped.
pub struct Scratch(pub PathBuf);

impl Scratch {
    /// Creates `$TMPDIR/l7-<name>-<pid>-<n>`, `n` counting the process's
    /// scratch directories (tests side by side may pick one name).
    pub fn new(name: &str) -> Scratch {
        static COUNT: AtomicUsize = AtomicUsize::new(0);
        let n = COUNT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("l7-{name}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create scratch dir");
        Scratch(dir)
    }

    /// A path inside the directory.
    pub fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// python3 with the PyPI peers scripts/install-peers put in .tools/python.
pub fn python_peer() -> Command {
    let mut c = tool("python3");
    c.env(
        "PYTHONPATH",
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.tools/python"),
    );
    c
}

/// A self-signed certificate for `name` made by openssl (a P-256 key, one
/// day): returns the certificate and key PEM paths inside `dir`.
pub fn self_signed_cert(dir: &Scratch, name: &str) -> (PathBuf, PathBuf) {
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let o = tool("openssl")
        .args(["req", "-x509", "-newkey", "ec"])
        .args([
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-days",
            "1",
        ])
        .args(["-subj", &format!("/CN={name}")])
        .args(["-addext", &format!("subjectAltName=DNS:{name}")])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    (cert, key)
}

/// Deterministic bytes that do not compress (file contents for transfer tests).
pub fn pseudo_random(len: usize, seed: u32) -> Vec<u8> {
    (0..len as u32)
        .map(|i| (i.wrapping_add(seed).wrapping_mul(2654435761) >> 13) as u8)
        .collect()
}

/// `l7 http serve --root ROOT` on 127.0.0.1:`port` without an access log,
/// plus `extra` flags; waits until it accepts connections.
pub fn http_serve(root: &Path, port: u16, extra: &[&str]) -> Server {
    let (root, listen) = (root.display().to_string(), format!("127.0.0.1:{port}"));
    let mut args = vec![
        "http",
        "serve",
        "--root",
        &root,
        "--listen",
        &listen,
        "--access-log",
        "off",
    ];
    args.extend_from_slice(extra);
    Server::l7(&args, SocketAddr::from(([127, 0, 0, 1], port)), false)
}

/// `l7 up` with its state file and data under `dir`: returns the running
/// world (killed when dropped) once its state file is written, and that
/// file's contents.
pub fn start_world(dir: &Path) -> (Server, serde_json::Value) {
    let state = dir.join("world.json");
    let child = Command::new(l7_bin())
        .arg("up")
        .arg("--state")
        .arg(&state)
        .arg("--data")
        .arg(dir.join("data"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let echo = SocketAddr::from(([127, 0, 50, 1], 12000));
    let up = Server::from_child(child, echo, false);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !state.exists() {
        assert!(std::time::Instant::now() < deadline, "no state file");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let st = serde_json::from_slice(&std::fs::read(&state).unwrap()).unwrap();
    (up, st)
}

/// Runs mutt over IMAP as a person would: `user`/`password` logging in to
/// `folder` (an `imap://host:port/INBOX` URL) with a settings file written
/// into `dir`, typing `keys` (a mutt `push` string, ending in `<quit>`)
/// under the pseudo-terminal `script` gives it.
pub fn mutt(dir: &Path, user: &str, password: &str, folder: &str, keys: &str) -> Output {
    let muttrc = dir.join("muttrc");
    std::fs::write(
        &muttrc,
        format!(
            "set imap_user='{user}'\nset imap_pass='{password}'\nset ssl_starttls=no\n\
             set ssl_force_tls=no\nset delete=yes\nset move=no\nset wait_key=no\n\
             set sleep_time=0\nset header_cache=\nset message_cachedir=\n"
        ),
    )
    .unwrap();
    let command = format!(
        "mutt -n -F {} -f {folder} -e 'push \"{keys}\"'",
        muttrc.display()
    );
    tool("script")
        .env("TERM", "xterm")
        .args(["-qec", &command, "/dev/null"])
        .output()
        .unwrap()
}

/// `l7 dash package --synthetic LENGTH -o DIR --ladder LADDER --segment 2s`,
/// which must succeed; returns its stdout.
pub fn dash_package(dir: &Path, length: &str, ladder: &str) -> String {
    let out = dir.display().to_string();
    let o = l7(&[
        "dash",
        "package",
        "--synthetic",
        length,
        "-o",
        &out,
        "--ladder",
        ladder,
        "--segment",
        "2s",
    ]);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    stdout(&o)
}

/// `l7 dash serve` for `root` on 127.0.0.1:`port`, access log off, with `extra` flags.
pub fn dash_serve(root: &Path, port: u16, extra: &[&str]) -> Server {
    let (root, listen) = (root.display().to_string(), format!("127.0.0.1:{port}"));
    let mut args = vec!["dash", "serve", "--root", &root, "--listen", &listen];
    args.extend(["--access-log", "off"]);
    args.extend_from_slice(extra);
    Server::l7(&args, SocketAddr::from(([127, 0, 0, 1], port)), false)
}

/// The status code curl reports for a GET of `url` (with `extra` curl
/// flags, which win over the defaults), as text: "000" when curl got no
/// response at all.
pub fn http_code(url: &str, extra: &[&str]) -> String {
    let o = tool("curl")
        .args([
            "-s",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "--max-time",
            "30",
        ])
        .args(extra)
        .arg(url)
        .output()
        .unwrap();
    stdout(&o)
}

/// The X-Cache field of a caching proxy's answer to curl's GET of `url`
/// (with `extra` curl flags, e.g. a Host header); empty when absent.
pub fn x_cache(url: &str, extra: &[&str]) -> String {
    let o = tool("curl")
        .args(["-sS", "--max-time", "30", "-o", "/dev/null", "-D", "-"])
        .args(extra)
        .arg(url)
        .output()
        .unwrap();
    assert!(o.status.success(), "curl {url}: {}", stderr(&o));
    stdout(&o)
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("x-cache")
                .then(|| value.trim().to_string())
        })
        .unwrap_or_default()
}
