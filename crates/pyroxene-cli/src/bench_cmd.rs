//! `pyroxene bench`: calls one method of any Pyro object N times over C connections and prints
//! calls/s and latency percentiles (works against Python and Rust daemons alike).

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Args;
use pyroxene::client::ProxySettings;
use pyroxene::{Proxy, Serializer, Uri, Value};

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
    /// Open this many extra connections (each completes the Pyro handshake, then stays idle)
    /// after the measured ones and hold them during the measurement: latency under many idle
    /// clients. Connections the server refuses are counted, not fatal.
    #[arg(long, default_value_t = 0)]
    idle: u64,
    /// Print the result as one JSON object.
    #[arg(long)]
    json: bool,
}

impl BenchArgs {
    /// File descriptors this run needs: one per connection, plus room for the runtime.
    pub(crate) fn descriptors_wanted(&self) -> u64 {
        self.concurrency
            .saturating_add(self.idle)
            .saturating_add(64)
    }
}

/// Idle connections being opened at once (a burst of thousands overflows the listen queue,
/// and the retransmitted SYNs then cost seconds).
const IDLE_OPENING: usize = 128;

/// What opening the idle connections gave: the proxies holding them, and the refusals.
struct Idle {
    held: Vec<Proxy>,
    failed: u64,
    first_error: Option<String>,
}

/// Opens `count` connections to `uri` (handshake included) and keeps them.
async fn open_idle(uri: &Uri, settings: &ProxySettings, count: u64) -> Idle {
    let mut idle = Idle {
        held: Vec::new(),
        failed: 0,
        first_error: None,
    };
    let mut opening = tokio::task::JoinSet::new();
    let mut started = 0;
    while started < count || !opening.is_empty() {
        while started < count && opening.len() < IDLE_OPENING {
            let proxy = Proxy::with_settings(uri.clone(), settings.clone());
            opening.spawn(async move { proxy.connect().await.map(|_| proxy) });
            started += 1;
        }
        match opening.join_next().await {
            Some(Ok(Ok(proxy))) => idle.held.push(proxy),
            Some(Ok(Err(e))) => {
                idle.failed += 1;
                idle.first_error
                    .get_or_insert_with(|| crate::report::one_line(&e));
            }
            Some(Err(e)) => {
                idle.failed += 1;
                idle.first_error
                    .get_or_insert_with(|| crate::report::one_line(&e));
            }
            None => {}
        }
    }
    idle
}

pub(crate) fn run(args: BenchArgs) -> anyhow::Result<()> {
    let config = crate::config_cmd::load()?;
    let serializer = Serializer::from_name(&args.serializer)
        .with_context(|| format!("unknown serializer {}", args.serializer))?;
    let uri: Uri = args
        .uri
        .parse()
        .with_context(|| format!("invalid URI '{}'", args.uri))?;
    // The PYRO_* settings (COMMTIMEOUT, MAX_MESSAGE_SIZE...), then the flags.
    let mut settings = ProxySettings::from_config(&config);
    settings.serializer = serializer;
    let call_args = match (args.bytes, Serializer::Serpent.decode(args.args.as_bytes())) {
        (Some(n), _) => Value::Tuple(vec![Value::Bytes(vec![0; n].into())]),
        (None, Ok(Value::Tuple(items) | Value::List(items))) => Value::Tuple(items),
        (None, Ok(single)) => Value::Tuple(vec![single]),
        (None, Err(e)) => return Err(e).context("--args is not a Python literal"),
    };
    if args.concurrency == 0 || args.calls == 0 {
        bail!("--calls and --concurrency must be at least 1");
    }
    let runtime = tokio::runtime::Runtime::new().context("starting the runtime")?;
    let (elapsed, mut latencies, idle) = runtime.block_on(async {
        let mut proxies = Vec::new();
        for _ in 0..args.concurrency {
            let proxy = Proxy::with_settings(uri.clone(), settings.clone());
            proxy.connect().await?;
            for _ in 0..args.warmup {
                proxy.call(&args.method, &call_args, None).await?;
            }
            proxies.push(proxy);
        }
        // Opened after the measured connections, so a server with a connection limit (Python's
        // thread pool) refuses idle ones rather than the measured ones.
        let idle = open_idle(&uri, &settings, args.idle).await;
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
                    // Lent, as a program calling in a loop would: no copy per call.
                    proxy.call(&method, &call_args, None).await?;
                    times.push(t.elapsed());
                }
                anyhow::Ok(times)
            });
        }
        let mut all = Vec::with_capacity(args.calls as usize);
        while let Some(done) = tasks.join_next().await {
            all.extend(done??);
        }
        let elapsed = started.elapsed();
        // The idle connections close here, inside the runtime that opened them.
        let held = idle.held.len();
        drop(idle.held);
        anyhow::Ok((elapsed, all, (held, idle.failed, idle.first_error)))
    })?;
    let (idle_held, idle_failed, idle_error) = idle;
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
             \"max_us\": {:.1}, \"idle\": {}, \"idle_held\": {}, \"idle_failed\": {}, \"idle_error\": {}}}",
            latencies.len(),
            args.concurrency,
            elapsed.as_secs_f64(),
            rate,
            us(pct(0.50)),
            us(pct(0.90)),
            us(pct(0.99)),
            us(pct(1.0)),
            args.idle,
            idle_held,
            idle_failed,
            json_string(idle_error.as_deref()),
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
        if args.idle > 0 {
            println!(
                "idle connections held: {} of {}{}",
                idle_held,
                args.idle,
                idle_error
                    .map(|e| format!(" (first refusal: {e})"))
                    .unwrap_or_default()
            );
        }
    }
    Ok(())
}

/// A JSON string literal (or `null`).
fn json_string(text: Option<&str>) -> String {
    let Some(text) = text else {
        return "null".into();
    };
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
