//! The ssh control master: one `ssh -M -S <socket> -N` process per tunnel, started and reaped
//! by a thread of its own, and the `ssh -S <socket> -O <command>` calls that add, cancel and
//! check forwards on it.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use crate::error::{Error, ErrorKind, Result};
use crate::target::Target;

/// How many of the master's stderr lines are kept for error messages.
const STDERR_LINES: usize = 64;
/// How often the start waits for the control socket to appear.
const POLL: Duration = Duration::from_millis(20);
/// The longest a control command (`-O forward` ...) may take: it talks to a local socket.
const CONTROL_TIMEOUT: Duration = Duration::from_secs(20);

/// How ssh is run: the program, its configuration file and options, the target.
#[derive(Debug, Clone)]
pub(crate) struct SshCommand {
    pub(crate) program: PathBuf,
    pub(crate) config_file: Option<PathBuf>,
    pub(crate) options: Vec<String>,
    pub(crate) target: Target,
    pub(crate) connect_timeout: Duration,
}

impl SshCommand {
    /// The arguments every ssh we run gets: `-F`, the target's, the options.
    fn common(&self) -> Vec<String> {
        let mut args = Vec::new();
        if let Some(file) = &self.config_file {
            args.extend(["-F".to_owned(), file.display().to_string()]);
        }
        args.extend(self.target.ssh_args());
        for option in &self.options {
            args.extend(["-o".to_owned(), option.clone()]);
        }
        args
    }

    fn master_args(&self, socket: &Path) -> Vec<String> {
        let mut args = vec![
            "-M".to_owned(),
            "-S".to_owned(),
            socket.display().to_string(),
        ];
        args.push("-N".to_owned());
        for option in [
            "ControlPersist=no",
            "ExitOnForwardFailure=yes",
            "BatchMode=yes",
            // Forwards of the user's config (LocalForward...) are not ours to open.
            "ClearAllForwardings=yes",
        ] {
            args.extend(["-o".to_owned(), option.to_owned()]);
        }
        let secs = self.connect_timeout.as_secs().max(1);
        args.extend(["-o".to_owned(), format!("ConnectTimeout={secs}")]);
        args.extend(self.common());
        args.push(self.target.destination().to_owned());
        args
    }

    fn control_args(&self, socket: &Path, op: &str, extra: &[String]) -> Vec<String> {
        let mut args = vec![
            "-S".to_owned(),
            socket.display().to_string(),
            "-O".to_owned(),
            op.to_owned(),
        ];
        args.extend(["-o".to_owned(), "BatchMode=yes".to_owned()]);
        args.extend(extra.iter().cloned());
        args.extend(self.common());
        args.push(self.target.destination().to_owned());
        args
    }
}

/// What the reaper thread learns about the master: its stderr and how it ended.
#[derive(Default)]
struct Watch {
    stderr: Mutex<Stderr>,
    exited: Mutex<Option<ExitStatus>>,
    /// Woken once `exited` is set.
    ended: tokio::sync::Notify,
}

/// Waits for one master's exit without holding the master (see [`Master::exit_watch`]).
pub(crate) struct ExitWatch(Arc<Watch>);

impl ExitWatch {
    /// Returns once the master process has ended.
    pub(crate) async fn ended(&self) {
        loop {
            // Made before the check: `notify_waiters` reaches it from then on.
            let notified = self.0.ended.notified();
            if self.0.exited.lock().is_ok_and(|e| e.is_some()) {
                return;
            }
            notified.await;
        }
    }
}

#[derive(Default)]
struct Stderr {
    lines: VecDeque<String>,
    /// Lines read so far, so a caller can ask for the lines written since a mark.
    count: u64,
}

/// A running (or ended) control master.
pub(crate) struct Master {
    socket: PathBuf,
    pid: u32,
    watch: Arc<Watch>,
}

impl Master {
    /// Starts the master and waits until its control socket answers (ssh creates it once
    /// the connection is authenticated), or until ssh exits (its stderr says why) or the
    /// connect timeout (twice: connecting, then authenticating) has passed.
    pub(crate) async fn start(ssh: &SshCommand, socket: PathBuf) -> Result<Master> {
        let _ = std::fs::remove_file(&socket);
        let args = ssh.master_args(&socket);
        tracing::debug!(
            "starting the ssh master: {} {}",
            ssh.program.display(),
            args.join(" ")
        );
        let watch = Arc::new(Watch::default());
        let (tx, rx) = tokio::sync::oneshot::channel();
        let program = ssh.program.clone();
        let reaper_watch = watch.clone();
        std::thread::Builder::new()
            .name("ssh-master".into())
            .spawn(move || run_master(&program, &args, &reaper_watch, tx))
            .map_err(|e| Error::new(ErrorKind::Ssh, "cannot start a thread").with_source(e))?;
        let pid = rx
            .await
            .map_err(|_| Error::new(ErrorKind::Ssh, "the ssh master thread ended"))?
            .map_err(|e| {
                Error::new(
                    ErrorKind::Ssh,
                    format!("cannot run {}", ssh.program.display()),
                )
                .with_source(e)
            })?;
        let master = Master { socket, pid, watch };
        let what = format!("cannot open the ssh connection to {}", ssh.target);
        let deadline = Instant::now() + ssh.connect_timeout * 2;
        loop {
            if master.exited() {
                return Err(Error::from_ssh(&what, &master.stderr_since(0)));
            }
            if master.socket.exists() {
                break;
            }
            if Instant::now() >= deadline {
                master.stop(ssh);
                return Err(Error::new(ErrorKind::Timeout, format!("{what}: timed out")));
            }
            tokio::time::sleep(POLL).await;
        }
        if let Err(e) = master.control(ssh, "check", &[]).await {
            master.stop(ssh);
            return Err(e);
        }
        tracing::debug!("ssh master {} up for {}", master.pid, ssh.target);
        Ok(master)
    }

    /// The master's process id.
    pub(crate) fn pid(&self) -> u32 {
        self.pid
    }

    /// A handle that waits for this master's exit.
    pub(crate) fn exit_watch(&self) -> ExitWatch {
        ExitWatch(self.watch.clone())
    }

    /// Whether the master process has ended.
    pub(crate) fn exited(&self) -> bool {
        self.watch.exited.lock().is_ok_and(|e| e.is_some())
    }

    /// Lines read from the master's stderr so far (a mark for [`Master::stderr_since`]).
    fn stderr_mark(&self) -> u64 {
        self.watch.stderr.lock().map_or(0, |s| s.count)
    }

    /// The master's stderr lines after `mark` (those still kept).
    pub(crate) fn stderr_since(&self, mark: u64) -> String {
        let Ok(stderr) = self.watch.stderr.lock() else {
            return String::new();
        };
        let kept = stderr.lines.len() as u64;
        let skip = mark.saturating_sub(stderr.count - kept);
        let lines: Vec<&str> = stderr
            .lines
            .iter()
            .skip(usize::try_from(skip).unwrap_or(usize::MAX))
            .map(String::as_str)
            .collect();
        lines.join("\n")
    }

    /// Runs `ssh -S <socket> -O <op> <extra>` and returns its stdout; a failure is the
    /// error its stderr and the master's new stderr lines describe.
    pub(crate) async fn control(
        &self,
        ssh: &SshCommand,
        op: &str,
        extra: &[String],
    ) -> Result<String> {
        let mark = self.stderr_mark();
        let args = ssh.control_args(&self.socket, op, extra);
        let run = tokio::process::Command::new(&ssh.program)
            .args(&args)
            .stdin(Stdio::null())
            .kill_on_drop(true)
            .output();
        let what = format!("ssh -O {op} {} on {}", extra.join(" "), ssh.target);
        let output = match tokio::time::timeout(CONTROL_TIMEOUT, run).await {
            Err(_) => return Err(Error::new(ErrorKind::Timeout, format!("{what}: timed out"))),
            Ok(Err(e)) => {
                return Err(Error::new(
                    ErrorKind::Ssh,
                    format!("cannot run {}", ssh.program.display()),
                )
                .with_source(e));
            }
            Ok(Ok(output)) => output,
        };
        if output.status.success() {
            return Ok(String::from_utf8_lossy(&output.stdout).into_owned());
        }
        let mut stderr = self.stderr_since(mark);
        if !stderr.is_empty() {
            stderr.push('\n');
        }
        stderr.push_str(&String::from_utf8_lossy(&output.stderr));
        Err(Error::from_ssh(&what, &stderr))
    }

    /// Ends the master: `-O exit` (it closes its forwards and removes the socket), then
    /// SIGTERM by pid unless the reaper saw it end. Synchronous, for `Drop`.
    pub(crate) fn stop(&self, ssh: &SshCommand) {
        if self.exited() {
            return;
        }
        if self.socket.exists() {
            let _ = Command::new(&ssh.program)
                .args(ssh.control_args(&self.socket, "exit", &[]))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
        // Bounded wait for the exit the request asked for.
        for _ in 0..50 {
            if self.exited() {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        // The reaper hasn't seen it end, so the pid is still this master's.
        if let Some(pid) = i32::try_from(self.pid)
            .ok()
            .and_then(rustix::process::Pid::from_raw)
        {
            let _ = rustix::process::kill_process(pid, rustix::process::Signal::TERM);
        }
    }
}

/// The reaper thread: spawns ssh (under `setpriv --pdeathsig KILL` where that exists, so the
/// kernel kills ssh when this thread, hence the process, dies), sends back its pid, keeps its
/// stderr, and records its exit. The thread lives exactly as long as ssh.
fn run_master(
    program: &Path,
    args: &[String],
    watch: &Watch,
    started: tokio::sync::oneshot::Sender<std::io::Result<u32>>,
) {
    let mut command = if pdeathsig_wrapper() {
        let mut c = Command::new("setpriv");
        c.args(["--pdeathsig", "KILL", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    };
    command
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(e) => {
            let _ = started.send(Err(e));
            return;
        }
    };
    let _ = started.send(Ok(child.id()));
    if let Some(stderr) = child.stderr.take() {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            tracing::debug!("ssh master: {line}");
            if let Ok(mut kept) = watch.stderr.lock() {
                if kept.lines.len() == STDERR_LINES {
                    kept.lines.pop_front();
                }
                kept.lines.push_back(line);
                kept.count += 1;
            }
        }
    }
    let status = child.wait();
    tracing::debug!("ssh master {} ended: {status:?}", child.id());
    if let Ok(mut exited) = watch.exited.lock() {
        // An error from wait() still means the process is gone.
        *exited = Some(status.unwrap_or_else(|_| ExitStatus::default()));
    }
    watch.ended.notify_waiters();
}

/// Whether util-linux's `setpriv --pdeathsig` is there (checked once). The death signal is
/// set in the child between fork and exec, which Rust can only do with `unsafe`
/// (`pre_exec`); setpriv does it and then execs ssh, keeping its pid.
fn pdeathsig_wrapper() -> bool {
    static AVAILABLE: OnceLock<bool> = OnceLock::new();
    *AVAILABLE.get_or_init(|| {
        let ok = Command::new("setpriv")
            .args(["--pdeathsig", "KILL", "--", "true"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            tracing::debug!("no setpriv --pdeathsig: an ssh master outlives a crashed process");
        }
        ok
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn master_and_control_command_lines() {
        let ssh = SshCommand {
            program: "ssh".into(),
            config_file: Some("/t/ssh_config".into()),
            options: vec!["ServerAliveInterval=5".into()],
            target: Target::alias("lab"),
            connect_timeout: Duration::from_secs(10),
        };
        assert_eq!(
            ssh.master_args(Path::new("/t/ctl")).join(" "),
            "-M -S /t/ctl -N -o ControlPersist=no -o ExitOnForwardFailure=yes -o BatchMode=yes \
             -o ClearAllForwardings=yes -o ConnectTimeout=10 -F /t/ssh_config \
             -o ServerAliveInterval=5 lab"
        );
        let forward = ["-L".to_owned(), "127.0.0.1:4000:localhost:9090".to_owned()];
        assert_eq!(
            ssh.control_args(Path::new("/t/ctl"), "forward", &forward)
                .join(" "),
            "-S /t/ctl -O forward -o BatchMode=yes -L 127.0.0.1:4000:localhost:9090 \
             -F /t/ssh_config -o ServerAliveInterval=5 lab"
        );
    }
}
