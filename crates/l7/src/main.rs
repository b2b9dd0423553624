//! `l7`: the command-line entry point. Parses arguments (clap), sets up
//! logging, runs the chosen command on a tokio runtime, and turns its result
//! into an exit code: 0 on success, 1 on a failed operation, 2 on bad usage.
#![forbid(unsafe_code)]

mod addr;
mod cli;
mod cmd;
mod output;

use clap::Parser;

/// mimalloc: the simulator and the servers allocate many short-lived
/// buffers, which glibc's malloc serves with poorer locality.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let cli = cli::Cli::parse();
    // `l7 get -v` prints the messages; its logs start one level later.
    let log_level = match cli.command {
        cli::Command::Get(_) => cli.global.verbose.saturating_sub(1),
        _ => cli.global.verbose,
    };
    init_logging(log_level);
    let runtime = match runtime(cli.global.threads) {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("l7: cannot start the async runtime: {e}");
            std::process::exit(1);
        }
    };
    let code = match runtime.block_on(cmd::run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("l7: {e:#}");
            1
        }
    };
    runtime.shutdown_timeout(std::time::Duration::from_millis(200));
    std::process::exit(code);
}

/// The async runtime: one thread with `--threads 1` (no hand-offs between
/// threads at all), else a pool of `--threads` (default: one per core).
fn runtime(threads: Option<u16>) -> std::io::Result<tokio::runtime::Runtime> {
    let mut builder = match threads {
        Some(1) => tokio::runtime::Builder::new_current_thread(),
        _ => tokio::runtime::Builder::new_multi_thread(),
    };
    if let Some(n) = threads.filter(|&n| n > 1) {
        builder.worker_threads(n.into());
    }
    builder.enable_all().build()
}

/// Logs go to stderr; `RUST_LOG` wins, else `-v` raises the level from info.
fn init_logging(verbose: u8) {
    use tracing_subscriber::EnvFilter;
    let default = match verbose {
        0 => "info",
        1 => "debug",
        _ => "trace",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .compact()
        .init();
}
