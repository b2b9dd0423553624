//! The command tree (clap derive): one subcommand group per protocol family,
//! each documented with an example. Only argument definitions live here; the
//! commands themselves are in `cmd/`.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

/// The Internet's application layer, runnable.
///
/// Servers and clients of the protocols a networking course teaches, and
/// `l7 up`, which runs them together as a small private Internet on this
/// machine with the textbook's own hosts.
#[derive(Debug, Parser)]
#[command(name = "l7", version, propagate_version = true, max_term_width = 100)]
#[command(
    after_help = "Start here:\n  l7 up                             run the textbook world\n  l7 echo send sockets.lab:12000 hello\n  l7 ping pinger.lab:12000 -c 5"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Flags every command takes.
#[derive(Debug, Args)]
pub struct Global {
    /// Print machine-readable JSON instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    /// Print the conversation on the wire (C: / S: lines).
    #[arg(long, global = true)]
    pub trace: bool,
    /// More logging on stderr (-v debug, -vv trace); RUST_LOG overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// The uppercase echo of the socket labs (TCP and UDP).
    #[command(subcommand)]
    Echo(EchoCmd),
    /// A chat room over TCP.
    #[command(subcommand)]
    Chat(ChatCmd),
    /// UDP ping with RTT statistics, and the lab's lossy ping server.
    Ping(PingCmd),
    /// Measure application-level RTT over UDP and TCP against an echo server.
    Rtt(RttArgs),
    /// The web: an HTTP origin server.
    #[command(subcommand)]
    Http(HttpCmd),
    /// E-mail: an SMTP server that delivers into Maildirs.
    #[command(subcommand)]
    Mail(MailCmd),
    /// BitTorrent: the tracker.
    #[command(subcommand)]
    Tracker(TrackerCmd),
    /// DNS: authoritative servers from zone files.
    #[command(subcommand)]
    Dns(DnsCmd),
    /// Run a whole world: every host's servers on loopback addresses.
    Up(UpArgs),
    /// Look at the world: its hosts, and whether one is running.
    #[command(subcommand)]
    World(WorldCmd),
}

/// A duration flag value such as `250ms`, `1s`, `2m`.
pub fn duration(s: &str) -> Result<Duration, String> {
    l7_wire::units::parse_duration(s).map_err(|e| e.to_string())
}

#[derive(Debug, Subcommand)]
pub enum EchoCmd {
    /// Serve the uppercase echo: each line (TCP) or datagram (UDP) comes back upper-cased.
    ///
    /// Example: l7 echo serve --listen 127.0.0.1:12000
    /// then:    nc 127.0.0.1 12000
    Serve(EchoServeArgs),
    /// Send a message (or each line of stdin) to an echo server and print the reply.
    ///
    /// Example: l7 echo send 127.0.0.1:12000 "hello world" --timing
    Send(EchoSendArgs),
}

#[derive(Debug, Args)]
pub struct EchoServeArgs {
    /// Address to listen on (HOST:PORT, or just PORT on 127.0.0.1).
    #[arg(long, default_value = "127.0.0.1:12000")]
    pub listen: String,
    /// Serve TCP (default: both TCP and UDP unless one is chosen).
    #[arg(long)]
    pub tcp: bool,
    /// Serve UDP.
    #[arg(long)]
    pub udp: bool,
    /// Instead of echoing, send TEXT to each TCP client and close.
    #[arg(long, value_name = "TEXT")]
    pub banner: Option<String>,
    /// Close a TCP connection that sends nothing for this long.
    #[arg(long, default_value = "5m", value_parser = duration)]
    pub idle_timeout: Duration,
    /// Most TCP connections served at once.
    #[arg(long, default_value_t = 10_000)]
    pub max_connections: usize,
}

#[derive(Debug, Args)]
pub struct EchoSendArgs {
    /// The server: HOST:PORT (a world host name works while `l7 up` runs).
    pub addr: String,
    /// The message; without it, each line of stdin is sent.
    pub message: Vec<String>,
    /// Use UDP instead of TCP.
    #[arg(long)]
    pub udp: bool,
    /// Print when the request left and the reply arrived, and the RTT.
    #[arg(long)]
    pub timing: bool,
    /// How long to wait for a reply.
    #[arg(long, default_value = "2s", value_parser = duration)]
    pub timeout: Duration,
}

#[derive(Debug, Subcommand)]
pub enum ChatCmd {
    /// Serve a chat room: every line a member sends reaches all others.
    ///
    /// Example: l7 chat serve --listen 127.0.0.1:1235
    /// then:    nc 127.0.0.1 1235   (first line: your name; `quit` leaves)
    Serve(ChatServeArgs),
    /// Join a chat room: lines you type are sent, lines of others are printed.
    ///
    /// Example: l7 chat join sockets.lab:1235 --name alice
    Join(ChatJoinArgs),
}

#[derive(Debug, Args)]
pub struct ChatServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:1235")]
    pub listen: String,
    /// Close a member that sends nothing for this long.
    #[arg(long, default_value = "1h", value_parser = duration)]
    pub idle_timeout: Duration,
}

#[derive(Debug, Args)]
pub struct ChatJoinArgs {
    /// The room: HOST:PORT.
    pub addr: String,
    /// Your name in the room.
    #[arg(long)]
    pub name: String,
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
#[command(
    after_help = "Examples:\n  l7 ping 127.0.0.1:12000 -c 10\n  l7 ping serve --loss 0.3 --seed 7"
)]
pub struct PingCmd {
    #[command(subcommand)]
    pub serve: Option<PingServeCmd>,
    #[command(flatten)]
    pub client: PingArgs,
}

#[derive(Debug, Subcommand)]
pub enum PingServeCmd {
    /// The lab's UDP ping server: upper-cases each datagram, drops a seeded fraction.
    ///
    /// Example: l7 ping serve --loss 0.3 --seed 7 --listen 127.0.0.1:12000
    Serve(PingServeArgs),
}

#[derive(Debug, Args)]
pub struct PingArgs {
    /// The server: HOST:PORT (any UDP echo server works).
    pub addr: Option<String>,
    /// Number of pings.
    #[arg(short = 'c', long, default_value_t = 10)]
    pub count: u32,
    /// How long to wait for each reply.
    #[arg(long, default_value = "1s", value_parser = duration)]
    pub timeout: Duration,
    /// Time between pings.
    #[arg(long, default_value = "1s", value_parser = duration)]
    pub interval: Duration,
}

#[derive(Debug, Args)]
pub struct PingServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:12000")]
    pub listen: String,
    /// Fraction of datagrams to drop (0 to 1), as the lab's server does.
    #[arg(long, default_value_t = 0.3)]
    pub loss: f64,
    /// Seed of the loss: the same seed drops the same datagrams (random if absent).
    #[arg(long)]
    pub seed: Option<u64>,
}

#[derive(Debug, Args)]
#[command(after_help = "Example: l7 rtt sockets.lab:12000 -n 100")]
pub struct RttArgs {
    /// An echo server: HOST:PORT.
    pub addr: String,
    /// Measure over TCP (default: both TCP and UDP unless one is chosen).
    #[arg(long)]
    pub tcp: bool,
    /// Measure over UDP.
    #[arg(long)]
    pub udp: bool,
    /// Samples of each measurement.
    #[arg(short = 'n', long, default_value_t = 100)]
    pub count: usize,
    /// How long to wait for each reply.
    #[arg(long, default_value = "1s", value_parser = duration)]
    pub timeout: Duration,
}

#[derive(Debug, Args)]
#[command(after_help = "Example: l7 up            (Ctrl-C stops the world)")]
pub struct UpArgs {
    /// A world file (TOML); default: the textbook world built into l7.
    #[arg(long)]
    pub world: Option<PathBuf>,
    /// Add this to every port below 1024 (default: 0 when allowed to bind them, else 10000).
    #[arg(long)]
    pub port_offset: Option<u16>,
    /// Where to write the state file l7's clients read (default: $L7_STATE or ~/.local/state/l7/world.json).
    #[arg(long)]
    pub state: Option<PathBuf>,
    /// Where services keep their data, such as Maildirs (default: data/WORLD beside the state file).
    #[arg(long)]
    pub data: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum WorldCmd {
    /// Is a world running? Its hosts and services, with the ports bound.
    Status(StateArgs),
    /// The world's hosts and addresses (the running world's, else the default's).
    Hosts(HostsArgs),
}

#[derive(Debug, Args)]
pub struct StateArgs {
    /// The state file to read.
    #[arg(long)]
    pub state: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct HostsArgs {
    /// A world file to list instead.
    #[arg(long)]
    pub world: Option<PathBuf>,
    /// The state file to read.
    #[arg(long)]
    pub state: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum DnsCmd {
    /// Serve zones authoritatively over UDP and TCP (reload with SIGHUP).
    ///
    /// Example: l7 dns serve --zone example.com.zone --listen 127.0.0.1:5353
    /// then:    dig @127.0.0.1 -p 5353 www.example.com
    Serve(DnsServeArgs),
    /// Run the local DNS server: an iterative caching resolver for your hosts.
    ///
    /// Example: l7 dns resolve --listen 127.0.0.1:5300 --root-hints named.root
    /// then:    dig @127.0.0.1 -p 5300 www.networkutopia.com
    Resolve(DnsResolveArgs),
    /// Ask a DNS server, like dig; --trace walks the hierarchy from the root.
    ///
    /// Example: l7 dns query www.networkutopia.com MX @127.212.212.1
    /// and:     l7 dns query www.networkutopia.com --trace   (with `l7 up` running)
    Query(DnsQueryArgs),
}

#[derive(Debug, Args)]
pub struct DnsQueryArgs {
    /// NAME, then optionally TYPE (A, AAAA, MX, NS, ...) and @SERVER[:PORT], in any order.
    #[arg(required = true, num_args = 1..=3, value_name = "NAME [TYPE] [@SERVER]")]
    pub words: Vec<String>,
    /// Ask over TCP.
    #[arg(long)]
    pub tcp: bool,
    /// Print only the answers' data.
    #[arg(long)]
    pub short: bool,
    /// Ask without recursion desired (RD=0), as a resolver asks authoritative servers.
    #[arg(long)]
    pub norec: bool,
    /// The root server --trace starts from (default: the running world's root).
    #[arg(long, value_name = "ADDR")]
    pub root: Option<String>,
    /// How long to wait for each reply.
    #[arg(long, default_value = "3s", value_parser = duration)]
    pub timeout: Duration,
}

#[derive(Debug, Args)]
pub struct DnsServeArgs {
    /// A zone file (RFC 1035 master format), as FILE (apex = its SOA owner) or APEX=FILE; repeatable.
    #[arg(long = "zone", required = true, value_name = "[APEX=]FILE")]
    pub zones: Vec<String>,
    /// Address to listen on (UDP and TCP).
    #[arg(long, default_value = "127.0.0.1:53")]
    pub listen: String,
    /// Addresses or prefixes allowed to transfer zones (AXFR), e.g. 127.0.0.1 or 10.0.0.0/8.
    #[arg(long = "allow-transfer", value_name = "ADDR[/LEN]")]
    pub allow_transfer: Vec<String>,
    /// Secondaries to NOTIFY (RFC 1996) after each reload, as ADDR:PORT; repeatable.
    #[arg(long = "notify", value_name = "ADDR:PORT")]
    pub notify: Vec<String>,
}

#[derive(Debug, Args)]
pub struct DnsResolveArgs {
    /// Address to listen on for clients (UDP and TCP).
    #[arg(long, default_value = "127.0.0.1:53")]
    pub listen: String,
    /// Root hints (named.root format); default: the running world's root, else the Internet's.
    #[arg(long, value_name = "FILE")]
    pub root_hints: Option<PathBuf>,
    /// Port the root and every server below it listen on.
    #[arg(long, default_value_t = 53)]
    pub upstream_port: u16,
    /// A hosts file whose names are answered first.
    #[arg(long, value_name = "FILE")]
    pub hosts: Option<PathBuf>,
    /// Client networks served (default: loopback only); repeatable.
    #[arg(long = "allow", value_name = "ADDR[/LEN]")]
    pub allow: Vec<String>,
    /// Most cached record sets.
    #[arg(long, default_value_t = 100_000)]
    pub cache_size: usize,
}

#[derive(Debug, Subcommand)]
pub enum HttpCmd {
    /// Serve a directory over HTTP/1.1 and HTTP/2 (static files, listings, ranges, conditional GET).
    ///
    /// HTTP/2 is spoken to clients with prior knowledge on cleartext and by
    /// ALPN over TLS; `--demo-shop` adds the cookie demo under /shop.
    ///
    /// Example: l7 http serve --root ./site --listen 127.0.0.1:8080 --demo-shop
    /// then:    curl -v http://127.0.0.1:8080/
    /// or:      curl --http2-prior-knowledge -c jar -b jar http://127.0.0.1:8080/shop
    Serve(HttpServeArgs),
}

#[derive(Debug, Args)]
pub struct HttpServeArgs {
    /// The document root.
    #[arg(long)]
    pub root: PathBuf,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:80")]
    pub listen: String,
    /// Accept PUT (create or replace, written atomically) and DELETE.
    #[arg(long)]
    pub allow_upload: bool,
    /// Do not list directories that have no index.html.
    #[arg(long)]
    pub no_listing: bool,
    /// A redirects file: lines of `PATH STATUS LOCATION` (e.g. `/old 301 /new`).
    #[arg(long, value_name = "FILE")]
    pub redirects: Option<PathBuf>,
    /// Where the access log (Combined Log Format) goes: a file, `-` for stdout, or `off`.
    #[arg(long, default_value = "-", value_name = "FILE")]
    pub access_log: String,
    /// Serve HTTPS with this certificate chain (PEM); needs --tls-key.
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The certificate's private key (PEM).
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// A request head must arrive within this time (slow senders get 408).
    #[arg(long, default_value = "10s", value_parser = duration)]
    pub header_timeout: Duration,
    /// A persistent connection idle this long is closed.
    #[arg(long, default_value = "60s", value_parser = duration)]
    pub idle_timeout: Duration,
    /// Run the cookie demo shop under /shop: new visitors get an ID in a
    /// cookie, visits are recorded in SQLite, returning visitors are greeted.
    #[arg(long)]
    pub demo_shop: bool,
    /// The demo shop's SQLite database.
    #[arg(long, value_name = "FILE", default_value = "l7-shop.sqlite")]
    pub shop_db: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum MailCmd {
    /// Receive mail over SMTP into Maildirs: an inbound MX for local domains, or a catch-all.
    ///
    /// Example: l7 mail serve --domain hamburger.edu --user bob@hamburger.edu --maildirs ./mail --listen 127.0.0.1:2525
    /// or:      l7 mail serve --catch-all --maildir ./caught --listen 127.0.0.1:2525
    /// then:    swaks --server 127.0.0.1:2525 --to bob@hamburger.edu
    Serve(MailServeArgs),
}

#[derive(Debug, Args)]
pub struct MailServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:25")]
    pub listen: String,
    /// This server's host name (greeting, Received fields).
    #[arg(long, default_value = "localhost")]
    pub hostname: String,
    /// A local domain; repeatable.
    #[arg(long = "domain", value_name = "DOMAIN")]
    pub domains: Vec<String>,
    /// A local user (user@domain); repeatable.
    #[arg(long = "user", value_name = "ADDRESS")]
    pub users: Vec<String>,
    /// Where local users' Maildirs live (one directory per user).
    #[arg(long, value_name = "DIR", default_value = "maildirs")]
    pub maildirs: PathBuf,
    /// Accept mail for any recipient and keep it all in --maildir; never relay.
    #[arg(long, requires = "maildir")]
    pub catch_all: bool,
    /// The catch-all Maildir.
    #[arg(long, value_name = "DIR")]
    pub maildir: Option<PathBuf>,
    /// Largest message accepted (SIZE).
    #[arg(long, default_value = "25MiB", value_parser = size)]
    pub max_size: u64,
}

/// A size flag value such as `25MiB`.
pub fn size(s: &str) -> Result<u64, String> {
    l7_wire::units::parse_size(s).map_err(|e| e.to_string())
}

#[derive(Debug, Subcommand)]
pub enum TrackerCmd {
    /// Run a BitTorrent tracker: HTTP announce/scrape and UDP (BEP 15) on one port.
    ///
    /// Example: l7 tracker serve --listen 127.0.0.1:6969
    /// then:    announce URLs http://127.0.0.1:6969/announce and udp://127.0.0.1:6969
    Serve(TrackerServeArgs),
}

#[derive(Debug, Args)]
pub struct TrackerServeArgs {
    /// Address to listen on (TCP for HTTP, UDP for BEP 15).
    #[arg(long, default_value = "127.0.0.1:6969")]
    pub listen: String,
    /// Track only these torrents: a file of hex info-hashes, one per line.
    #[arg(long, value_name = "FILE")]
    pub whitelist: Option<PathBuf>,
    /// Seconds between announces the tracker asks clients for.
    #[arg(long, default_value = "30m", value_parser = duration)]
    pub interval: Duration,
}
