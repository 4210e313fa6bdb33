//! A hello-world server on the gateway's HTTP stack (axum, hyper, the gateway's connection
//! handling via `serve_router`): the limit a gateway that makes a Pyro call per request is
//! measured against in `scripts/bench-gateway.sh`.
//!
//! Run: `cargo run --release -p pyroxene-gateway --example hello_world -- 127.0.0.1 0`
//! (prints `listening on <address>`; serves until killed).

use axum::Router;
use axum::routing::get;
use pyroxene_gateway::{Limits, serve_router};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let host = args.next().unwrap_or_else(|| "127.0.0.1".to_owned());
    let port = args.next().unwrap_or_else(|| "0".to_owned());
    let listener = tokio::net::TcpListener::bind(format!("{host}:{port}")).await?;
    println!("listening on {}", listener.local_addr()?);
    // The same JSON body and content type as the gateway's echo reply.
    let router = Router::new().fallback(get(|| async {
        (
            [("content-type", "application/json; charset=utf-8")],
            "\"hello\"",
        )
    }));
    serve_router(listener, router, &Limits::default(), std::future::pending()).await?;
    Ok(())
}
