//! [`Error`]: what went wrong with ssh (read from its stderr) or with the Pyro work done
//! through the tunnel.

use std::fmt;
use std::io;

/// What kind of failure an [`Error`] is; the ssh kinds are read from ssh's own messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The server refused every key ("Permission denied (publickey)").
    AuthFailed,
    /// The host name doesn't resolve ("Could not resolve hostname").
    UnknownHost,
    /// The host key is not in `known_hosts` and BatchMode can't ask ("No ... host key is known",
    /// "Host key verification failed").
    HostKeyUnknown,
    /// The host key differs from the one in `known_hosts` ("REMOTE HOST IDENTIFICATION HAS
    /// CHANGED").
    HostKeyMismatch,
    /// Nothing listens at the ssh port ("Connection refused").
    ConnectionRefused,
    /// The ssh connection or a wait for it timed out.
    Timeout,
    /// A forward's listening port is taken ("Address already in use").
    PortInUse,
    /// The server or the master refused a forward (forwarding disabled, a bad address).
    ForwardFailed,
    /// The ssh connection ended (the master exited: the server went away, the network broke).
    Closed,
    /// `ssh` could not be run, or failed in a way none of the other kinds describes.
    Ssh,
    /// A hosts file that doesn't read, a name it doesn't have, an invalid option.
    Config,
    /// A Pyro operation done through the tunnel failed: see [`Error::pyro`].
    Pyro,
}

/// The error of every tunnel operation: a kind, a one-level message, and its cause as
/// [`std::error::Error::source`] (ssh's own words as an [`SshMessage`], an `io::Error`, or
/// the Pyro error; a Pyro error is shown as itself).
///
/// ```
/// use std::error::Error as _;
/// use pyroxene_tunnel::{Error, ErrorKind};
/// let e = Error::from_ssh("cannot open the ssh connection to lab", "root@lab: Permission denied (publickey).\n");
/// assert_eq!(e.kind(), ErrorKind::AuthFailed);
/// assert_eq!(e.to_string(), "cannot open the ssh connection to lab: authentication failed");
/// assert_eq!(e.source().unwrap().to_string(), "root@lab: Permission denied (publickey).");
/// ```
pub struct Error {
    repr: Repr,
}

enum Repr {
    Own {
        kind: ErrorKind,
        message: String,
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
    Pyro(pyroxene::Error),
}

/// Result of the tunnel operations.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// An error of `kind` with a message.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            repr: Repr::Own {
                kind,
                message: message.into(),
                source: None,
            },
        }
    }

    /// The same error, caused by `source`.
    #[must_use]
    pub fn with_source(self, source: impl std::error::Error + Send + Sync + 'static) -> Error {
        match self.repr {
            Repr::Own { kind, message, .. } => Error {
                repr: Repr::Own {
                    kind,
                    message,
                    source: Some(Box::new(source)),
                },
            },
            pyro @ Repr::Pyro(_) => Error { repr: pyro },
        }
    }

    /// What ssh's `stderr` says went wrong with `what` ("cannot open the ssh connection to
    /// lab"): the kind read from ssh's messages, the message `what: <kind>`, and ssh's words
    /// as the source.
    pub fn from_ssh(what: &str, stderr: &str) -> Error {
        let kind = classify(stderr);
        Error::new(kind, format!("{what}: {}", describe(kind))).with_source(SshMessage::new(stderr))
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> ErrorKind {
        match &self.repr {
            Repr::Own { kind, .. } => *kind,
            Repr::Pyro(_) => ErrorKind::Pyro,
        }
    }

    /// The Pyro error, for [`ErrorKind::Pyro`].
    pub fn pyro(&self) -> Option<&pyroxene::Error> {
        match &self.repr {
            Repr::Pyro(e) => Some(e),
            Repr::Own { .. } => None,
        }
    }

    /// The tunnel error in the chain of `error` (itself or one of its causes), e.g. why a
    /// proxy could not connect through a tunnel (its "cannot connect to host:port" is caused
    /// by the tunnel's error, passed through an `io::Error`).
    pub fn find_in<'a>(error: &'a (dyn std::error::Error + 'static)) -> Option<&'a Error> {
        let mut cause = Some(error);
        // Bounded: a chain is short, and a cyclic one must not hang us.
        for _ in 0..32 {
            let e = cause?;
            if let Some(found) = e.downcast_ref::<Error>() {
                return Some(found);
            }
            // An io::Error hides the error it wraps from `source()` (it returns the wrapped
            // error's own source), so look inside it.
            if let Some(found) = e
                .downcast_ref::<io::Error>()
                .and_then(io::Error::get_ref)
                .and_then(|inner| inner.downcast_ref::<Error>())
            {
                return Some(found);
            }
            cause = e.source();
        }
        None
    }

    /// This error as an `io::Error` of a fitting kind (what a
    /// [`Connector`](pyroxene::client::Connector) returns); [`Error::find_in`] gets it back.
    pub(crate) fn into_io(self) -> io::Error {
        let kind = match self.kind() {
            ErrorKind::ConnectionRefused => io::ErrorKind::ConnectionRefused,
            ErrorKind::Timeout => io::ErrorKind::TimedOut,
            ErrorKind::PortInUse => io::ErrorKind::AddrInUse,
            _ => io::ErrorKind::Other,
        };
        io::Error::new(kind, self)
    }
}

/// The kind ssh's messages name; the last line that says something decides.
fn classify(stderr: &str) -> ErrorKind {
    let has = |needle: &str| stderr.contains(needle);
    if has("REMOTE HOST IDENTIFICATION HAS CHANGED") || has("has changed and you have requested") {
        ErrorKind::HostKeyMismatch
    } else if has("host key is known") || has("Host key verification failed") {
        ErrorKind::HostKeyUnknown
    } else if has("Permission denied") || has("Too many authentication failures") {
        ErrorKind::AuthFailed
    } else if has("Could not resolve hostname") {
        ErrorKind::UnknownHost
    } else if has("Connection refused") {
        ErrorKind::ConnectionRefused
    } else if has("timed out") {
        ErrorKind::Timeout
    } else if has("Address already in use") || has("cannot listen to port") {
        ErrorKind::PortInUse
    } else if has("forwarding request failed")
        || has("forward request failed")
        || has("Port forwarding failed")
        || has("remote port forwarding failed")
        || has("administratively prohibited")
    {
        ErrorKind::ForwardFailed
    } else if has("closed by remote host")
        || has("Connection reset")
        || has("Broken pipe")
        || has("Connection closed")
        || has("No such file or directory")
    {
        ErrorKind::Closed
    } else {
        ErrorKind::Ssh
    }
}

fn describe(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::AuthFailed => "authentication failed",
        ErrorKind::UnknownHost => "unknown host",
        ErrorKind::HostKeyUnknown => "the host key is not known",
        ErrorKind::HostKeyMismatch => "the host key does not match known_hosts",
        ErrorKind::ConnectionRefused => "connection refused",
        ErrorKind::Timeout => "timed out",
        ErrorKind::PortInUse => "port in use",
        ErrorKind::ForwardFailed => "forwarding refused",
        ErrorKind::Closed => "the ssh connection is closed",
        ErrorKind::Ssh => "ssh failed",
        ErrorKind::Config => "invalid configuration",
        ErrorKind::Pyro => "Pyro error",
    }
}

impl From<pyroxene::Error> for Error {
    /// A Pyro operation's error, shown as itself ([`ErrorKind::Pyro`]).
    fn from(e: pyroxene::Error) -> Error {
        Error {
            repr: Repr::Pyro(e),
        }
    }
}

impl fmt::Display for Error {
    /// The message, this level only; `{:#}` adds the causes, joined by `": "`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.repr {
            Repr::Pyro(e) => fmt::Display::fmt(e, f),
            Repr::Own { message, .. } if !f.alternate() => f.write_str(message),
            Repr::Own { message, .. } => {
                f.write_str(message)?;
                let mut cause = std::error::Error::source(self);
                while let Some(e) = cause {
                    write!(f, ": {e}")?;
                    cause = e.source();
                }
                Ok(())
            }
        }
    }
}

impl fmt::Debug for Error {
    /// The message, then its causes one per line (as `anyhow` prints an error).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Repr::Pyro(e) = &self.repr {
            return fmt::Debug::fmt(e, f);
        }
        write!(f, "{self}")?;
        let mut cause = std::error::Error::source(self);
        if cause.is_some() {
            f.write_str("\n\nCaused by:")?;
        }
        while let Some(e) = cause {
            write!(f, "\n    {e}")?;
            cause = e.source();
        }
        Ok(())
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.repr {
            Repr::Own { source, .. } => source
                .as_deref()
                .map(|e| e as &(dyn std::error::Error + 'static)),
            Repr::Pyro(e) => e.source(),
        }
    }
}

/// What ssh printed about a failure: its meaningful stderr lines (banners and "Warning:
/// Permanently added" notes left out), joined by `"; "`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SshMessage {
    text: String,
}

impl SshMessage {
    /// The message of `stderr`.
    pub fn new(stderr: &str) -> SshMessage {
        let lines: Vec<&str> = stderr
            .lines()
            .map(str::trim)
            .filter(|l| {
                !l.is_empty()
                    && !l.starts_with("@@@")
                    && !l.starts_with('@')
                    && !l.starts_with("Warning: Permanently added")
            })
            .collect();
        // A host key warning runs to a dozen lines; its verdict is at the end.
        let keep = lines.len().saturating_sub(2);
        SshMessage {
            text: lines[keep..].join("; "),
        }
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl fmt::Display for SshMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl std::error::Error for SshMessage {}

#[cfg(test)]
mod tests {
    use super::*;

    /// ssh 9.2's own words, captured from the failures the integration tests provoke (and
    /// the resolver failure, which a test can't provoke without a DNS query).
    #[test]
    fn classifies_what_openssh_prints() {
        let cases = [
            (
                "root@127.0.0.1: Permission denied (publickey).",
                ErrorKind::AuthFailed,
            ),
            (
                "ssh: connect to host 127.0.0.1 port 42223: Connection refused",
                ErrorKind::ConnectionRefused,
            ),
            (
                "No ED25519 host key is known for [127.0.0.1]:42222 and you have requested strict checking.\nHost key verification failed.",
                ErrorKind::HostKeyUnknown,
            ),
            (
                "@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\nHost key for [127.0.0.1]:42222 has changed and you have requested strict checking.\nHost key verification failed.",
                ErrorKind::HostKeyMismatch,
            ),
            (
                "ssh: Could not resolve hostname nonexistent.invalid: Name or service not known",
                ErrorKind::UnknownHost,
            ),
            (
                "bind [127.0.0.1]:42222: Address already in use\nmux_client_forward: forwarding request failed: Port forwarding failed",
                ErrorKind::PortInUse,
            ),
            (
                "mux_client_forward: forwarding request failed: remote port forwarding failed for listen port 80",
                ErrorKind::ForwardFailed,
            ),
            (
                "ssh: connect to host 10.0.0.1 port 22: Connection timed out",
                ErrorKind::Timeout,
            ),
            ("something else entirely", ErrorKind::Ssh),
        ];
        for (stderr, kind) in cases {
            assert_eq!(classify(stderr), kind, "{stderr}");
        }
    }

    #[test]
    fn ssh_message_keeps_the_verdict_of_a_host_key_banner() {
        let banner = "@@@@@@@@@@@@\n@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\n@@@@@@@@@@@@\nIT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!\nSomeone could be eavesdropping on you right now (man-in-the-middle attack)!\nIt is also possible that a host key has just been changed.\nOffending ED25519 key in bad_known:1\n  remove with:\n  ssh-keygen -f \"bad_known\" -R \"[127.0.0.1]:42222\"\nHost key for [127.0.0.1]:42222 has changed and you have requested strict checking.\nHost key verification failed.\n";
        let e = Error::from_ssh("cannot open the ssh connection to lab", banner);
        assert_eq!(e.kind(), ErrorKind::HostKeyMismatch);
        let source = std::error::Error::source(&e).map(ToString::to_string);
        assert_eq!(
            source.as_deref(),
            Some(
                "Host key for [127.0.0.1]:42222 has changed and you have requested strict checking.; Host key verification failed."
            )
        );
    }

    #[test]
    fn found_through_an_io_error_and_a_pyro_error() {
        let tunnel = Error::new(ErrorKind::Closed, "the ssh connection to lab is closed");
        let pyro = pyroxene::Error::new(
            pyroxene::ErrorKind::Communication,
            "cannot connect to localhost:9090",
        )
        .with_source(tunnel.into_io());
        let found = Error::find_in(&pyro).map(Error::kind);
        assert_eq!(found, Some(ErrorKind::Closed));
        assert_eq!(
            format!("{pyro:#}"),
            "cannot connect to localhost:9090: the ssh connection to lab is closed"
        );
    }
}
