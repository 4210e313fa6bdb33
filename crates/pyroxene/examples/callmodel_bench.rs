//! Call-model speed for `scripts/bench-callmodel.sh` (BENCHMARKS.md):
//!
//! - `callmodel_bench serve`: serves `test.callmodel` (`count(n)` streams 0..n, `add(a, b)`)
//!   on 127.0.0.1 and prints `callmodel uri: ...` until killed;
//! - `callmodel_bench run [CALLS] [ITEMS]`: in one process, a batch of CALLS small calls vs
//!   CALLS single calls, and a stream of ITEMS items, Rust proxy -> Rust daemon; prints JSON.

use std::sync::Arc;
use std::time::Instant;

use pyroxene::{Daemon, ItemStream, Proxy, Value, expose, tuple};

struct Bench;

#[expose]
impl Bench {
    /// Streams 0..n.
    #[nonblocking]
    fn count(&self, n: u64) -> ItemStream {
        ItemStream::from_iter(0..n)
    }

    /// a + b.
    #[nonblocking]
    fn add(&self, a: i64, b: i64) -> i64 {
        a + b
    }
}

async fn serve() -> pyroxene::Result<Daemon> {
    let daemon = Daemon::builder().host("127.0.0.1").bind().await?;
    let uri = daemon.register_with_id(Arc::new(Bench), "test.callmodel")?;
    println!("callmodel uri: {uri}");
    let serving = daemon.clone();
    tokio::spawn(async move { serving.serve().await });
    Ok(daemon)
}

#[tokio::main]
async fn main() -> pyroxene::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let daemon = serve().await?;
    if args.get(1).map(String::as_str) != Some("run") {
        std::future::pending::<()>().await;
    }
    let calls: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(1000);
    let items: u64 = args.get(3).and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let proxy = Proxy::from_uri(daemon.internal_uri_for("test.callmodel")?)?;
    proxy.connect().await?;

    let mut single_best = f64::MAX;
    let mut batch_best = f64::MAX;
    for _ in 0..5 {
        let start = Instant::now();
        for i in 0..calls {
            proxy
                .call("add", tuple![i64::try_from(i).unwrap_or(0), 1], None)
                .await?;
        }
        single_best = single_best.min(start.elapsed().as_secs_f64());
        let start = Instant::now();
        let mut batch = proxy.batch();
        for i in 0..calls {
            batch.call("add", tuple![i64::try_from(i).unwrap_or(0), 1], None);
        }
        let results = batch.send().await?.into_result()?;
        assert_eq!(results.len(), calls);
        batch_best = batch_best.min(start.elapsed().as_secs_f64());
    }

    let start = Instant::now();
    let mut stream = proxy.call_stream("count", tuple![items], None).await?;
    let mut seen = 0u64;
    while let Some(item) = stream.next_item().await {
        if item? != Value::from(seen) {
            return Err(pyroxene::Error::new(
                pyroxene::ErrorKind::Protocol,
                "wrong item",
            ));
        }
        seen += 1;
    }
    let stream_s = start.elapsed().as_secs_f64();
    println!(
        "{{\"calls\": {calls}, \"single_s\": {single_best:.6}, \"batch_s\": {batch_best:.6}, \
         \"items\": {seen}, \"stream_s\": {stream_s:.6}, \"items_per_second\": {:.0}}}",
        seen as f64 / stream_s
    );
    daemon.shutdown();
    Ok(())
}
