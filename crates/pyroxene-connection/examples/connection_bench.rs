//! The client side of `scripts/bench-connection.sh`: ping-pong of SIZE-byte messages against
//! an echo listener (`connection_echo`, or `interop/mpconn_bench.py serve`), one JSON line
//! out, in the shape of `raw-pingpong`'s.
//!
//! ```text
//! cargo run --release -p pyroxene-connection --example connection_bench -- \
//!     --address 127.0.0.1:6000 --authkey k --size 100 --count 20000
//! {"messages": 20000, "size": 100, "seconds": 0.41, "messages_per_second": 48780.5, "mb_per_second": 4.9}
//! ```
//!
//! `--blocking` runs the same loop on the blocking facade, to show what it costs. `--window W`
//! pipelines: W messages go out before the W echoes are read, so the cost per message shows
//! rather than the kernel's loopback round trip (W × SIZE must fit the socket buffers).

use std::time::Instant;

use clap::Parser;
use pyroxene_connection::{Client, blocking};

#[derive(Parser)]
#[command(about = "Message ping-pong against a multiprocessing.connection echo listener")]
struct Args {
    /// HOST:PORT, a unix socket path, or @name.
    #[arg(long)]
    address: String,
    /// The shared authentication key.
    #[arg(long)]
    authkey: Option<String>,
    /// Bytes per message.
    #[arg(long, default_value_t = 100)]
    size: usize,
    /// Messages to time (after 10 untimed windows), rounded up to whole windows.
    #[arg(long, default_value_t = 10_000)]
    count: usize,
    /// Messages sent before their echoes are read.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    window: u32,
    /// Use the blocking facade instead of the async API.
    #[arg(long)]
    blocking: bool,
}

const WARM_UP: usize = 10;

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let key = args.authkey.as_deref().map(str::as_bytes);
    let message = vec![7u8; args.size];
    let window = args.window as usize;
    let windows = args.count.div_ceil(window);
    let seconds = if args.blocking {
        let mut conn = blocking::Client::connect(args.address.as_str(), key)?;
        let mut started = Instant::now();
        for i in 0..WARM_UP + windows {
            if i == WARM_UP {
                started = Instant::now();
            }
            for _ in 0..window {
                conn.send_bytes(&message, 0, None)?;
            }
            for _ in 0..window {
                anyhow::ensure!(conn.recv_bytes(None)?.len() == args.size, "short echo");
            }
        }
        started.elapsed().as_secs_f64()
    } else {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        rt.block_on(async {
            let mut conn = Client::connect(args.address.as_str(), key).await?;
            let mut started = Instant::now();
            for i in 0..WARM_UP + windows {
                if i == WARM_UP {
                    started = Instant::now();
                }
                for _ in 0..window {
                    conn.send_bytes(&message, 0, None).await?;
                }
                for _ in 0..window {
                    anyhow::ensure!(
                        conn.recv_bytes(None).await?.len() == args.size,
                        "short echo"
                    );
                }
            }
            anyhow::Ok(started.elapsed().as_secs_f64())
        })?
    };
    let messages = windows * window;
    let rate = messages as f64 / seconds;
    println!(
        "{{\"messages\": {}, \"size\": {}, \"seconds\": {seconds:.6}, \"messages_per_second\": {rate:.1}, \
         \"mb_per_second\": {:.1}}}",
        messages,
        args.size,
        rate * args.size as f64 / 1e6
    );
    Ok(())
}
