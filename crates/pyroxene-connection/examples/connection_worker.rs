//! A Rust worker for a Python coordinator: listens, and for every task a
//! `multiprocessing.connection.Client` sends, sends back a result. Blocking API.
//!
//! ```text
//! cargo run -p pyroxene-connection --example connection_worker -- --address 127.0.0.1:6000 --authkey secret
//! listening on 127.0.0.1:6000
//! ```
//! and in Python (`interop/mpconn_coordinator.py` does this and prints the results):
//! ```python
//! from multiprocessing.connection import Client
//! with Client(("127.0.0.1", 6000), authkey=b"secret") as conn:
//!     conn.send(("square", 7))
//!     print(conn.recv())                  # ('ok', 49)
//!     conn.send(("stop", None))
//! ```
//!
//! Tasks are `(name, argument)` tuples; replies `('ok', value)` or `('error', text)`. The
//! worker serves one coordinator at a time and exits after a `stop` task.
//! `connection_coordinator` is the same conversation the other way round.

use clap::Parser;
use pyroxene_connection::blocking::Listener;
use pyroxene_wire::Value;

#[derive(Parser)]
#[command(about = "Serve tasks to a multiprocessing.connection Client")]
struct Args {
    /// HOST:PORT, a unix socket path, or @name for a Linux abstract socket.
    #[arg(long, default_value = "127.0.0.1:0")]
    address: String,
    /// The shared authentication key (no handshake without one).
    #[arg(long)]
    authkey: Option<String>,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let authkey = args.authkey.as_deref().map(str::as_bytes);
    let mut listener = Listener::bind(args.address.as_str(), 1, authkey)?;
    println!("listening on {}", listener.address());
    loop {
        let mut conn = match listener.accept() {
            Ok(conn) => conn,
            Err(e) => {
                eprintln!("accept: {e}");
                continue;
            }
        };
        loop {
            let (name, arg): (String, Value) = match conn.recv() {
                Ok(task) => task,
                Err(e) if e.is_eof() => break,
                Err(e) => return Err(e.into()),
            };
            let reply = match run(&name, &arg) {
                Ok(v) => ("ok", v),
                Err(text) => ("error", Value::from(text)),
            };
            conn.send(&reply)?;
            if name == "stop" {
                return Ok(());
            }
        }
    }
}

fn run(name: &str, arg: &Value) -> Result<Value, String> {
    let ints = |v: &Value| -> Result<Vec<i64>, String> {
        pyroxene_wire::from_value(v.clone()).map_err(|e| format!("{name}: {e}"))
    };
    Ok(match name {
        "square" => {
            let n = arg.as_i64().ok_or("square: an int, please")?;
            Value::from(n.checked_mul(n).ok_or("square: overflow")?)
        }
        "sum" => Value::from(ints(arg)?.iter().sum::<i64>()),
        "sort" => {
            let mut xs = ints(arg)?;
            xs.sort_unstable();
            pyroxene_wire::to_value(&xs).map_err(|e| e.to_string())?
        }
        "upper" => Value::from(arg.as_str().ok_or("upper: a str, please")?.to_uppercase()),
        "stop" => Value::from("bye"),
        // Python's repr() of the name, as the Python worker writes it.
        other => return Err(format!("unknown task {}", Value::from(other))),
    })
}
