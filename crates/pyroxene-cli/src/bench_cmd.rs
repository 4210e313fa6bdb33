//! `pyroxene bench`: calls one method of any Pyro object N times over C connections and prints
//! calls/s and latency percentiles (works against Python and Rust daemons alike).

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Args;
use pyroxene::{Proxy, Serializer, Value};

/// What to call, how often, over how many connections.
#[derive(Args, Debug)]
pub(crate) struct BenchArgs {
    /// The object's PYRO: URI, e.g. PYRO:test.echoserver@localhost:9999
    uri: String,
    /// The method to call.
    #[arg(short, long, default_value = "echo")]
    method: String,
    /// The positional arguments as a Python literal tuple (serpent syntax).
    #[arg(short, long, default_value = "('hello',)")]
    args: String,
    /// Total number of calls.
    #[arg(short = 'n', long, default_value_t = 10_000)]
    calls: u64,
    /// Concurrent connections (each its own proxy).
    #[arg(short, long, default_value_t = 1)]
    concurrency: u64,
    /// Call with one bytes argument of this many zero bytes instead of --args (throughput).
    #[arg(long)]
    bytes: Option<usize>,
    /// Untimed calls per connection before the measurement (a connection's first call pays for
    /// growing its buffers, which for big payloads means page faults).
    #[arg(long, default_value_t = 1)]
    warmup: u64,
    /// Serializer for the calls.
    #[arg(short, long, default_value = "serpent")]
    serializer: String,
    /// Print the result as one JSON object.
    #[arg(long)]
    json: bool,
}

pub(crate) fn run(args: BenchArgs) -> anyhow::Result<()> {
    let config = crate::config_cmd::load()?;
    let serializer = Serializer::from_name(&args.serializer)
        .with_context(|| format!("unknown serializer {}", args.serializer))?;
    let call_args = match (args.bytes, Serializer::Serpent.decode(args.args.as_bytes())) {
        (Some(n), _) => Value::Tuple(vec![Value::Bytes(vec![0; n].into())]),
        (None, Ok(Value::Tuple(items) | Value::List(items))) => Value::Tuple(items),
        (None, Ok(single)) => Value::Tuple(vec![single]),
        (None, Err(e)) => bail!("--args is not a Python literal: {e}"),
    };
    if args.concurrency == 0 || args.calls == 0 {
        bail!("--calls and --concurrency must be at least 1");
    }
    let runtime = tokio::runtime::Runtime::new().context("starting the runtime")?;
    let (elapsed, mut latencies) = runtime.block_on(async {
        let mut proxies = Vec::new();
        for _ in 0..args.concurrency {
            let proxy = Proxy::new(&args.uri)?
                .with_config(&config)
                .with_serializer(serializer);
            proxy.connect().await?;
            for _ in 0..args.warmup {
                proxy.call(&args.method, call_args.clone(), None).await?;
            }
            proxies.push(proxy);
        }
        let per_task = args.calls / args.concurrency;
        let extra = args.calls % args.concurrency;
        let started = Instant::now();
        let mut tasks = tokio::task::JoinSet::new();
        for (i, proxy) in proxies.into_iter().enumerate() {
            let count = per_task + u64::from((i as u64) < extra);
            let method = args.method.clone();
            let call_args = call_args.clone();
            tasks.spawn(async move {
                let mut times = Vec::with_capacity(count as usize);
                for _ in 0..count {
                    let t = Instant::now();
                    proxy.call(&method, call_args.clone(), None).await?;
                    times.push(t.elapsed());
                }
                anyhow::Ok(times)
            });
        }
        let mut all = Vec::with_capacity(args.calls as usize);
        while let Some(done) = tasks.join_next().await {
            all.extend(done??);
        }
        anyhow::Ok((started.elapsed(), all))
    })?;
    latencies.sort_unstable();
    let pct = |p: f64| -> Duration {
        let idx = ((latencies.len() as f64 * p).ceil() as usize).clamp(1, latencies.len()) - 1;
        latencies[idx]
    };
    let rate = latencies.len() as f64 / elapsed.as_secs_f64();
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    let mb_per_second = args.bytes.map_or(0.0, |n| n as f64 * rate / 1e6);
    if args.json {
        println!(
            "{{\"calls\": {}, \"concurrency\": {}, \"seconds\": {:.6}, \"calls_per_second\": {:.1}, \
             \"mb_per_second\": {mb_per_second:.1}, \"p50_us\": {:.1}, \"p90_us\": {:.1}, \"p99_us\": {:.1}, \
             \"max_us\": {:.1}}}",
            latencies.len(),
            args.concurrency,
            elapsed.as_secs_f64(),
            rate,
            us(pct(0.50)),
            us(pct(0.90)),
            us(pct(0.99)),
            us(pct(1.0))
        );
    } else {
        println!(
            "{} calls of {} over {} connection(s) in {:.3} s",
            latencies.len(),
            args.method,
            args.concurrency,
            elapsed.as_secs_f64()
        );
        println!("calls/s: {rate:.1}");
        println!(
            "latency: p50 {:.1} µs, p90 {:.1} µs, p99 {:.1} µs, max {:.1} µs",
            us(pct(0.50)),
            us(pct(0.90)),
            us(pct(0.99)),
            us(pct(1.0))
        );
    }
    Ok(())
}
