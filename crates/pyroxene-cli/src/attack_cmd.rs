//! `pyroxene attack`: hostile traffic against a running Pyro server on loopback (ours or
//! Python's), one attack at a time, each reporting whether the server survived, the latency
//! another client saw meanwhile (p99 and worst, next to its idle p99) and the server's peak
//! RSS. The traffic itself is in `attacks.rs`. SECURITY.md holds the table of a full run.

use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Args;
use pyroxene::{ProtocolVersion, Proxy, tuple};

use crate::attacks::{self, Scale};

/// Where to attack and how hard.
#[derive(Args, Debug)]
pub(crate) struct AttackArgs {
    /// The server's address, HOST:PORT; only loopback addresses are accepted.
    target: String,
    /// The server is a name server (victim calls `ping`; adds the name server attacks).
    #[arg(long)]
    ns: bool,
    /// The server's process id, to sample its RSS (/proc/PID/status).
    #[arg(long)]
    pid: Option<u32>,
    /// CI-sized attacks (fewer connections, shorter holds, smaller payloads).
    #[arg(long)]
    quick: bool,
    /// The server's MAX_MESSAGE_SIZE (the zlib bomb inflates past it).
    #[arg(long, default_value_t = 1 << 30)]
    max_message_size: u64,
    /// Run only these attacks (comma separated names, as in the table).
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
    /// Exit with status 1 when the server did not survive an attack.
    #[arg(long)]
    check: bool,
    /// The nice value of the attacking threads (0-19). Tested on loopback, the attacker shares
    /// the server's cores, which a remote one would not; at a lower priority its own work
    /// (writing 2 x 16 MiB, connecting 5,000 times) is not timed as the server's stall. The
    /// measuring client keeps the normal priority. 0 attacks at the normal priority.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(i32).range(0..=19))]
    attacker_nice: i32,
    /// Repeat each attack back to back until it has run this many seconds (default 3, with
    /// --quick 0: once). A half-second attack alone gives the measuring client ~100 calls,
    /// whose p99 is its single worst wait; three seconds give ~600 calls and a real p99.
    #[arg(long, value_name = "SECS", value_parser = seconds)]
    sustain: Option<f64>,
}

impl AttackArgs {
    /// File descriptors this run needs: the idle attack's connections, plus room.
    pub(crate) fn descriptors_wanted(&self) -> u64 {
        if self.quick { 2_048 } else { 10_240 }
    }

    /// How long each attack is repeated for (at least one round).
    fn sustain(&self) -> Duration {
        let secs = self.sustain.unwrap_or(if self.quick { 0.0 } else { 3.0 });
        Duration::try_from_secs_f64(secs)
            .unwrap_or(MAX_SUSTAIN)
            .min(MAX_SUSTAIN)
    }
}

/// The latencies one well-behaved client saw.
#[derive(Debug, Default)]
struct Seen {
    p99: Duration,
    max: Duration,
    calls: usize,
    failed: usize,
}

/// A client calling the server in a loop until `stop`, recording each call's latency.
async fn victim(proxy: Proxy, method: &'static str, stop: Arc<AtomicBool>) -> Seen {
    let mut took = Vec::new();
    let mut failed = 0;
    while !stop.load(Ordering::Relaxed) {
        let started = Instant::now();
        let ok = match method {
            "echo" => proxy.call("echo", tuple!["x"], None).await.is_ok(),
            _ => proxy.call("ping", tuple![], None).await.is_ok(),
        };
        took.push(started.elapsed());
        failed += usize::from(!ok);
        // About 200 calls/s: a steady client, not a load generator.
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    took.sort();
    let at = |q: f64| {
        took.get(((took.len() as f64 * q) as usize).min(took.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    Seen {
        p99: at(0.99),
        max: took.last().copied().unwrap_or_default(),
        calls: took.len(),
        failed,
    }
}

/// One [`victim`] run: its proxy, method and stop flag, and where its latencies go.
type VictimJob = (
    Proxy,
    &'static str,
    Arc<AtomicBool>,
    tokio::sync::oneshot::Sender<Seen>,
);

/// Runs [`victim`] on a thread and runtime of its own: the attacks build their traffic (a
/// 16 MiB message is a few milliseconds of copying) on the attacking runtime, and a victim
/// sharing that runtime would time the attacker's work instead of the server's answers
/// (it reported stalls of 20-250 ms that the server's scheduling record did not have). The
/// thread is started before the attacking threads lower their priority, so it keeps the
/// normal one (a thread inherits its creator's).
struct Victims(std::sync::mpsc::Sender<VictimJob>);

impl Victims {
    fn start() -> anyhow::Result<Victims> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let (jobs, queue) = std::sync::mpsc::channel::<VictimJob>();
        std::thread::Builder::new()
            .name("attack-victim".into())
            .spawn(move || {
                for (proxy, method, stop, seen) in queue {
                    let _ = seen.send(runtime.block_on(victim(proxy, method, stop)));
                }
            })?;
        Ok(Victims(jobs))
    }

    /// Starts calling; the latencies come when `stop` is set.
    fn call(
        &self,
        proxy: Proxy,
        method: &'static str,
        stop: Arc<AtomicBool>,
    ) -> tokio::sync::oneshot::Receiver<Seen> {
        let (seen, calls) = tokio::sync::oneshot::channel();
        // A victim thread that is gone gives no latencies (an empty row), not a panic.
        let _ = self.0.send((proxy, method, stop, seen));
        calls
    }
}

/// Threads that only burn CPU, one per core, at the normal priority: the `cpu-neighbour` row,
/// not traffic but what any busy program on the server's machine costs its clients (on a
/// small VM that floor is a scheduler tick, and it is the yardstick of the attack rows).
/// Started before the attacking threads lower their priority, like [`Victims`].
struct Neighbours(Vec<std::sync::mpsc::Sender<(Duration, tokio::sync::oneshot::Sender<()>)>>);

impl Neighbours {
    fn start() -> anyhow::Result<Neighbours> {
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
        let mut threads = Vec::with_capacity(cores);
        for n in 0..cores {
            let (jobs, queue) =
                std::sync::mpsc::channel::<(Duration, tokio::sync::oneshot::Sender<()>)>();
            std::thread::Builder::new()
                .name(format!("attack-neighbour-{n}"))
                .spawn(move || {
                    for (busy, done) in queue {
                        let end = Instant::now() + busy;
                        while Instant::now() < end {
                            std::hint::spin_loop();
                        }
                        let _ = done.send(());
                    }
                })?;
            threads.push(jobs);
        }
        Ok(Neighbours(threads))
    }

    /// Every thread busy for `busy`; what the row reports.
    fn burn(&self, busy: Duration) -> Attack {
        let done: Vec<_> = self
            .0
            .iter()
            .filter_map(|jobs| {
                let (done, finished) = tokio::sync::oneshot::channel();
                jobs.send((busy, done)).ok().map(|()| finished)
            })
            .collect();
        Box::pin(async move {
            let threads = done.len();
            for finished in done {
                finished.await?;
            }
            Ok(format!(
                "{threads} threads busy {:.1} s at normal priority (no traffic: the machine's floor)",
                busy.as_secs_f64()
            ))
        })
    }
}

/// Lowers this thread's priority to `nice`, and so that of every thread it starts after.
fn lower_priority(nice: i32) {
    if nice == 0 {
        return;
    }
    // On Linux a priority is a thread's own: set it for this thread's id.
    let me = rustix::thread::gettid();
    if let Err(e) = rustix::process::setpriority_process(Some(me), nice) {
        eprintln!("attack: the attacking threads keep their priority ({e})");
    }
}

/// The RSS of `pid` in bytes.
fn rss(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kb * 1024)
}

/// Samples `pid`'s RSS every 10 ms until `stop`; the peak.
async fn peak_rss(pid: Option<u32>, stop: Arc<AtomicBool>, peak: Arc<AtomicU64>) {
    let Some(pid) = pid else { return };
    while !stop.load(Ordering::Relaxed) {
        if let Some(now) = rss(pid) {
            peak.fetch_max(now, Ordering::Relaxed);
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// One attack's row of the table.
struct Row {
    name: &'static str,
    survived: bool,
    seen: Seen,
    peak_rss: Option<u64>,
    took: Duration,
    note: String,
}

fn resolve(target: &str) -> anyhow::Result<SocketAddr> {
    let addr = target
        .to_socket_addrs()
        .with_context(|| format!("target {target}"))?
        .next()
        .with_context(|| format!("target {target}: no address"))?;
    if !addr.ip().is_loopback() {
        bail!("target {addr} is not a loopback address: attacks only run against this machine");
    }
    Ok(addr)
}

/// Runs the attacks against a server already running.
pub(crate) fn run(args: AttackArgs) -> anyhow::Result<()> {
    let addr = resolve(&args.target)?;
    let victims = Victims::start()?;
    let neighbours = Arc::new(Neighbours::start()?);
    lower_priority(args.attacker_nice);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let failed = runtime.block_on(attack_all(&args, addr, &victims, neighbours))?;
    if args.check && failed > 0 {
        bail!("the server did not survive {failed} attack(s)");
    }
    Ok(())
}

/// A number of seconds, zero or more.
fn seconds(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(secs) if secs >= 0.0 => Ok(secs),
        _ => Err(format!("{text:?} is not a number of seconds (0 or more)")),
    }
}

/// The longest `--sustain` honoured, and the most rounds one sustained attack runs.
const MAX_SUSTAIN: Duration = Duration::from_secs(60);
const MAX_ROUNDS: usize = 10_000;

/// Runs `make`'s attack again and again until `sustain` has passed since the first round
/// started (at least once, at most [`MAX_ROUNDS`]); the first failing round ends it.
fn sustained(make: MakeAttack, sustain: Duration) -> Attack {
    Box::pin(async move {
        let started = Instant::now();
        let mut rounds = 0;
        loop {
            let note = make().await?;
            rounds += 1;
            if started.elapsed() >= sustain || rounds >= MAX_ROUNDS {
                return Ok(match rounds {
                    1 => note,
                    n => format!("{n} rounds, the last: {note}"),
                });
            }
        }
    })
}

type Attack = std::pin::Pin<Box<dyn std::future::Future<Output = attacks::Outcome> + Send>>;

/// Makes one round of an attack; called again while a sustained attack goes on.
type MakeAttack = Box<dyn Fn() -> Attack + Send>;

/// The attacks of this run, by name.
fn plan(
    args: &AttackArgs,
    addr: SocketAddr,
    neighbours: Arc<Neighbours>,
) -> Vec<(&'static str, MakeAttack)> {
    let scale = Scale {
        max_message_size: args.max_message_size,
        object: if args.ns {
            "Pyro.NameServer"
        } else {
            "test.echoserver"
        },
    };
    let small = args.quick;
    let q = move |full: usize, quick: usize| if small { quick } else { full };
    let secs = move |full: u64, quick: u64| Duration::from_millis(if small { quick } else { full });
    let mut all: Vec<(&'static str, MakeAttack)> = vec![
        (
            "headers-v5",
            Box::new(move || {
                Box::pin(attacks::lying_headers(
                    addr,
                    ProtocolVersion::V5,
                    q(2000, 200),
                    secs(2000, 500),
                ))
            }),
        ),
        (
            "headers-v4",
            Box::new(move || {
                Box::pin(attacks::lying_headers(
                    addr,
                    ProtocolVersion::V4,
                    q(500, 100),
                    secs(2000, 500),
                ))
            }),
        ),
        (
            "zlib-bomb",
            Box::new(move || {
                Box::pin(async move { attacks::zlib_bomb(addr, &scale, q(2, 1)).await })
            }),
        ),
        (
            "marshal-refs",
            Box::new(move || {
                Box::pin(async move {
                    attacks::marshal_refs(addr, &scale, q(16 << 20, 2 << 20), 64, q(2, 1)).await
                })
            }),
        ),
        (
            // Not an attack: the same two 16 MiB calls without the references, echoed. What
            // any big call costs the other clients, the baseline of the row above.
            "big-call",
            Box::new(move || {
                Box::pin(async move {
                    attacks::marshal_refs(addr, &scale, q(16 << 20, 2 << 20), 0, q(2, 1)).await
                })
            }),
        ),
        (
            // Not an attack either: no traffic, every core busy with a program of the normal
            // priority. The floor any load puts under the other client's p99 on this machine.
            "cpu-neighbour",
            Box::new(move || neighbours.burn(secs(3000, 500))),
        ),
        (
            "nested-lengths",
            Box::new(move || {
                Box::pin(async move {
                    attacks::nested_lengths(addr, &scale, q(16 << 20, 1 << 20), q(2, 1)).await
                })
            }),
        ),
        (
            "reference-bombs",
            Box::new(move || {
                Box::pin(async move { attacks::reference_bombs(addr, &scale, q(20, 4)).await })
            }),
        ),
        (
            "nested-keys",
            Box::new(move || {
                Box::pin(async move { attacks::nested_keys(addr, &scale, q(4, 2)).await })
            }),
        ),
        (
            "unknown-serializer",
            Box::new(move || {
                Box::pin(async move { attacks::unknown_serializer(addr, &scale, q(50, 10)).await })
            }),
        ),
        (
            "garbage",
            Box::new(move || Box::pin(attacks::garbage(addr, q(500, 50)))),
        ),
        (
            "wrong-version",
            Box::new(move || Box::pin(attacks::wrong_version(addr, q(500, 50)))),
        ),
        (
            "lying-size",
            Box::new(move || {
                Box::pin(async move { attacks::lying_sizes(addr, &scale, q(200, 20)).await })
            }),
        ),
        (
            "deep-nesting",
            Box::new(move || Box::pin(attacks::deep_nesting(addr, q(20, 4)))),
        ),
        (
            "bad-utf8",
            Box::new(move || Box::pin(attacks::bad_utf8(addr, q(100, 10)))),
        ),
        (
            "slowloris",
            Box::new(move || {
                Box::pin(async move {
                    attacks::slowloris(addr, &scale, q(500, 50), secs(5000, 1000)).await
                })
            }),
        ),
        (
            "idle-10k",
            Box::new(move || Box::pin(attacks::idle(addr, q(10_000, 1000), secs(3000, 500)))),
        ),
        (
            "pipelining",
            Box::new(move || {
                Box::pin(async move {
                    attacks::pipelining(addr, &scale, 4, q(200_000, 10_000), secs(3000, 1000)).await
                })
            }),
        ),
        (
            "connect-churn",
            Box::new(move || Box::pin(attacks::connect_churn(addr, q(5000, 500)))),
        ),
    ];
    if args.ns {
        all.push((
            "ns-regex",
            Box::new(move || Box::pin(attacks::ns_regex(addr))),
        ));
        all.push((
            "ns-flood",
            Box::new(move || Box::pin(attacks::ns_flood(addr, secs(3000, 1000)))),
        ));
    }
    all.retain(|(name, _)| args.only.is_empty() || args.only.iter().any(|o| o == name));
    all
}

/// Runs every attack of the plan; how many the server did not survive.
async fn attack_all(
    args: &AttackArgs,
    addr: SocketAddr,
    victims: &Victims,
    neighbours: Arc<Neighbours>,
) -> anyhow::Result<usize> {
    let method = if args.ns { "ping" } else { "echo" };
    let object = if args.ns {
        "Pyro.NameServer"
    } else {
        "test.echoserver"
    };
    let proxy =
        || -> anyhow::Result<Proxy> {
            Ok(Proxy::new(format!("PYRO:{object}@{addr}"))?
                .with_timeout(Some(Duration::from_secs(10))))
        };
    let baseline = Duration::from_millis(if args.quick { 500 } else { 2000 });
    let ((idle, _), _) = measured(
        args,
        victims,
        proxy()?,
        method,
        Box::pin(async move {
            tokio::time::sleep(baseline).await;
            Ok(String::new())
        }),
    )
    .await;
    println!(
        "target {addr} ({object}); idle: p99 {:.2} ms, max {:.2} ms over {} calls{}",
        ms(idle.p99),
        ms(idle.max),
        idle.calls,
        args.pid
            .and_then(rss)
            .map_or(String::new(), |r| format!(", RSS {} MB", r >> 20)),
    );
    println!(
        "{:<19} {:>8} {:>10} {:>10} {:>7} {:>9} {:>8}  note",
        "attack", "survived", "p99 ms", "max ms", "x idle", "peak MB", "secs"
    );
    let mut failed = 0;
    for (name, make) in plan(args, addr, neighbours) {
        let started = Instant::now();
        let attack = sustained(make, args.sustain());
        let (seen, outcome) = measured(args, victims, proxy()?, method, attack).await;
        let took = started.elapsed();
        // Survived: the server answers a new client afterwards (and its process is there).
        let after = tokio::time::timeout(Duration::from_secs(10), async {
            proxy()?
                .call(
                    method,
                    if args.ns { tuple![] } else { tuple!["after"] },
                    None,
                )
                .await
                .map_err(anyhow::Error::from)
        })
        .await;
        let alive = args.pid.is_none_or(|pid| rss(pid).is_some());
        let survived = alive && matches!(after, Ok(Ok(_)));
        failed += usize::from(!survived);
        let row = Row {
            name,
            survived,
            peak_rss: seen.1,
            seen: seen.0,
            took,
            note: outcome.unwrap_or_else(|e| format!("attack error: {e:#}")),
        };
        print_row(&row, &idle);
        // Let the server drop the attack's connections before the next one.
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    Ok(failed)
}

/// Runs `attack` while a victim calls and the RSS is sampled.
async fn measured(
    args: &AttackArgs,
    victims: &Victims,
    victim_proxy: Proxy,
    method: &'static str,
    attack: Attack,
) -> ((Seen, Option<u64>), attacks::Outcome) {
    let stop = Arc::new(AtomicBool::new(false));
    let peak = Arc::new(AtomicU64::new(0));
    let sampler = tokio::spawn(peak_rss(args.pid, stop.clone(), peak.clone()));
    let calling = victims.call(victim_proxy, method, stop.clone());
    let started = Instant::now();
    let outcome = tokio::time::timeout(Duration::from_secs(120), attack)
        .await
        .unwrap_or_else(|_| Err(anyhow::anyhow!("attack still running after 120 s")));
    // A quick attack's effects (connections being closed, memory given back) outlast it:
    // the victim goes on calling for at least half a second.
    tokio::time::sleep(Duration::from_millis(500).saturating_sub(started.elapsed())).await;
    stop.store(true, Ordering::Relaxed);
    let seen = calling.await.unwrap_or_default();
    let _ = sampler.await;
    let peak = args.pid.map(|_| peak.load(Ordering::Relaxed));
    ((seen, peak), outcome)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn print_row(row: &Row, idle: &Seen) {
    let ratio = ms(row.seen.p99) / ms(idle.p99).max(0.001);
    let failed = match row.seen.failed {
        0 => String::new(),
        n => format!(" [{n} of {} victim calls failed]", row.seen.calls),
    };
    println!(
        "{:<19} {:>8} {:>10.2} {:>10.2} {:>7.1} {:>9} {:>8.1}  {}{failed}",
        row.name,
        if row.survived { "yes" } else { "NO" },
        ms(row.seen.p99),
        ms(row.seen.max),
        ratio,
        row.peak_rss
            .map_or("-".to_owned(), |r| (r >> 20).to_string()),
        row.took.as_secs_f64(),
        row.note,
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    fn counting(rounds: Arc<AtomicUsize>, fail_at: usize) -> MakeAttack {
        Box::new(move || {
            let rounds = rounds.clone();
            Box::pin(async move {
                let n = rounds.fetch_add(1, Ordering::SeqCst) + 1;
                tokio::time::sleep(Duration::from_millis(20)).await;
                match n == fail_at {
                    true => Err(anyhow::anyhow!("round {n} failed")),
                    false => Ok(format!("round {n}")),
                }
            })
        })
    }

    #[tokio::test]
    async fn a_sustained_attack_repeats_until_its_time_is_up() {
        let rounds = Arc::new(AtomicUsize::new(0));
        let note = sustained(counting(rounds.clone(), 0), Duration::from_millis(200))
            .await
            .unwrap();
        let n = rounds.load(Ordering::SeqCst);
        assert!((5..=11).contains(&n), "{n} rounds of 20 ms in 200 ms");
        assert_eq!(note, format!("{n} rounds, the last: round {n}"));
    }

    #[tokio::test]
    async fn an_unsustained_attack_runs_once_and_a_failing_round_ends_it() {
        let rounds = Arc::new(AtomicUsize::new(0));
        let once = sustained(counting(rounds.clone(), 0), Duration::ZERO).await;
        assert_eq!(once.unwrap(), "round 1");
        let rounds = Arc::new(AtomicUsize::new(0));
        let failed = sustained(counting(rounds.clone(), 2), Duration::from_secs(5)).await;
        assert_eq!(failed.unwrap_err().to_string(), "round 2 failed");
        assert_eq!(rounds.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn sustain_defaults_to_three_seconds_and_once_when_quick() {
        use clap::Parser;
        #[derive(Parser)]
        struct Cli {
            #[command(flatten)]
            args: AttackArgs,
        }
        let parse = |extra: &[&str]| {
            Cli::parse_from(["attack", "127.0.0.1:9"].iter().chain(extra))
                .args
                .sustain()
        };
        assert_eq!(parse(&[]), Duration::from_secs(3));
        assert_eq!(parse(&["--quick"]), Duration::ZERO);
        assert_eq!(parse(&["--sustain", "0.5"]), Duration::from_millis(500));
        assert_eq!(parse(&["--sustain", "1e9"]), MAX_SUSTAIN);
        assert_eq!(parse(&["--sustain", "inf"]), MAX_SUSTAIN);
        for bad in ["-1", "NaN", "soon"] {
            let parsed = Cli::try_parse_from(["attack", "127.0.0.1:9", "--sustain", bad]);
            assert!(parsed.is_err(), "--sustain {bad}");
        }
    }
}
