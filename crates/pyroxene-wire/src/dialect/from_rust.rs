//! Rust errors as the Python exceptions a Pyro client raises: what lets an exposed method
//! return `Result<T, String>`, `io::Result<T>` or its own error type (the macro converts the
//! error with `Into<RemoteException>`).

use std::io;

use super::{ExceptionClass, RemoteException};
use crate::Value;

/// A message as Python's `builtins.RuntimeError`, the exception Python code raises for an
/// error that has no better class.
impl From<String> for RemoteException {
    fn from(message: String) -> RemoteException {
        RemoteException::builtin("RuntimeError", message)
    }
}

/// A message as Python's `builtins.RuntimeError` (see `From<String>`).
impl From<&str> for RemoteException {
    fn from(message: &str) -> RemoteException {
        RemoteException::builtin("RuntimeError", message)
    }
}

/// An I/O error as the `OSError` Python raises for the same failure, in the shape a Python
/// daemon sends it: the subclass of the error's kind (`FileNotFoundError`,
/// `PermissionError`, `ConnectionRefusedError`...; `OSError` for the others) and, for an
/// error from the operating system, Python's arguments `(errno, strerror)`, so a Python client
/// gets an exception with `errno` and `strerror` set (`[Errno 2] No such file or directory`).
/// An error without an OS code (`io::Error::new(kind, message)`) has its message as the one
/// argument. The error's causes go into the remote traceback, as with
/// [`RemoteException::from_error`].
///
/// ```
/// use pyroxene_wire::dialect::RemoteException;
/// use pyroxene_wire::Value;
/// # #[cfg(unix)] {
/// let e = RemoteException::from(std::fs::read("/no/such/file").unwrap_err());
/// assert_eq!(e.class, "builtins.FileNotFoundError");
/// assert_eq!(e.args, vec![Value::from(2), Value::from("No such file or directory")]);
/// # }
/// let e = RemoteException::from(std::io::Error::other("disk on fire"));
/// assert_eq!(e.class, "builtins.OSError");
/// assert_eq!(e.message(), "disk on fire");
/// ```
impl From<io::Error> for RemoteException {
    fn from(error: io::Error) -> RemoteException {
        let class = os_error_class(error.kind());
        let mut exception = RemoteException::from_error(ExceptionClass::builtin(class), &error);
        if let Some((errno, strerror)) = errno_args(&error) {
            exception.args = vec![Value::from(errno), Value::from(strerror)];
        }
        exception
    }
}

/// Python's `OSError` subclass for an error kind (the kinds Rust decodes from the same errno
/// values CPython's table maps; other errno values still reach Python as `OSError(errno, ..)`,
/// whose constructor picks the subclass itself).
fn os_error_class(kind: io::ErrorKind) -> &'static str {
    use io::ErrorKind as K;
    match kind {
        K::NotFound => "FileNotFoundError",
        K::PermissionDenied => "PermissionError",
        K::AlreadyExists => "FileExistsError",
        K::ConnectionRefused => "ConnectionRefusedError",
        K::ConnectionReset => "ConnectionResetError",
        K::ConnectionAborted => "ConnectionAbortedError",
        K::BrokenPipe => "BrokenPipeError",
        K::WouldBlock => "BlockingIOError",
        K::TimedOut => "TimeoutError",
        K::Interrupted => "InterruptedError",
        K::IsADirectory => "IsADirectoryError",
        K::NotADirectory => "NotADirectoryError",
        _ => "OSError",
    }
}

/// `(errno, strerror)` of an error from the operating system: what Python's `OSError`
/// takes. Unix only: elsewhere the OS code is not an errno.
#[cfg(unix)]
fn errno_args(error: &io::Error) -> Option<(i32, String)> {
    let errno = error.raw_os_error()?;
    // std shows an OS error as `strerror(errno)` followed by ` (os error N)`.
    let text = io::Error::from_raw_os_error(errno).to_string();
    let suffix = format!(" (os error {errno})");
    let strerror = text.strip_suffix(&suffix).unwrap_or(&text).to_owned();
    Some((errno, strerror))
}

#[cfg(not(unix))]
fn errno_args(_: &io::Error) -> Option<(i32, String)> {
    None
}

impl RemoteException {
    /// An exception of `class` (qualified, e.g. `builtins.KeyError`) for a Rust error: its
    /// `Display` is the message, and its chain of causes (`source()`) goes into the remote
    /// traceback, which Python clients print under "Remote traceback" (Rust clients read it
    /// in [`RemoteException::traceback`]). Without causes the traceback is left to the daemon.
    ///
    /// The way to send a user error type: implement `From<MyError> for RemoteException`
    /// with it, choosing a class per variant. A Python client rebuilds builtin exceptions and
    /// Pyro's own; any other class it refuses with `SerializeError` ("unsupported serialized
    /// class") unless it registered a converter for that class name
    /// (`Pyro5.api.register_dict_to_class`). So pick builtin classes for errors Python code
    /// should catch by type.
    ///
    /// ```
    /// use pyroxene_wire::dialect::RemoteException;
    ///
    /// #[derive(Debug)]
    /// enum LibraryError { NoSuchBook(u32), Storage(std::io::Error) }
    /// impl std::fmt::Display for LibraryError {
    ///     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
    ///         match self {
    ///             LibraryError::NoSuchBook(id) => write!(f, "no book {id}"),
    ///             LibraryError::Storage(_) => f.write_str("cannot read the catalogue"),
    ///         }
    ///     }
    /// }
    /// impl std::error::Error for LibraryError {
    ///     fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
    ///         match self { LibraryError::Storage(e) => Some(e), _ => None }
    ///     }
    /// }
    /// impl From<LibraryError> for RemoteException {
    ///     fn from(e: LibraryError) -> RemoteException {
    ///         let class = match e {
    ///             LibraryError::NoSuchBook(_) => "builtins.LookupError",
    ///             LibraryError::Storage(_) => "builtins.OSError",
    ///         };
    ///         RemoteException::from_error(class, &e)
    ///     }
    /// }
    ///
    /// let e = RemoteException::from(LibraryError::Storage(std::io::Error::other("disk gone")));
    /// assert_eq!(e.to_string(), "OSError: cannot read the catalogue");
    /// assert_eq!(e.traceback.unwrap().last().unwrap(), "caused by: disk gone\n");
    /// ```
    pub fn from_error<E>(class: impl Into<ExceptionClass>, error: &E) -> RemoteException
    where
        E: std::error::Error + ?Sized,
    {
        let exception = RemoteException::new(class, error.to_string());
        let mut causes = std::iter::successors(error.source(), |e| e.source()).peekable();
        if causes.peek().is_none() {
            return exception;
        }
        let mut lines = vec![
            "Traceback (most recent call last):\n".to_owned(),
            "  (raised in a pyroxene daemon)\n".to_owned(),
            format!("{}: {}\n", exception.short_class(), exception.message()),
        ];
        lines.extend(causes.map(|cause| format!("caused by: {cause}\n")));
        exception.with_traceback(lines)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_runtime_errors() {
        let e = RemoteException::from("no".to_owned());
        assert_eq!(e.class, "builtins.RuntimeError");
        assert_eq!(e.message(), "no");
        assert_eq!(RemoteException::from("no"), e);
    }

    #[cfg(unix)]
    #[test]
    fn os_errors_carry_errno_and_strerror() {
        for (errno, class, text) in [
            (2, "builtins.FileNotFoundError", "No such file or directory"),
            (13, "builtins.PermissionError", "Permission denied"),
            (111, "builtins.ConnectionRefusedError", "Connection refused"),
            (3, "builtins.OSError", "No such process"),
        ] {
            let e = RemoteException::from(io::Error::from_raw_os_error(errno));
            assert_eq!(e.class, class);
            assert_eq!(e.args, vec![Value::from(errno), Value::from(text)]);
            assert_eq!(e.traceback, None);
        }
    }

    #[test]
    fn io_errors_without_errno_keep_their_message() {
        let e = RemoteException::from(io::Error::new(io::ErrorKind::NotFound, "no book 7"));
        assert_eq!(e.class, "builtins.FileNotFoundError");
        assert_eq!(e.args, vec![Value::from("no book 7")]);
    }

    #[test]
    fn causes_go_to_the_traceback() {
        let inner = io::Error::other("disk gone");
        let outer = io::Error::new(io::ErrorKind::InvalidData, Wrapped(inner));
        let e = RemoteException::from(outer);
        assert_eq!(e.message(), "catalogue unreadable");
        let lines = e.traceback.unwrap();
        assert_eq!(lines[2], "OSError: catalogue unreadable\n");
        assert_eq!(lines[3], "caused by: disk gone\n");
        assert_eq!(lines.len(), 4);
    }

    #[derive(Debug)]
    struct Wrapped(io::Error);
    impl std::fmt::Display for Wrapped {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("catalogue unreadable")
        }
    }
    impl std::error::Error for Wrapped {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.0)
        }
    }
}
