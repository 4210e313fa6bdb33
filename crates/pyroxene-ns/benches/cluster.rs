//! Measurements for `scripts/bench-ns-cluster.sh` (BENCHMARKS.md, issue 17 item 6), printed as
//! one JSON object each:
//!
//! - `put ENDPOINTS CALLS CLIENTS`: bare etcd puts (one key per client, overwritten), the
//!   baseline a registration through the etcd store is compared with;
//! - `autoclean REGISTRATIONS DAEMONS`: one NS_AUTOCLEAN sweep over that many registrations
//!   spread over that many live daemons (plus 1% on dead addresses), and in-process lookups/s
//!   on another thread with and without sweeps running.
//!
//! `cargo bench -p pyroxene-ns --bench cluster -- put http://127.0.0.1:2379 2000 1`

use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use pyroxene_ns::autoclean::{AutoCleaner, MIN_AUTOCLEAN};
use pyroxene_ns::{NameServer, RegisterOptions, Registry};

fn main() {
    // cargo bench adds `--bench`; the rest are ours.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let arg = |i: usize| -> &str { args.get(i).map_or("", String::as_str) };
    let number = |i: usize, default: usize| arg(i).parse().unwrap_or(default);
    match arg(0) {
        "put" => put(arg(1), number(2, 2000), number(3, 1)),
        "autoclean" => autoclean(number(1, 10_000), number(2, 100)),
        _ => eprintln!(
            "usage: cluster put ENDPOINTS CALLS CLIENTS | autoclean REGISTRATIONS DAEMONS"
        ),
    }
}

fn put(endpoints: &str, calls: usize, clients: usize) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let endpoints: Vec<String> = endpoints.split(',').map(str::to_owned).collect();
    runtime.block_on(async move {
        let client = etcd_client::Client::connect(endpoints, None)
            .await
            .expect("connect to etcd");
        let value = "{\"uri\": \"PYRO:obj_0123456789abcdef0123456789abcdef@127.0.0.1:45678\", \"metadata\": []}";
        let per_client = calls / clients.max(1);
        // One untimed put per client: connections made, buffers grown.
        for c in 0..clients {
            let mut client = client.clone();
            client
                .put(format!("/bench/put/{c}"), value, None)
                .await
                .expect("warm-up put");
        }
        let start = Instant::now();
        let mut tasks = tokio::task::JoinSet::new();
        for c in 0..clients {
            let mut client = client.clone();
            tasks.spawn(async move {
                let mut latencies = Vec::with_capacity(per_client);
                for _ in 0..per_client {
                    let one = Instant::now();
                    client
                        .put(format!("/bench/put/{c}"), value, None)
                        .await
                        .expect("put");
                    latencies.push(one.elapsed());
                }
                latencies
            });
        }
        let mut latencies = Vec::new();
        while let Some(done) = tasks.join_next().await {
            latencies.extend(done.expect("client task"));
        }
        let elapsed = start.elapsed();
        latencies.sort_unstable();
        let at = |q: f64| latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)];
        println!(
            "{{\"calls\": {}, \"clients\": {clients}, \"calls_per_second\": {:.1}, \"p50_us\": {:.1}, \"p99_us\": {:.1}}}",
            latencies.len(),
            latencies.len() as f64 / elapsed.as_secs_f64(),
            at(0.5).as_secs_f64() * 1e6,
            at(0.99).as_secs_f64() * 1e6
        );
    });
}

fn autoclean(registrations: usize, daemons: usize) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let listeners: Vec<TcpListener> = (0..daemons)
        .map(|_| TcpListener::bind("127.0.0.1:0").expect("bind"))
        .collect();
    let ports: Vec<u16> = listeners
        .iter()
        .map(|l| l.local_addr().expect("addr").port())
        .collect();
    let ns = Arc::new(NameServer::new(Registry::default()));
    let dead = registrations / 100;
    for i in 0..registrations {
        let uri = if i < dead {
            format!("PYRO:obj@./u:/nonexistent/pyroxene-bench-{}.sock", i % 10)
        } else {
            format!("PYRO:obj_{i}@127.0.0.1:{}", ports[i % ports.len()])
        };
        ns.registry()
            .register(&format!("obj.{i:06}"), &uri, RegisterOptions::new())
            .expect("register");
    }
    // Lookups on a thread of their own, counted per phase.
    let lookups = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let looker = {
        let (ns, lookups, stop) = (ns.clone(), lookups.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut i = 0usize;
            while !stop.load(Ordering::Relaxed) {
                let name = format!("obj.{:06}", i % registrations);
                let _ = ns.registry().lookup(&name);
                lookups.fetch_add(1, Ordering::Relaxed);
                i += 7919;
            }
        })
    };
    let rate = |during: &dyn Fn()| {
        let before = lookups.load(Ordering::Relaxed);
        let start = Instant::now();
        during();
        (lookups.load(Ordering::Relaxed) - before) as f64 / start.elapsed().as_secs_f64()
    };
    let idle_rate = rate(&|| std::thread::sleep(Duration::from_secs(2)));
    let mut cleaner = AutoCleaner::new(MIN_AUTOCLEAN, None).expect("cleaner");
    let mut sweeps = Vec::new();
    let mut report = None;
    let before = lookups.load(Ordering::Relaxed);
    let start = Instant::now();
    // Back-to-back sweeps (at least 5, for at least 2 s): the worst case of NS_AUTOCLEAN=3
    // with a sweep longer than the interval.
    while sweeps.len() < 5 || start.elapsed() < Duration::from_secs(2) {
        let one = Instant::now();
        report = Some(runtime.block_on(cleaner.sweep(&ns)));
        sweeps.push(one.elapsed());
    }
    let during = (lookups.load(Ordering::Relaxed) - before) as f64 / start.elapsed().as_secs_f64();
    stop.store(true, Ordering::Relaxed);
    looker.join().expect("looker");
    sweeps.sort_unstable();
    let report = report.expect("a sweep");
    println!(
        "{{\"registrations\": {registrations}, \"addresses_probed\": {}, \"unreachable\": {}, \"sweep_ms_median\": {:.1}, \"sweep_ms_max\": {:.1}, \"lookups_per_second_idle\": {idle_rate:.0}, \"lookups_per_second_sweeping\": {during:.0}}}",
        report.probed,
        report.unreachable,
        sweeps[sweeps.len() / 2].as_secs_f64() * 1e3,
        sweeps[sweeps.len() - 1].as_secs_f64() * 1e3,
    );
    drop(listeners);
}
