//! A listener that sends every message back, byte for byte (pickled objects included):
//! Python's `multiprocessing.connection` clients and ours can talk to it.
//!
//! ```text
//! cargo run -p pyroxene-connection --example connection_echo -- --address 127.0.0.1:6000 --authkey secret
//! listening on 127.0.0.1:6000
//! ```
//!
//! `--address` takes `HOST:PORT`, a socket path, or `@name` (a Linux abstract name); without
//! `--authkey` there is no handshake. Each client is served on a task of its own, its
//! handshake included, so a slow client delays nobody else.

use clap::Parser;
use pyroxene_connection::{Connection, Error, Listener};

#[derive(Parser)]
#[command(about = "Echo every message back (multiprocessing.connection wire)")]
struct Args {
    /// HOST:PORT, a unix socket path, or @name for a Linux abstract socket.
    #[arg(long, default_value = "127.0.0.1:0")]
    address: String,
    /// The shared authentication key (no handshake without one).
    #[arg(long)]
    authkey: Option<String>,
    /// How many connections may wait to be accepted.
    #[arg(long, default_value_t = 16)]
    backlog: u32,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let authkey = args.authkey.as_deref().map(str::as_bytes);
    let mut listener = Listener::bind(args.address.as_str(), args.backlog, authkey).await?;
    println!("listening on {}", listener.address());
    loop {
        let incoming = match listener.accept_unauthenticated().await {
            Ok(incoming) => incoming,
            Err(e) => {
                eprintln!("accept: {e}");
                continue;
            }
        };
        tokio::spawn(async move {
            let peer = incoming.peer_address().clone();
            let result = match incoming.authenticate().await {
                Ok(conn) => echo(conn).await,
                Err(e) => Err(e),
            };
            if let Err(e) = result {
                eprintln!("connection from {peer}: {e}");
            }
        });
    }
}

async fn echo(mut conn: Connection) -> Result<(), Error> {
    loop {
        match conn.recv_bytes(None).await {
            Ok(message) => conn.send_bytes(&message, 0, None).await?,
            Err(e) if e.is_eof() => return Ok(()),
            Err(e) => return Err(e),
        }
    }
}
