//! `l7 chat serve` and `l7 chat join`.

use l7_net::chat;
use l7_net::tcp::{ConnLimits, bind_tcp};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use super::{ready, shutdown_on_signals};
use crate::addr;
use crate::cli::{ChatJoinArgs, ChatServeArgs, Global};

pub async fn serve(a: ChatServeArgs, g: &Global) -> anyhow::Result<i32> {
    let at = addr::listen(&a.listen)?;
    let shutdown = shutdown_on_signals()?;
    let l = bind_tcp(at).await?;
    ready("chat server", &[format!("tcp {at}")], g);
    let limits = ConnLimits {
        idle_timeout: a.idle_timeout,
        ..ConnLimits::default()
    };
    chat::serve(l, limits, shutdown).await;
    Ok(0)
}

/// Joins the room: the first line sent is the name; stdin lines follow; at
/// the end of stdin `quit` is sent and the server's goodbye is awaited.
pub async fn join(a: ChatJoinArgs, g: &Global) -> anyhow::Result<i32> {
    let to = addr::resolve(&a.addr).await?;
    let stream = TcpStream::connect(to)
        .await
        .map_err(|e| l7_net::NetError::talking_to(to, false, e))?;
    let (rd, mut wr) = stream.into_split();
    let trace = g.trace;
    let printer = tokio::spawn(async move {
        let mut lines = BufReader::new(rd).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            if trace {
                println!("S: {line}");
            } else {
                println!("{line}");
            }
        }
    });
    let send = |line: String| {
        if trace {
            println!("C: {line}");
        }
        format!("{line}\n")
    };
    wr.write_all(send(a.name).as_bytes()).await?;
    let mut stdin = BufReader::new(tokio::io::stdin()).lines();
    let mut quit = false;
    while let Some(line) = stdin.next_line().await? {
        quit = line.trim().eq_ignore_ascii_case("quit");
        wr.write_all(send(line).as_bytes()).await?;
        if quit {
            break;
        }
    }
    if !quit {
        wr.write_all(send("quit".into()).as_bytes()).await?;
    }
    let _ = tokio::time::timeout(std::time::Duration::from_secs(2), printer).await;
    Ok(0)
}
