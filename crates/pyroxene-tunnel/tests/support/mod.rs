//! What the tunnel tests share: the sshd, the "remote" peers (Python Pyro5 on 127.0.0.1 or
//! ::1, which the tests reach only through the tunnel), a tunnel to them, and test objects.

#![allow(dead_code)] // each test file uses part of it

use std::sync::{Arc, Mutex};
use std::time::Duration;

use pyroxene::{Config, Proxy, RemoteException, expose};
use pyroxene_testkit::PythonProcess;
use pyroxene_testkit::ssh::{ALIAS, SshServer};
use pyroxene_tunnel::{Target, Tunnel};
use tokio::sync::Notify;

/// The sshd and the Python interpreter with the peers, or `None` to skip (not under CI).
pub fn peers() -> Option<(SshServer, std::path::PathBuf)> {
    let sshd = SshServer::start()?;
    let python = pyroxene_testkit::python()?;
    Some((sshd, python))
}

/// A Python Pyro5 name server on `host`:`port` (the "remote" one).
pub fn python_ns(python: &std::path::Path, host: &str, port: u16) -> PythonProcess {
    let port = port.to_string();
    let mut ns = PythonProcess::spawn(
        python,
        &["-m", "Pyro5.nameserver", "-n", host, "-p", &port],
        &[],
    )
    .expect("python ns");
    ns.wait_for_line("URI").expect("the name server started");
    ns
}

/// `interop/tunnel_remote.py server`: lab.worker registered in the name server.
pub fn python_worker(
    python: &std::path::Path,
    ns_host: &str,
    ns_port: u16,
    bind: &str,
) -> PythonProcess {
    let port = ns_port.to_string();
    let mut server = PythonProcess::spawn(
        python,
        &["interop/tunnel_remote.py", "server", ns_host, &port, bind],
        &[],
    )
    .expect("python worker");
    server.wait_for_line("READY").expect("the worker started");
    server
}

/// `interop/tunnel_remote.py client`, on the "remote" side: looks `name` up in the name server
/// at 127.0.0.1:`ns_port`, calls `square(7)` and the oneway `count(n, callback)`; returns what
/// it printed (it must succeed).
pub fn python_client(python: &std::path::Path, ns_port: u16, name: &str, n: u32) -> String {
    let (port, n) = (ns_port.to_string(), n.to_string());
    let client = PythonProcess::spawn(
        python,
        &[
            "interop/tunnel_remote.py",
            "client",
            "127.0.0.1",
            &port,
            name,
            &n,
        ],
        &[],
    )
    .expect("python client");
    let (status, out) = client.finish().expect("the client ends");
    assert!(status.success(), "{out}");
    out
}

/// A tunnel to the test sshd, through its generated ssh_config, for the name server at
/// `ns_host`:`ns_port` (as the remote sees it).
pub async fn tunnel(sshd: &SshServer, ns_host: &str, ns_port: u16) -> Tunnel {
    Tunnel::builder_with(Target::alias(ALIAS), &Config::default())
        .ssh_config_file(sshd.ssh_config())
        .name_server(ns_host, ns_port)
        .open()
        .await
        .expect("tunnel opens")
}

/// A counter served to the remote side: `square`, and the oneway `count(n, callback)` that
/// reports each step with `callback.report(i)` and the total with `callback.done(total)` (the
/// old `async_method` pattern).
pub struct Counter;

#[expose]
impl Counter {
    fn square(&self, x: i64) -> i64 {
        x * x
    }

    #[oneway]
    async fn count(&self, n: i64, callback: Proxy) -> Result<(), RemoteException> {
        let mut total = 0;
        for i in 1..=n {
            total += i;
            callback.call_as::<pyroxene::Value>("report", (i,)).await?;
        }
        callback
            .call_as::<pyroxene::Value>("done", (total,))
            .await?;
        Ok(())
    }
}

/// A callback object collecting progress reports and the final result.
#[derive(Default)]
pub struct Collector {
    pub progress: Mutex<Vec<i64>>,
    pub total: Mutex<Option<i64>>,
    pub finished: Notify,
}

#[expose]
impl Collector {
    /// The name `integrate`'s cb_info points at in the Rust-client test.
    fn progress(&self, value: i64) {
        self.report(value);
    }

    fn report(&self, value: i64) {
        if let Ok(mut p) = self.progress.lock() {
            p.push(value);
        }
    }

    fn done(&self, total: i64) {
        if let Ok(mut t) = self.total.lock() {
            *t = Some(total);
        }
        self.finished.notify_one();
    }
}

impl Collector {
    /// Waits (at most 30 s) for `done` and returns the progress and the total.
    pub async fn wait(self: &Arc<Self>) -> (Vec<i64>, Option<i64>) {
        let _ = tokio::time::timeout(Duration::from_secs(30), self.finished.notified()).await;
        let progress = self.progress.lock().map(|p| p.clone()).unwrap_or_default();
        let total = self.total.lock().map(|t| *t).unwrap_or_default();
        (progress, total)
    }
}
