//! Dispatch from the parsed command line to each command's implementation.
//! A command returns the process exit code, or an error (exit 1).

mod chat;
mod dash;
mod dash_traces;
mod dns;
mod dns_query;
mod echo;
mod get;
mod get_cache;
mod get_page;
mod http;
mod mail;
mod mail_access;
mod mail_config;
mod mail_fetch;
mod mail_queue;
mod mail_send;
mod ping;
mod play;
mod proxy;
mod rtt;
mod sim;
mod torrent;
mod torrent_run;
mod tracker;
mod up;
mod world;

use l7_net::Shutdown;

use crate::cli::{
    ChatCmd, Cli, Command, DashCmd, DnsCmd, EchoCmd, HttpCmd, MailCmd, MailUserCmd, SimCmd,
    TorrentCmd, TrackerCmd, WorldCmd,
};

/// Runs the command; the returned code becomes the exit status.
pub async fn run(cli: Cli) -> anyhow::Result<i32> {
    let g = cli.global;
    match cli.command {
        Command::Echo(EchoCmd::Serve(a)) => echo::serve(a, &g).await,
        Command::Echo(EchoCmd::Send(a)) => echo::send(a, &g).await,
        Command::Chat(ChatCmd::Serve(a)) => chat::serve(a, &g).await,
        Command::Chat(ChatCmd::Join(a)) => chat::join(a, &g).await,
        Command::Ping(p) => ping::run(p, &g).await,
        Command::Rtt(a) => rtt::run(a, &g).await,
        Command::Http(HttpCmd::Serve(a)) => http::serve(a, &g).await,
        Command::Mail(MailCmd::Serve(a)) => mail::serve(*a, &g).await,
        Command::Mail(MailCmd::Send(a)) => mail_send::run(a, &g).await,
        Command::Mail(MailCmd::Queue(a)) => mail_queue::queue(a, &g),
        Command::Mail(MailCmd::User(MailUserCmd::Add(a))) => mail_queue::user_add(a, &g),
        Command::Mail(MailCmd::Fetch(a)) => mail_fetch::run(a, &g).await,
        Command::Tracker(TrackerCmd::Serve(a)) => tracker::serve(a, &g).await,
        Command::Dns(DnsCmd::Serve(a)) => dns::serve(a, &g).await,
        Command::Dns(DnsCmd::Query(a)) => dns_query::run(a, &g).await,
        Command::Dns(DnsCmd::Resolve(a)) => dns::resolve(a, &g).await,
        Command::Up(a) => up::run(a, &g).await,
        Command::World(WorldCmd::Status(a)) => world::status(a, &g),
        Command::World(WorldCmd::Hosts(a)) => world::hosts(a, &g),
        Command::Torrent(TorrentCmd::Create(a)) => torrent::create(a, &g),
        Command::Torrent(TorrentCmd::Show(a)) => torrent::show(a, &g),
        Command::Torrent(TorrentCmd::Get(a)) => torrent_run::get(a, &g).await,
        Command::Torrent(TorrentCmd::Seed(a)) => torrent_run::seed(a, &g).await,
        Command::Get(a) => get::run(a, &g).await,
        Command::Sim(SimCmd::P2p(a)) => sim::p2p(a, &g),
        Command::Sim(SimCmd::Http(a)) => sim::http(a, &g),
        Command::Sim(SimCmd::Dns(a)) => sim::dns(a, &g),
        Command::Sim(SimCmd::Dash(a)) => sim::dash(a, &g),
        Command::Proxy(a) => proxy::run(a, &g).await,
        Command::Dash(DashCmd::Package(a)) => dash::package(a, &g).await,
        Command::Dash(DashCmd::Serve(a)) => dash::serve(a, &g).await,
        Command::Dash(DashCmd::Traces(a)) => dash_traces::run(a, &g),
        Command::Play(a) => play::run(a, &g).await,
    }
}

/// A shutdown token already wired to SIGINT and SIGTERM.
fn shutdown_on_signals() -> anyhow::Result<Shutdown> {
    let s = Shutdown::new();
    s.on_signals()?;
    Ok(s)
}

/// Tells the user a server is up (stderr, so stdout stays for data).
fn ready(what: &str, addrs: &[String], g: &crate::cli::Global) {
    if g.json {
        crate::output::json_line(&serde_json::json!({ "ready": what, "listening": addrs }));
    } else {
        eprintln!("{what} listening on {} (Ctrl-C stops it)", addrs.join(", "));
    }
}
