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
