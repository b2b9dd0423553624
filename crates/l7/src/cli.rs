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
    /// Threads that run connections (default: one per core); 1 runs the
    /// whole command on one thread, as nginx's `worker_processes 1`.
    #[arg(long, global = true, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub threads: Option<u16>,
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
    /// BitTorrent: make, inspect, download and seed torrents.
    #[command(subcommand)]
    Torrent(TorrentCmd),
    /// Fetch a URL (curl-like): HTTP/1.1, HTTP/2, TLS, cookies, a private cache, page mode.
    ///
    /// Example: l7 get -v http://gaia.cs.umass.edu/
    Get(GetArgs),
    /// Experiments: the course's claims reproduced on l7's engines in a
    /// deterministic simulator, with plots.
    #[command(subcommand)]
    Sim(SimCmd),
    /// The web cache: a caching forward proxy (or reverse proxy with --origin).
    ///
    /// Example: l7 proxy --listen 127.0.0.1:3128
    /// then:    curl -x http://127.0.0.1:3128 http://gaia.cs.umass.edu/
    Proxy(ProxyArgs),
    /// Streaming video (DASH): package a bitrate ladder with ffmpeg, serve
    /// it, write the shipped bandwidth traces.
    #[command(subcommand)]
    Dash(DashCmd),
    /// A headless adaptive DASH player: fetch an MPD and its segments, choose
    /// a bitrate per segment (ABR), model the play-out buffer, report QoE.
    ///
    /// Example: l7 play http://video.netcinema.com/manifest.mpd --abr hybrid --plot play.svg
    Play(PlayArgs),
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
    /// routing: l7 dns serve --zone kingcdn.com.zone --routes kingcdn.routes.toml
    /// then:    dig @127.0.0.1 video.netcinema.kingcdn.com +subnet=203.0.113.0/24
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
    /// Response rate limiting over UDP: at most this many responses per second
    /// for each client /24 (IPv4) or /56 (IPv6) and answer (default 5 with --rrl).
    #[arg(long, value_name = "PER_SECOND", num_args = 0..=1, default_missing_value = "5")]
    pub rrl: Option<u32>,
    /// With --rrl: every Nth dropped response goes out truncated (TC=1) so real
    /// clients retry over TCP; 0 never.
    #[arg(long, value_name = "N", default_value_t = 2)]
    pub rrl_slip: u32,
    /// Request routing (a CDN's DNS): a TOML file mapping client prefixes to
    /// edges per name, matched on the EDNS Client Subnet or the querier's
    /// address; edges are health-checked over TCP. Reloaded on SIGHUP.
    #[arg(long, value_name = "FILE")]
    pub routes: Option<PathBuf>,
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
    Serve(Box<MailServeArgs>),
    /// Compose a message and submit it (RFC 5322, MIME for attachments).
    ///
    /// Example: l7 mail send --from alice@crepes.fr --to bob@hamburger.edu --subject Hi --body "Do you like ketchup?"
    /// (in a running world the submission server and alice's password come from the state file)
    Send(MailSendArgs),
    /// List the outbound queue, or retry every queued message now.
    ///
    /// Example: l7 mail queue --queue ./queue --flush
    Queue(MailQueueArgs),
    /// Manage the accounts that may submit mail (passwords hashed with argon2id).
    #[command(subcommand)]
    User(MailUserCmd),
    /// Fetch a mailbox over POP3 or IMAP: print the messages, or save them to a Maildir.
    ///
    /// Example: l7 mail fetch --pop3 --server 127.0.0.1:110 --user bob@hamburger.edu --password hungry --keep
    /// or:      L7_MAIL_PASSWORD=hungry l7 mail fetch --user bob@hamburger.edu -o ./bob-mail
    Fetch(MailFetchArgs),
}

#[derive(Debug, Subcommand)]
pub enum MailUserCmd {
    /// Add a user or change a password (read from --password, else from stdin).
    ///
    /// Example: echo ketchup | l7 mail user add alice@crepes.fr --users-file users
    Add(MailUserAddArgs),
}

#[derive(Debug, Args)]
pub struct MailUserAddArgs {
    /// The address, user@domain.
    pub address: String,
    /// The password (default: the first line of stdin).
    #[arg(long)]
    pub password: Option<String>,
    /// The users file.
    #[arg(long, value_name = "FILE", default_value = "users")]
    pub users_file: PathBuf,
}

#[derive(Debug, Args)]
pub struct MailQueueArgs {
    /// The queue directory (as given to `l7 mail serve --queue`; its default there is maildirs/.queue).
    #[arg(long, value_name = "DIR", default_value = "maildirs/.queue")]
    pub queue: PathBuf,
    /// Make every queued message due now (a running server retries within seconds).
    #[arg(long)]
    pub flush: bool,
}

#[derive(Debug, Args)]
pub struct MailSendArgs {
    /// The sender (MAIL FROM and From:).
    #[arg(long)]
    pub from: String,
    /// A recipient; repeatable.
    #[arg(long, required = true)]
    pub to: Vec<String>,
    /// The subject.
    #[arg(long)]
    pub subject: Option<String>,
    /// The text of the message.
    #[arg(long, conflicts_with = "file")]
    pub body: Option<String>,
    /// Read the text of the message from a file.
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Attach a file; repeatable.
    #[arg(long, value_name = "FILE")]
    pub attach: Vec<PathBuf>,
    /// Submission server HOST:PORT (default: the sender's server in the running world).
    #[arg(long)]
    pub server: Option<String>,
    /// Log in as this user (default: the sender, when a password is known).
    #[arg(long)]
    pub user: Option<String>,
    /// The password (default: the running world's, else $L7_MAIL_PASSWORD).
    #[arg(long)]
    pub password: Option<String>,
    /// Connect with TLS at once (port 465) instead of STARTTLS.
    #[arg(long)]
    pub tls: bool,
    /// Trust these CA certificates (PEM) instead of accepting any certificate.
    #[arg(long, value_name = "FILE")]
    pub ca: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct MailFetchArgs {
    /// Use POP3 (the default).
    #[arg(long, conflicts_with = "imap")]
    pub pop3: bool,
    /// Use IMAP.
    #[arg(long)]
    pub imap: bool,
    /// The IMAP folder to fetch.
    #[arg(long, default_value = "INBOX", requires = "imap")]
    pub folder: String,
    /// The server, HOST:PORT (a world host name works while a world runs);
    /// by default the user's server in the running world, else 127.0.0.1:110
    /// for POP3 and 127.0.0.1:143 for IMAP.
    #[arg(long)]
    pub server: Option<String>,
    /// The account, e.g. bob@hamburger.edu.
    #[arg(long)]
    pub user: String,
    /// Its password (default: the running world's, else $L7_MAIL_PASSWORD).
    #[arg(long)]
    pub password: Option<String>,
    /// Leave the messages on the server (download-and-keep); by default they are deleted.
    #[arg(long)]
    pub keep: bool,
    /// Save into this Maildir (created if needed) instead of printing.
    #[arg(short = 'o', long = "output", value_name = "DIR")]
    pub output: Option<PathBuf>,
    /// Largest message accepted.
    #[arg(long, default_value = "64MiB", value_parser = size)]
    pub max_size: u64,
    /// Seconds to wait for each reply.
    #[arg(long, default_value = "30s", value_parser = duration)]
    pub timeout: Duration,
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
    /// Read the whole server from a TOML file: hostname, domains, users, users_file, aliases, maildirs or catch_all, queue, max_size, [[listen]] role (mx, submission, submissions) and address, [tls] cert/key, [relay] resolver or smarthost, mx_port, retry, max_age. Other flags are then ignored.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Also listen for submission with STARTTLS + AUTH (port 587).
    #[arg(long, value_name = "ADDR")]
    pub submission: Option<String>,
    /// Also listen for submission over implicit TLS (port 465).
    #[arg(long, value_name = "ADDR")]
    pub submissions: Option<String>,
    /// TLS certificate chain (PEM); without one a self-signed certificate is made.
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// TLS private key (PEM).
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// The durable queue's directory (default: .queue inside --maildirs, or DIR.queue beside a catch-all --maildir DIR).
    #[arg(long, value_name = "DIR")]
    pub queue: Option<PathBuf>,
    /// Accounts allowed to AUTH (made with `l7 mail user add`).
    #[arg(long, value_name = "FILE")]
    pub users_file: Option<PathBuf>,
    /// DNS resolver for MX lookups (default: the running world's, else the system's).
    #[arg(long, value_name = "ADDR")]
    pub resolver: Option<String>,
    /// Relay every outgoing message to this host instead of looking up MX records.
    #[arg(long, value_name = "ADDR")]
    pub smarthost: Option<String>,
    /// Port of the receiving mail servers.
    #[arg(long, default_value_t = 25)]
    pub mx_port: u16,
    /// Give up on (and bounce) a message still undelivered after this long.
    #[arg(long, default_value = "5d", value_parser = duration)]
    pub max_age: Duration,
    /// Delay before the first retry (doubling up to 4 hours).
    #[arg(long, default_value = "5m", value_parser = duration)]
    pub retry: Duration,
    /// Also serve POP3 on this address (STLS when --tls-cert is given), e.g. 127.0.0.1:110.
    #[arg(long, value_name = "ADDR")]
    pub pop3: Option<String>,
    /// Also serve POP3 over implicit TLS on this address (port 995); needs --tls-cert.
    #[arg(long, value_name = "ADDR", requires = "tls_cert")]
    pub pop3s: Option<String>,
    /// Also serve IMAP on this address (STARTTLS when --tls-cert is given), e.g. 127.0.0.1:143.
    #[arg(long, value_name = "ADDR")]
    pub imap: Option<String>,
    /// Also serve IMAP over implicit TLS on this address (port 993); needs --tls-cert.
    #[arg(long, value_name = "ADDR", requires = "tls_cert")]
    pub imaps: Option<String>,
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

#[derive(Debug, Subcommand)]
pub enum TorrentCmd {
    /// Make a .torrent from a file or a directory (pieces hashed on every core).
    ///
    /// Example: l7 torrent create movie.mp4 --tracker http://tracker.bittorrent.test:6969/announce
    Create(TorrentCreateArgs),
    /// Print a .torrent's name, size, pieces, files, trackers, info-hash and magnet link.
    ///
    /// Example: l7 torrent show movie.mp4.torrent
    Show(TorrentShowArgs),
    /// Download a torrent's files from its swarm (trackers, plus --peer addresses).
    ///
    /// Example: l7 torrent get sample.torrent -o downloads
    Get(TorrentGetArgs),
    /// Seed files already on disk to a torrent's swarm, until Ctrl-C.
    ///
    /// Example: l7 torrent seed sample.torrent --data . --listen 127.0.0.1:6881
    Seed(TorrentSeedArgs),
}

#[derive(Debug, Args)]
pub struct TorrentCreateArgs {
    /// The file or directory to share.
    pub path: PathBuf,
    /// Where to write the torrent (default: NAME.torrent here).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Bytes per piece: a power of two from 16KiB to 64MiB.
    #[arg(long, default_value = "256KiB", value_parser = size)]
    pub piece_length: u64,
    /// A tracker's announce URL (http:// or udp://); repeat for backups (BEP 12 tiers).
    #[arg(long = "tracker", value_name = "URL")]
    pub trackers: Vec<String>,
    /// Mark the torrent private (BEP 27: trackers only, no peer exchange).
    #[arg(long)]
    pub private: bool,
    /// A free-text comment.
    #[arg(long)]
    pub comment: Option<String>,
    /// Hashing threads (default: one per core).
    #[arg(long)]
    pub threads: Option<usize>,
}

#[derive(Debug, Args)]
pub struct TorrentShowArgs {
    /// The .torrent file.
    pub torrent: PathBuf,
}

/// Flags `get` and `seed` share.
#[derive(Debug, Args)]
pub struct TorrentPeerArgs {
    /// Where to accept peers (its IP is also the source of outgoing
    /// connections); port 0 picks a free one, which the trackers learn.
    #[arg(long, default_value = "0.0.0.0:0")]
    pub listen: String,
    /// Most peer connections.
    #[arg(long, default_value_t = 50)]
    pub max_peers: usize,
    /// Upload rate cap, e.g. 10Mbit or 2MB/s (default: none).
    #[arg(long, value_parser = rate)]
    pub upload_limit: Option<u64>,
    /// A peer to connect to besides those the trackers give (HOST:PORT); repeatable.
    #[arg(long = "peer", value_name = "ADDR")]
    pub peers: Vec<String>,
}

#[derive(Debug, Args)]
pub struct TorrentGetArgs {
    /// The .torrent file.
    pub torrent: PathBuf,
    /// Directory to download into (resumes what is already there).
    #[arg(short, long, value_name = "DIR", default_value = ".")]
    pub output: PathBuf,
    /// Keep seeding once complete, until Ctrl-C.
    #[arg(long)]
    pub seed: bool,
    /// Download rate cap, e.g. 10Mbit or 2MB/s (default: none).
    #[arg(long, value_parser = rate)]
    pub download_limit: Option<u64>,
    #[command(flatten)]
    pub peer: TorrentPeerArgs,
}

#[derive(Debug, Args)]
pub struct TorrentSeedArgs {
    /// The .torrent file.
    pub torrent: PathBuf,
    /// Directory holding the torrent's files (as `get -o DIR` would lay them out).
    #[arg(long, value_name = "DIR")]
    pub data: PathBuf,
    #[command(flatten)]
    pub peer: TorrentPeerArgs,
}

/// A rate flag value such as `10Mbit` or `2MB/s`, in bytes per second.
pub fn rate(s: &str) -> Result<u64, String> {
    l7_wire::units::parse_rate(s)
        .map(|bits| bits / 8)
        .map_err(|e| e.to_string())
}

/// `l7 get`: -v prints the messages (-vv adds debug logs).
#[derive(Debug, Args)]
pub struct GetArgs {
    /// The URL (http:// or https://; no scheme means http://).
    pub url: String,
    /// Send a HEAD request and print the response head.
    #[arg(short = 'I', long = "head")]
    pub head: bool,
    /// The method (default GET, or POST with --data).
    #[arg(short = 'X', long = "request", value_name = "METHOD")]
    pub method: Option<String>,
    /// A request body (POST unless -X says otherwise); @FILE reads a file.
    #[arg(short = 'd', long = "data", value_name = "DATA")]
    pub data: Option<String>,
    /// An extra header field, `Name: value`; repeatable.
    #[arg(short = 'H', long = "header", value_name = "FIELD")]
    pub headers: Vec<String>,
    /// Write the body to FILE instead of stdout.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Follow redirects (301, 302, 303, 307, 308).
    #[arg(short = 'L', long = "location")]
    pub follow: bool,
    /// Speak HTTP/1.0 (no persistent connection).
    #[arg(long = "http1.0", conflicts_with = "http2")]
    pub http10: bool,
    /// Speak HTTP/2 (ALPN over TLS; prior knowledge over cleartext).
    #[arg(long = "http2")]
    pub http2: bool,
    /// Send requests through this HTTP proxy (CONNECT tunnels for https).
    #[arg(long, value_name = "URL")]
    pub proxy: Option<String>,
    /// Read cookies from FILE (Netscape format, as curl writes) and save them back.
    #[arg(long, value_name = "FILE")]
    pub cookie_jar: Option<PathBuf>,
    /// A private browser cache in DIR: fresh answers served locally, stale ones revalidated.
    #[arg(long, value_name = "DIR")]
    pub cache: Option<PathBuf>,
    /// Also trust the CA certificates in this PEM file.
    #[arg(long, value_name = "FILE")]
    pub cacert: Vec<PathBuf>,
    /// Fetch the page and every object it references (img, script, link); time each.
    #[arg(long)]
    pub page: bool,
    /// With --page: one connection per object, or one kept open.
    #[arg(long, value_enum, default_value = "persistent")]
    pub connections: Persistence,
    /// With --page: objects fetched at once (one connection each).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub parallel: u16,
    /// Bound on connecting, and on the silence between two reads.
    #[arg(long, default_value = "30s", value_parser = duration)]
    pub timeout: Duration,
}

/// Connection use in page mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Persistence {
    /// A new TCP connection for every object (2 RTTs per object).
    NonPersistent,
    /// One connection reused for every object.
    Persistent,
}

/// A rate flag value such as `10Mbit`, in bits per second.
pub fn bitrate(s: &str) -> Result<u64, String> {
    l7_wire::units::parse_rate(s).map_err(|e| e.to_string())
}

/// An inclusive range flag value such as `1..30`.
pub fn range(s: &str) -> Result<std::ops::RangeInclusive<usize>, String> {
    let (a, b) = s
        .split_once("..")
        .ok_or_else(|| format!("{s:?} is not a range: write FIRST..LAST, e.g. 1..30"))?;
    let num = |v: &str| {
        v.trim_start_matches('=')
            .parse::<usize>()
            .map_err(|_| format!("{v:?} in {s:?} is not a whole number"))
    };
    let (a, b) = (num(a)?, num(b)?);
    if a == 0 || a > b {
        return Err(format!(
            "range {s:?} must go up from at least 1, e.g. 1..30"
        ));
    }
    Ok(a..=b)
}

#[derive(Debug, Subcommand)]
pub enum SimCmd {
    /// File distribution time, P2P (l7's BitTorrent engine) against
    /// client-server, beside the course's bounds D_cs and D_P2P.
    ///
    /// Defaults reproduce the course's chart: F/u = 1 hour, u_s = 10u,
    /// d_min = u_s.
    ///
    /// Example: l7 sim p2p --sweep 1..30 --client-server --plot chart.svg
    ///          l7 sim p2p --peers 10 --free-riders 3
    P2p(SimP2pArgs),
    /// Page load time: non-persistent (serial, k parallel), persistent,
    /// pipelined and HTTP/2 (the h2 crate) against the course's RTT
    /// formulas; with --hol, one large object ahead of three small ones.
    ///
    /// Example: l7 sim http --objects 10 --rtt 100ms --bandwidth 10Mbit --plot load.svg
    ///          l7 sim http --hol --plot hol.png
    Http(SimHttpArgs),
    /// The local DNS server's cache: l7's iterative resolver asking root,
    /// TLD and authoritative servers, cold and warm, and the effect of TTLs.
    ///
    /// Example: l7 sim dns --rtt-root 100ms --rtt-tld 60ms --rtt-auth 40ms --plot dns.svg
    ///          l7 sim dns --names names.txt --queries 500
    ///          l7 sim dns --ttls 1,60,300,3600 --plot ttl.svg
    Dns(SimDnsArgs),
    /// DASH streaming: l7's player and ABR algorithms (rate, bola, hybrid,
    /// mpc) over a bandwidth trace; bitrate, stalls and QoE_lin.
    ///
    /// Example: l7 sim dash --shape step-down --abr bola --plot dash.svg
    ///          l7 sim dash --compare
    Dash(SimDashArgs),
}

#[derive(Debug, Args)]
pub struct SimDnsArgs {
    /// RTT to the root server.
    #[arg(long, default_value = "100ms", value_parser = duration)]
    pub rtt_root: Duration,
    /// RTT to the TLD server.
    #[arg(long, default_value = "60ms", value_parser = duration)]
    pub rtt_tld: Duration,
    /// RTT to each authoritative server.
    #[arg(long, default_value = "40ms", value_parser = duration)]
    pub rtt_auth: Duration,
    /// File of names to ask about, one per line, most popular first (`#`
    /// starts a comment); a server is made up for each TLD and each
    /// second-level domain in it.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["domains", "generated_names"])]
    pub names: Option<PathBuf>,
    /// Without --names: second-level domains of generated names
    /// (hostI.domainJ.com), each with its own server.
    #[arg(long, default_value_t = 3)]
    pub domains: usize,
    /// Without --names: generated names per domain.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub generated_names: usize,
    /// Questions asked, one after another (popular names more often).
    #[arg(long, default_value_t = 100)]
    pub queries: usize,
    /// Time between questions.
    #[arg(long, default_value = "10s", value_parser = duration)]
    pub interval: Duration,
    /// TTL of the answers.
    #[arg(long, default_value = "300s", value_parser = duration)]
    pub ttl: Duration,
    /// Compare these answer TTLs (seconds), e.g. 1,60,300,3600.
    #[arg(long, value_delimiter = ',')]
    pub ttls: Vec<u32>,
    /// Seed: which names are asked.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Write a plot (.svg or .png).
    #[arg(long, value_name = "FILE")]
    pub plot: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct SimHttpArgs {
    /// Objects referenced by the base page.
    #[arg(long, default_value_t = 10)]
    pub objects: usize,
    /// Size of each object (and of the base page).
    #[arg(long, default_value = "10KiB", value_parser = size)]
    pub object_size: u64,
    /// Round-trip time between browser and server.
    #[arg(long, default_value = "100ms", value_parser = duration)]
    pub rtt: Duration,
    /// Bandwidth of the path.
    #[arg(long, default_value = "10Mbit", value_parser = bitrate)]
    pub bandwidth: u64,
    /// k, the parallel non-persistent connections.
    #[arg(long, default_value_t = 5)]
    pub parallel: usize,
    /// Run the head-of-line case instead: one large object, then three small.
    #[arg(long)]
    pub hol: bool,
    /// The large object of --hol.
    #[arg(long, default_value = "1MiB", value_parser = size)]
    pub large: u64,
    /// Seed (the run is deterministic).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Write a plot (.svg or .png): load time against 1..=objects, or the
    /// arrival of each object with --hol.
    #[arg(long, value_name = "FILE")]
    pub plot: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct SimP2pArgs {
    /// File size F.
    #[arg(long, default_value = "64MiB", value_parser = size)]
    pub file: u64,
    /// Number of downloading peers N.
    #[arg(long, default_value_t = 10)]
    pub peers: usize,
    /// Server (initial seed) upload rate u_s [default: 10 × peer upload].
    #[arg(long, value_parser = bitrate)]
    pub server_up: Option<u64>,
    /// Peer upload rate u [default: F per hour].
    #[arg(long, value_parser = bitrate)]
    pub peer_up: Option<u64>,
    /// Peer download rate d [default: the server's upload rate].
    #[arg(long, value_parser = bitrate)]
    pub peer_down: Option<u64>,
    /// Piece size [default: a power of two from 16KiB to 256KiB that cuts
    /// the file into at least 256 pieces, where it can].
    #[arg(long, value_parser = size)]
    pub piece: Option<u64>,
    /// One-way latency between hosts.
    #[arg(long, default_value = "20ms", value_parser = duration)]
    pub latency: Duration,
    /// Seed of every random choice (same seed, same result).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Run every N in FIRST..LAST (the course's chart: 1..30).
    #[arg(long, value_parser = range, value_name = "FIRST..LAST")]
    pub sweep: Option<std::ops::RangeInclusive<usize>>,
    /// Also measure client-server distribution.
    #[arg(long)]
    pub client_server: bool,
    /// Make K of the N peers free riders (never upload); runs K = 0..=K.
    #[arg(long, value_name = "K")]
    pub free_riders: Option<usize>,
    /// Compare rarest-first with random piece selection.
    #[arg(long)]
    pub compare_selection: bool,
    /// Write a plot (.svg or .png).
    #[arg(long, value_name = "FILE")]
    pub plot: Option<PathBuf>,
}

/// `l7 proxy`.
#[derive(Debug, Args)]
pub struct ProxyArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:3128")]
    pub listen: String,
    /// Where the cache keeps its entries (kept across restarts).
    #[arg(long, value_name = "DIR", default_value = "l7-proxy-cache")]
    pub cache_dir: PathBuf,
    /// Reverse-proxy mode: send every request to this origin (http://).
    #[arg(long, value_name = "URL")]
    pub origin: Option<String>,
    /// Most bytes the cache keeps on disk (least recently used go first).
    #[arg(long, default_value = "1GiB", value_parser = size)]
    pub max_size: u64,
    /// Clients allowed to use the proxy (default loopback only); repeatable.
    #[arg(long = "allow", value_name = "ADDR[/LEN]")]
    pub allow: Vec<String>,
    /// Clients allowed to PURGE (default loopback only); repeatable.
    #[arg(long = "purge-from", value_name = "ADDR[/LEN]")]
    pub purge_from: Vec<String>,
    /// Ports CONNECT tunnels may reach; repeatable.
    #[arg(long = "connect-port", value_name = "PORT", default_value = "443")]
    pub connect_ports: Vec<u16>,
    /// Bound on reaching an origin, and on its silences.
    #[arg(long, default_value = "30s", value_parser = duration)]
    pub timeout: Duration,
    /// Pace every response to this bandwidth trace (`time_s kbit_s` lines),
    /// as `l7 dash serve --shape` does: a shaped CDN edge.
    #[arg(long, value_name = "TRACE")]
    pub shape: Option<std::path::PathBuf>,
    /// Serve clients over HTTPS (HTTP/2 or HTTP/1.1 by ALPN) with this
    /// certificate chain (PEM); needs --tls-key.
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The certificate's private key (PEM).
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum DashCmd {
    /// Encode a video into an aligned bitrate ladder and a SegmentTemplate MPD (runs ffmpeg).
    ///
    /// Example: l7 dash package --synthetic 120s -o ./video
    /// or:      l7 dash package movie.mkv -o ./video --ladder 375k,1750k,4300k --segment 2s
    Package(DashPackageArgs),
    /// The DASH origin: an HTTP server for a packaged directory, with DASH's
    /// media types and cache policy, optionally paced to a bandwidth trace.
    ///
    /// Example: l7 dash serve --root ./video --listen 127.0.0.1:8080
    /// then:    l7 play http://127.0.0.1:8080/manifest.mpd
    Serve(DashServeArgs),
    /// Write the shipped bandwidth traces (steady, step-down, oscillating,
    /// 3G-like, LTE-like): one `time_s kbit_s` line per step.
    ///
    /// Example: l7 dash traces -o worlds/textbook/traces --seed 1
    Traces(DashTracesArgs),
}

/// `l7 dash package`.
#[derive(Debug, Args)]
pub struct DashPackageArgs {
    /// The video to encode (anything ffmpeg reads); omit with --synthetic.
    #[arg(required_unless_present = "synthetic", conflicts_with = "synthetic")]
    pub input: Option<PathBuf>,
    /// Directory for the MPD and segments (created if missing).
    #[arg(short, long, value_name = "DIR")]
    pub out: PathBuf,
    /// Video bit rates, one representation each (comma-separated).
    #[arg(long, value_delimiter = ',', value_parser = bitrate,
          default_value = "235k,375k,750k,1750k,3000k,4300k")]
    pub ladder: Vec<u64>,
    /// Segment duration (every rung has a keyframe at each boundary).
    #[arg(long, default_value = "4s", value_parser = duration)]
    pub segment: Duration,
    /// Make a test video of this length from ffmpeg's test sources instead of reading INPUT.
    #[arg(long, value_parser = duration, value_name = "DURATION")]
    pub synthetic: Option<Duration>,
    /// Output frame rate.
    #[arg(long, default_value_t = 25)]
    pub fps: u32,
    /// Audio bit rate (AAC); 0 leaves the audio out.
    #[arg(long, default_value = "64k", value_parser = bitrate)]
    pub audio: u64,
}

/// `l7 dash serve`.
#[derive(Debug, Args)]
pub struct DashServeArgs {
    /// The packaged directory (holding manifest.mpd).
    #[arg(long)]
    pub root: PathBuf,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:80")]
    pub listen: String,
    /// Pace every response to this bandwidth trace (`time_s kbit_s` lines),
    /// one link shared by all connections, its clock starting with the first byte.
    #[arg(long, value_name = "TRACE")]
    pub shape: Option<PathBuf>,
    /// How long caches may reuse the MPD (segments are immutable).
    #[arg(long, default_value = "2s", value_parser = duration)]
    pub manifest_max_age: Duration,
    /// Where the access log (Combined Log Format) goes: a file, `-` for stdout, or `off`.
    #[arg(long, default_value = "-", value_name = "FILE")]
    pub access_log: String,
}

/// `l7 play`.
#[derive(Debug, Args)]
pub struct PlayArgs {
    /// The MPD's URL.
    pub url: String,
    /// Adaptation algorithm: rate (throughput), bola (buffer), hybrid (rate
    /// while the buffer is short, BOLA once long), mpc (robust MPC).
    #[arg(long, default_value = "hybrid", value_parser = ["rate", "bola", "hybrid", "mpc"])]
    pub abr: String,
    /// Buffer needed before playback starts.
    #[arg(long, default_value = "4s", value_parser = duration)]
    pub startup: Duration,
    /// The most the player buffers ahead.
    #[arg(long, default_value = "30s", value_parser = duration)]
    pub buffer: Duration,
    /// Never abandon a download that would stall.
    #[arg(long)]
    pub no_abandon: bool,
    /// Write the throughput each segment measured as a bandwidth trace
    /// (`time_s kbit_s`), which `--shape` and `l7 sim dash` replay.
    #[arg(long, value_name = "FILE")]
    pub trace_out: Option<PathBuf>,
    /// Draw bitrate, throughput and buffer over time (.svg or .png).
    #[arg(long, value_name = "FILE")]
    pub plot: Option<PathBuf>,
    /// Bound on connecting, and on the server's silences.
    #[arg(long, default_value = "30s", value_parser = duration)]
    pub timeout: Duration,
}

#[derive(Debug, Args)]
pub struct DashTracesArgs {
    /// Directory to write the .trace files into (created if missing).
    #[arg(short, long, value_name = "DIR")]
    pub out: PathBuf,
    /// Seed of the random shapes (same seed, same files).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Length of each trace (it repeats after that).
    #[arg(long, default_value = "600s", value_parser = duration)]
    pub duration: Duration,
}

#[derive(Debug, Args)]
pub struct SimDashArgs {
    /// The bandwidth trace, as for `l7 dash serve --shape` (named so, as
    /// --trace is the global wire-trace flag): a shipped trace (steady,
    /// step-down, oscillating, 3g, lte) or a file of `time_s kbit_s` lines.
    /// With --compare and no --shape: every shipped trace.
    #[arg(long, value_name = "NAME|FILE")]
    pub shape: Option<String>,
    /// ABR algorithm: rate, bola, hybrid or mpc.
    #[arg(long, default_value = "hybrid")]
    pub abr: String,
    /// Run every algorithm (on --trace, or on every shipped trace).
    #[arg(long)]
    pub compare: bool,
    /// Length of the video.
    #[arg(long, default_value = "600s", value_parser = duration)]
    pub session: Duration,
    /// Segment duration.
    #[arg(long, default_value = "4s", value_parser = duration)]
    pub segment: Duration,
    /// Never abandon a download that would stall.
    #[arg(long)]
    pub no_abandon: bool,
    /// Seed of the segment sizes (same seed, same result).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Write a plot (.svg or .png): bitrate, link rate and buffer over time
    /// (with --compare: each algorithm's bitrate on the first trace).
    #[arg(long, value_name = "FILE")]
    pub plot: Option<PathBuf>,
}
