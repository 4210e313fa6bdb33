//! A server process of ours (`pyroxene ns`, an example daemon) started by a test: stdout read
//! line by line, killed (SIGKILL, by pid) when dropped; and one-shot commands run to their end
//! within a time limit ([`output_within`]), killed by pid past it.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The time limit for a one-shot command run by a test ([`output_within`]): far above what any
/// of them takes (seconds at most, Python's start included) even on a loaded 2-core CI
/// machine, and far below the CI job's own limit, so a hung child fails its test with its name
/// instead of hanging the whole run. A command that legitimately runs longer gets its own.
pub const ONE_SHOT_LIMIT: Duration = Duration::from_secs(120);

/// How often [`output_within`] looks whether the child has ended: short, since most children
/// end within milliseconds and a test waits this long at most for nothing.
const POLL: Duration = Duration::from_millis(10);

/// How long [`output_within`] waits, after killing a child, for the rest of its output (shown
/// in the error): a process the child started may still hold its pipes open.
const GRACE: Duration = Duration::from_secs(2);

/// At most this many bytes of each of stdout and stderr are quoted in a time-out error: the
/// end of a hung child's output says where it hung.
const QUOTED: usize = 2000;

/// Runs `command` to its end, like [`Command::output`], but within `limit`: past it the child is
/// killed (SIGKILL, by pid) and waited for, and the error ([`std::io::ErrorKind::TimedOut`])
/// names the program, its arguments, its pid and the limit, and quotes the end of its output.
///
/// Stdout and stderr are piped (whatever `command` set) and read on their own threads, so a
/// child that writes much before it ends can't block on a full pipe. With `stdin`, the child's
/// stdin is a pipe that gets those bytes (written on a thread, for a child that reads them
/// late or never) and is then closed; without, it is null (whatever `command` set), as for
/// [`Command::output`], so a child that reads stdin never waits on the test's.
///
/// # Errors
/// When the child can't be started, waiting for it or reading its output fails, it is still
/// running after `limit`, or it ended but a process it started still holds its output open at
/// `limit` (that process is not ours to kill: only the child's pid is known here).
pub fn output_within(
    command: &mut Command,
    stdin: Option<&[u8]>,
    limit: Duration,
) -> std::io::Result<Output> {
    let deadline = Instant::now() + limit;
    let mut child = command
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let writer = child.stdin.take().zip(stdin).map(|(mut pipe, bytes)| {
        let bytes = bytes.to_vec();
        // Dropping the pipe at the end of the thread closes it: the child sees end of input.
        std::thread::spawn(move || match pipe.write_all(&bytes) {
            // The child ended (or closed its stdin) without reading it all: its status and
            // output say what happened, which is what the test checks.
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            other => other,
        })
    });
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) => {}
            Err(e) => {
                // Not known to have ended: killed, so no error leaves it running.
                let _ = child.kill();
                let _ = child.wait();
                return Err(e);
            }
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            // Killed, its end of the pipes is closed: what it wrote arrives at once, unless
            // a process it started holds them (then the error quotes nothing of that stream).
            let grace = Instant::now() + GRACE;
            let quote = |handle: JoinHandle<std::io::Result<Vec<u8>>>| {
                let bytes: Vec<u8> = join_by(handle, grace)
                    .and_then(Result::ok)
                    .unwrap_or_default();
                tail(&bytes)
            };
            return Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                format!(
                    "{} (pid {}) still running after {} s: killed\n\
                     --- its stdout (end) ---\n{}\n--- its stderr (end) ---\n{}",
                    describe(command),
                    child.id(),
                    limit.as_secs_f64(),
                    quote(stdout),
                    quote(stderr),
                ),
            ));
        }
        std::thread::sleep(POLL);
    };
    // The child has ended, so its pipes end too, unless a process it started holds them: the
    // same deadline bounds that wait.
    let held = || {
        std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            format!(
                "{} ended ({status}) but its stdin, stdout or stderr was still open after {} s: \
                 a process it started holds it",
                describe(command),
                limit.as_secs_f64(),
            ),
        )
    };
    if let Some(writer) = writer {
        join_by(writer, deadline).ok_or_else(held)??;
    }
    let stdout = join_by(stdout, deadline).ok_or_else(held)??;
    let stderr = join_by(stderr, deadline).ok_or_else(held)??;
    Ok(Output {
        status,
        stdout,
        stderr,
    })
}

/// A thread reading `pipe` to its end (an empty output without a pipe).
fn drain(pipe: Option<impl Read + Send + 'static>) -> JoinHandle<std::io::Result<Vec<u8>>> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(mut pipe) = pipe {
            pipe.read_to_end(&mut bytes)?;
        }
        Ok(bytes)
    })
}

/// The thread's result if it ends by `deadline`; else `None`, and the thread is left to end on
/// its own (it only reads or writes a pipe, and ends when the pipe does).
fn join_by<T>(
    handle: JoinHandle<std::io::Result<T>>,
    deadline: Instant,
) -> Option<std::io::Result<T>> {
    while !handle.is_finished() {
        if Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(POLL);
    }
    Some(
        handle
            .join()
            .unwrap_or_else(|_| Err(std::io::Error::other("a pipe thread panicked"))),
    )
}

/// The end of `bytes` as text, at most [`QUOTED`] bytes of it.
fn tail(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(&bytes[bytes.len().saturating_sub(QUOTED)..]);
    text.trim_end().to_owned()
}

/// The program and its arguments, as an error message names them: `program arg...`, each
/// quoted as Rust quotes a string (so spaces and empty arguments show).
fn describe(command: &Command) -> String {
    let mut text = format!("{:?}", command.get_program());
    for arg in command.get_args() {
        text.push_str(&format!(" {arg:?}"));
    }
    text
}

/// How long [`ServerProcess::wait_for_line`] waits for its line: far above any server's
/// start (Python's included) on a loaded 2-core CI machine; a child that goes silent fails
/// its test with the line it was waiting for instead of hanging the run.
pub const LINE_LIMIT: Duration = Duration::from_secs(120);

/// How long [`ServerProcess::finish`] waits for the rest of the output and the exit: the
/// longest Python script a test runs to its end takes well under a minute here.
pub const FINISH_LIMIT: Duration = Duration::from_secs(300);

/// A running child process whose stdout is read line by line; killed by pid on drop.
///
/// A thread reads its stdout into a channel, so every wait on it has a time limit (a
/// `read_line` on the pipe itself would block for as long as the child stays silent) and the
/// child never blocks on a full pipe.
pub struct ServerProcess {
    child: Child,
    lines: Receiver<std::io::Result<String>>,
}

impl ServerProcess {
    /// Starts `command` with its stdout piped (stdin closed, stderr inherited unless the
    /// command says otherwise) and `PYRO_BROADCAST_ADDRS=127.0.0.1` unless the command sets
    /// it otherwise.
    ///
    /// # Errors
    /// When it can't be started.
    pub fn spawn(mut command: Command) -> std::io::Result<ServerProcess> {
        if !command
            .get_envs()
            .any(|(name, _)| name == "PYRO_BROADCAST_ADDRS")
        {
            command.env("PYRO_BROADCAST_ADDRS", "127.0.0.1");
        }
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| std::io::Error::other("no stdout"))?;
        let (send, lines) = mpsc::channel();
        // Ends at the end of the output (the child and whatever it started closed the pipe),
        // or once nobody receives any more.
        std::thread::spawn(move || {
            let mut stdout = BufReader::new(stdout);
            loop {
                let mut line = String::new();
                match stdout.read_line(&mut line) {
                    Ok(0) => return,
                    Ok(_) => {
                        if send.send(Ok(line)).is_err() {
                            return;
                        }
                    }
                    Err(e) => {
                        let _ = send.send(Err(e));
                        return;
                    }
                }
            }
        });
        Ok(ServerProcess { child, lines })
    }

    /// The next line of its stdout (with its newline), `None` at the end of the output.
    ///
    /// # Errors
    /// Reading fails, or no line comes within `limit` ([`std::io::ErrorKind::TimedOut`]).
    pub fn next_line(&mut self, limit: Duration) -> std::io::Result<Option<String>> {
        match self.lines.recv_timeout(limit) {
            Ok(line) => line.map(Some),
            Err(RecvTimeoutError::Disconnected) => Ok(None),
            Err(RecvTimeoutError::Timeout) => Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                format!(
                    "pid {}: no line within {} s",
                    self.child.id(),
                    limit.as_secs_f64()
                ),
            )),
        }
    }

    /// Reads lines until one starts with `prefix` (at most 100 lines, within [`LINE_LIMIT`]);
    /// returns the rest of it, trimmed.
    ///
    /// # Errors
    /// When the output ends first, after 100 other lines, or past the time limit.
    pub fn wait_for_line(&mut self, prefix: &str) -> std::io::Result<String> {
        self.wait_for_line_within(prefix, LINE_LIMIT)
    }

    /// [`ServerProcess::wait_for_line`] with a time limit of the caller's.
    ///
    /// # Errors
    /// As [`ServerProcess::wait_for_line`], past `limit`.
    pub fn wait_for_line_within(
        &mut self,
        prefix: &str,
        limit: Duration,
    ) -> std::io::Result<String> {
        let deadline = Instant::now() + limit;
        for _ in 0..100 {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = match self.next_line(left) {
                Ok(Some(line)) => line,
                Ok(None) => break,
                Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {
                    return Err(std::io::Error::new(
                        e.kind(),
                        format!("no line starting with {prefix:?}: {e}"),
                    ));
                }
                Err(e) => return Err(e),
            };
            if let Some(rest) = line.trim_end().strip_prefix(prefix) {
                return Ok(rest.trim().to_owned());
            }
        }
        Err(std::io::Error::other(format!(
            "no line starting with {prefix:?}"
        )))
    }

    /// Waits for the process to end and returns its exit status and remaining stdout, within
    /// [`FINISH_LIMIT`]; past it the process is killed.
    ///
    /// # Errors
    /// When reading its output or waiting for it fails, or past the time limit.
    pub fn finish(mut self) -> std::io::Result<(std::process::ExitStatus, String)> {
        let deadline = Instant::now() + FINISH_LIMIT;
        let mut rest = String::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.next_line(left) {
                Ok(Some(line)) => rest.push_str(&line),
                Ok(None) => break,
                Err(e) => {
                    self.kill();
                    return Err(e);
                }
            }
        }
        loop {
            if let Some(status) = self.child.try_wait()? {
                return Ok((status, rest));
            }
            if Instant::now() >= deadline {
                self.kill();
                return Err(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    format!(
                        "pid {} closed its output but still ran after {} s: killed",
                        self.child.id(),
                        FINISH_LIMIT.as_secs_f64()
                    ),
                ));
            }
            std::thread::sleep(POLL);
        }
    }

    /// The process id.
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// Kills it (SIGKILL) and waits for it.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression (a silent child hung the test that waited for its line): the wait ends at
    /// its limit with the line it waited for, and the child is killed on drop.
    #[test]
    fn a_silent_server_fails_the_wait_for_its_line_in_time() {
        let mut command = Command::new("sh");
        command.args(["-c", "echo starting; exec sleep 30"]);
        let mut server = ServerProcess::spawn(command).expect("sh runs");
        let started = Instant::now();
        let e = server
            .wait_for_line_within("ready", Duration::from_secs(1))
            .expect_err("never ready");
        assert_eq!(e.kind(), std::io::ErrorKind::TimedOut, "{e}");
        assert!(e.to_string().contains("\"ready\""), "{e}");
        assert!(started.elapsed() < Duration::from_secs(10));
        let pid = server.id();
        drop(server);
        assert!(!std::path::Path::new(&format!("/proc/{pid}")).exists());
    }

    /// Lines arrive in order, the end of the output is `None`, and `finish` gives the rest
    /// and the exit status.
    #[test]
    fn lines_then_the_end_then_the_status() {
        let mut command = Command::new("sh");
        command.args(["-c", "echo one; echo two; echo three; exit 4"]);
        let mut server = ServerProcess::spawn(command).expect("sh runs");
        assert_eq!(server.wait_for_line("one").expect("one"), "");
        let two = server.next_line(Duration::from_secs(60)).expect("two");
        assert_eq!(two.as_deref(), Some("two\n"));
        let (status, rest) = server.finish().expect("ends");
        assert_eq!((status.code(), rest.as_str()), (Some(4), "three\n"));

        let command = Command::new("true");
        let mut server = ServerProcess::spawn(command).expect("true runs");
        assert_eq!(
            server.next_line(Duration::from_secs(60)).expect("end"),
            None
        );
    }

    /// A child that outlives its limit is killed and reaped within a few seconds, and the error
    /// says what was killed, after how long.
    #[test]
    fn a_child_past_its_limit_is_killed_by_pid() {
        let started = Instant::now();
        let e = output_within(
            Command::new("sleep").arg("30"),
            None,
            Duration::from_secs(1),
        )
        .expect_err("sleep 30 outlives 1 s");
        assert!(started.elapsed() < Duration::from_secs(5), "{e}");
        assert_eq!(e.kind(), std::io::ErrorKind::TimedOut);
        let text = e.to_string();
        assert!(
            text.starts_with("\"sleep\" \"30\" (pid ")
                && text.contains("still running after 1 s: killed"),
            "{text}"
        );
        let pid = text
            .split("(pid ")
            .nth(1)
            .and_then(|rest| rest.split(')').next())
            .expect("the pid in the message");
        // Reaped: not even a zombie is left (a zombie keeps its /proc entry).
        assert!(
            !std::path::Path::new(&format!("/proc/{pid}")).exists(),
            "pid {pid} still there"
        );
    }

    /// Stdout, stderr and the exit status come back as `Command::output` gives them.
    #[test]
    fn output_and_status_come_back() {
        let out = output_within(
            Command::new("sh").args(["-c", "echo hi; echo err >&2; exit 3"]),
            None,
            ONE_SHOT_LIMIT,
        )
        .expect("sh runs");
        assert_eq!(out.stdout, b"hi\n");
        assert_eq!(out.stderr, b"err\n");
        assert_eq!(out.status.code(), Some(3));
    }

    /// Stdin given reaches the child and is closed after it; without it the child reads end of
    /// input at once. The output is more than a pipe holds (64 KiB), read while it is written.
    #[test]
    fn stdin_passes_through() {
        let input: Vec<u8> = (0..200_000u32).flat_map(|i| i.to_le_bytes()).collect();
        let out = output_within(&mut Command::new("cat"), Some(&input), ONE_SHOT_LIMIT)
            .expect("cat runs");
        assert!(out.status.success());
        assert_eq!(out.stdout, input);
        let out = output_within(&mut Command::new("cat"), None, Duration::from_secs(10))
            .expect("cat ends at once");
        assert!(out.status.success() && out.stdout.is_empty());
    }

    /// A time-out error quotes what the child wrote before it was killed: where it hung.
    #[test]
    fn a_time_out_quotes_the_end_of_the_output() {
        let e = output_within(
            Command::new("sh").args(["-c", "echo waiting; echo for nothing >&2; exec sleep 30"]),
            None,
            Duration::from_secs(1),
        )
        .expect_err("sleep 30 outlives 1 s");
        let text = e.to_string();
        assert!(
            text.contains(
                "--- its stdout (end) ---\nwaiting\n--- its stderr (end) ---\nfor nothing"
            ),
            "{text}"
        );
    }

    /// A child that ends while a process it started still holds its stdout: the wait ends at
    /// the limit too, with an error saying so. The grandchild is then killed by its pid.
    #[test]
    fn output_held_by_a_grandchild_is_waited_for_within_the_limit() {
        let pid_file = std::env::temp_dir().join(format!(
            "pyroxene-testkit-grandchild-{}.pid",
            std::process::id()
        ));
        let started = Instant::now();
        let e = output_within(
            Command::new("sh")
                .args(["-c", "sleep 30 & echo $! > \"$0\"; echo started"])
                .arg(&pid_file),
            None,
            Duration::from_secs(1),
        )
        .expect_err("the sleep holds stdout");
        let pid = std::fs::read_to_string(&pid_file).expect("the grandchild's pid");
        let _ = std::fs::remove_file(&pid_file);
        let killed = output_within(
            Command::new("kill").args(["-9", pid.trim()]),
            None,
            ONE_SHOT_LIMIT,
        )
        .expect("kill runs");
        assert!(killed.status.success(), "{killed:?}");
        assert!(started.elapsed() < Duration::from_secs(4), "{e}");
        assert!(
            e.to_string().contains("a process it started holds it"),
            "{e}"
        );
    }
}
