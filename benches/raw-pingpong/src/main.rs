//! Raw TCP ping-pong: the ceiling pyroxene's calls are measured against (BENCHMARKS.md).
//!
//! `raw-pingpong serve [req] [rep]` answers every REQ-byte request with a REP-byte reply on a
//! free 127.0.0.1 port (printed as `port: N`); `raw-pingpong ADDR [calls] [concurrency] [req]
//! [rep]` runs C client connections that each send calls/C requests and wait for each reply
//! (defaults: the sizes of a Pyro5 serpent `echo('hello')` call and its result), and prints one
//! JSON object like `pyroxene bench --json`. Server and client run as separate processes, like
//! `pyroxene echo` and `pyroxene bench`.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

fn arg(n: usize, default: usize) -> usize {
    std::env::args()
        .nth(n)
        .and_then(|a| a.parse().ok())
        .unwrap_or(default)
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let first = std::env::args().nth(1).unwrap_or_default();
    if first == "serve" {
        return serve(arg(2, 106), arg(3, 75)).await;
    }
    client(
        &first,
        arg(2, 20_000).max(1),
        arg(3, 1).max(1),
        arg(4, 106),
        arg(5, 75),
    )
    .await
}

async fn serve(req: usize, rep: usize) -> std::io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    println!("port: {}", listener.local_addr()?.port());
    loop {
        let (mut s, _) = listener.accept().await?;
        {
            let _ = s.set_nodelay(true);
            tokio::spawn(async move {
                let mut buf = vec![0u8; req];
                let reply = vec![7u8; rep];
                while s.read_exact(&mut buf).await.is_ok() {
                    if s.write_all(&reply).await.is_err() {
                        break;
                    }
                }
            });
        }
    }
}

async fn client(
    addr: &str,
    calls: usize,
    concurrency: usize,
    req: usize,
    rep: usize,
) -> std::io::Result<()> {
    let mut clients = Vec::new();
    for _ in 0..concurrency {
        let s = TcpStream::connect(addr).await?;
        s.set_nodelay(true)?;
        clients.push(s);
    }
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for (i, mut s) in clients.into_iter().enumerate() {
        let n = calls / concurrency + usize::from(i < calls % concurrency);
        tasks.spawn(async move {
            let request = vec![1u8; req];
            let mut reply = vec![0u8; rep];
            let mut times = Vec::with_capacity(n);
            for _ in 0..n {
                let t = Instant::now();
                s.write_all(&request).await?;
                s.read_exact(&mut reply).await?;
                times.push(t.elapsed());
            }
            std::io::Result::Ok(times)
        });
    }
    let mut all: Vec<Duration> = Vec::with_capacity(calls);
    while let Some(done) = tasks.join_next().await {
        all.extend(done.map_err(std::io::Error::other)??);
    }
    let elapsed = started.elapsed();
    all.sort_unstable();
    let pct = |p: f64| all[((all.len() as f64 * p).ceil() as usize).clamp(1, all.len()) - 1];
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    println!(
        "{{\"calls\": {}, \"concurrency\": {concurrency}, \"seconds\": {:.6}, \"calls_per_second\": {:.1}, \
         \"p50_us\": {:.1}, \"p90_us\": {:.1}, \"p99_us\": {:.1}, \"max_us\": {:.1}}}",
        all.len(),
        elapsed.as_secs_f64(),
        all.len() as f64 / elapsed.as_secs_f64(),
        us(pct(0.5)),
        us(pct(0.9)),
        us(pct(0.99)),
        us(pct(1.0))
    );
    Ok(())
}
