//! A Rust coordinator for a Python worker: connects to a `multiprocessing.connection.Listener`
//! (`interop/mpconn_worker.py`), sends tasks and prints each `task -> reply` in Python's
//! `repr()`. Blocking API.
//!
//! ```text
//! python3 interop/mpconn_worker.py 127.0.0.1:6000 secret       # prints: listening on 127.0.0.1:6000
//! cargo run -p pyroxene-connection --example connection_coordinator -- --address 127.0.0.1:6000 --authkey secret
//! ('square', 7) -> ('ok', 49)
//! ...
//! ```
//!
//! The tasks are the ones `interop/mpconn_coordinator.py` sends to `connection_worker`, so
//! both pairs print the same lines.

use clap::Parser;
use pyroxene_connection::blocking::Client;
use pyroxene_wire::{Value, list, set, tuple};

#[derive(Parser)]
#[command(about = "Send tasks to a multiprocessing.connection Listener")]
struct Args {
    /// HOST:PORT, a unix socket path, or @name for a Linux abstract socket.
    #[arg(long)]
    address: String,
    /// The shared authentication key (no handshake without one).
    #[arg(long)]
    authkey: Option<String>,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let authkey = args.authkey.as_deref().map(str::as_bytes);
    let mut conn = Client::connect(args.address.as_str(), authkey)?;
    let tasks = [
        tuple!["square", 7],
        tuple!["sum", list![1, 2, 3, 4]],
        tuple!["sort", set![1, 2, 3]],
        tuple!["upper", "naïve"],
        tuple!["divide", 1],
        tuple!["stop", Value::None],
    ];
    for task in tasks {
        conn.send_value(&task)?;
        let reply = conn.recv_value()?;
        println!("{task} -> {reply}");
    }
    Ok(())
}
