//! A server process of ours (`pyroxene ns`, an example daemon) started by a test: stdout read
//! line by line, killed (SIGKILL, by pid) when dropped.

use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdout, Command, Stdio};

/// A running child process whose stdout is read line by line; killed by pid on drop.
pub struct ServerProcess {
    child: Child,
    stdout: BufReader<ChildStdout>,
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
        Ok(ServerProcess {
            child,
            stdout: BufReader::new(stdout),
        })
    }

    /// Reads lines until one starts with `prefix` (at most 100 lines); returns the rest of it,
    /// trimmed.
    ///
    /// # Errors
    /// When the output ends first, or after 100 other lines.
    pub fn wait_for_line(&mut self, prefix: &str) -> std::io::Result<String> {
        for _ in 0..100 {
            let mut line = String::new();
            if self.stdout.read_line(&mut line)? == 0 {
                break;
            }
            if let Some(rest) = line.trim_end().strip_prefix(prefix) {
                return Ok(rest.trim().to_owned());
            }
        }
        Err(std::io::Error::other(format!(
            "no line starting with {prefix:?}"
        )))
    }

    /// Its stdout, for reading it another way than [`ServerProcess::wait_for_line`].
    pub fn stdout(&mut self) -> &mut BufReader<ChildStdout> {
        &mut self.stdout
    }

    /// Waits for the process to end and returns its exit status and remaining stdout.
    ///
    /// # Errors
    /// When reading its output or waiting for it fails.
    pub fn finish(mut self) -> std::io::Result<(std::process::ExitStatus, String)> {
        use std::io::Read;
        let mut rest = String::new();
        self.stdout.read_to_string(&mut rest)?;
        let status = self.child.wait()?;
        Ok((status, rest))
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
