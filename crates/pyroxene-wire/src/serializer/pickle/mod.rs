//! The pickle serializer (Pyro4 only, id 4): the plain-data subset of Python's pickle
//! protocols 2 to 5, read and written without ever running or naming arbitrary code.
//!
//! ```text
//! pickle.dumps([1, 'a'], 4)  ->  80 04              PROTO 4
//!                                95 .. (8 bytes)    FRAME (a size hint, skipped)
//!                                5d 94              EMPTY_LIST, MEMOIZE
//!                                28 4b 01           MARK, BININT1 1
//!                                8c 01 61 94        SHORT_BINUNICODE 'a', MEMOIZE
//!                                65 2e              APPENDS, STOP
//! ```
//!
//! # Decoding
//!
//! [`from_slice`] runs the opcodes of protocols 2-5 (and the binary ones of protocol 1) on a
//! stack, with the memo (`BINPUT`/`MEMOIZE`/`BINGET`) sharing containers as Python does: a list
//! memoized while empty and filled later is filled when fetched. Globals are never imported;
//! only these names mean something, each mapped to a [`Value`]:
//!
//! | global | as pickle writes it | value |
//! |---|---|---|
//! | `builtins.complex` | REDUCE `(re, im)` | `Complex` |
//! | `builtins.set` / `frozenset` | REDUCE `([items],)` (protocol 2) | `Set` / `FrozenSet` |
//! | `datetime.datetime` / `date` / `time` | REDUCE `(state bytes[, tzinfo])` (fold in the month / hour byte) | `DateTime` / `Date` / `Time` |
//! | `datetime.timezone`, `datetime.timedelta` | REDUCE `(offset[, name])`, `(days, seconds, microseconds)` | only as a datetime's or time's tzinfo |
//! | `decimal.Decimal` | REDUCE `(str,)` | `Decimal` |
//! | `uuid.UUID` | NEWOBJ + BUILD `{'int': n[, 'is_safe': 0/-1]}` | `Uuid` |
//! | `msgpack.ext.ExtType` / `Timestamp` | NEWOBJ `(code, data)` / NEWOBJ + BUILD `(None, {seconds, nanoseconds})` | `Ext` (a timestamp as code -1 with msgpack's bytes) |
//! | `builtins.bytearray`, `_codecs.encode`, `builtins.bytes` | REDUCE (protocol 2 bytes) | `Bytes` |
//! | builtin exceptions, `Pyro4.errors.*` | REDUCE `args` + BUILD `{attributes}` | the exception dict of [`crate::dialect`] |
//! | `Pyro4.core.URI`, `Pyro4.core.Proxy` | NEWOBJ + BUILD `state` | `{'__class__': ..., 'state': state}`, the shape of Pyro4's serpent dicts |
//!
//! (`__builtin__` and `exceptions` are accepted for `builtins`, as pickle's protocol-2 name
//! mapping writes them.) Any other global is an [`ErrorKind::Unsupported`](crate::ErrorKind::Unsupported) error naming it:
//! Pyro4's pickle peers may send any class, and turning unknown ones into dicts would hide
//! that the value is not what the sender meant. A recursive structure is an error too.
//!
//! Hostile input is bounded: lengths are checked against the remaining input before anything
//! is allocated, nesting is limited to [`crate::MAX_DEPTH`], and the copies the memo makes (a
//! value fetched many times is copied each time, "billion laughs") are charged to a budget of
//! 64 MiB plus 64 bytes per input byte. Hashing set elements and dict keys nested in others
//! (walked again at every level) has a budget of its own, 1 MiB plus 16 per input byte.
//!
//! # Encoding
//!
//! [`to_vec`] writes protocol 4 (no frames, no memo: both optional): readable by every Python
//! 3.4+, which Pyro4 4.82 on Python 3 is (its own default, `HIGHEST_PROTOCOL`, is 5 since
//! Python 3.8; protocol 2 would need globals for bytes and sets). Frozensets are written as
//! frozensets, and so are sets inside dict keys and set elements, where Python requires them.
//! Datetimes, dates, times (fold and fixed-offset timezones included), Decimals and UUIDs are
//! written as Python pickles them (`datetime`, `decimal` and `uuid` are standard modules every
//! Python has); a msgpack ext value as msgpack's `ExtType` / `Timestamp` (a peer without
//! msgpack fails to read it, as it would from a Python sender).
//! Exception dicts of builtin
//! or `Pyro4.errors` classes and `Pyro4.core.URI` dicts are written as those objects; any other
//! dict, `__class__` key or not, stays a dict, so data never makes a Python peer import a
//! module it names.

mod datetime;
mod decode;
mod encode;
#[cfg(test)]
mod tests;

use crate::{Result, Value};

/// Decodes pickled bytes (protocols 2-5). Bytes after the STOP opcode are ignored, as
/// `pickle.loads` does.
///
/// ```
/// use pyroxene_wire::serializer::pickle;
/// use pyroxene_wire::{list, Value};
/// // pickle.dumps([1, 'a'], 2)
/// let bytes = b"\x80\x02]q\x00(K\x01X\x01\x00\x00\x00aq\x01e.";
/// assert_eq!(pickle::from_slice(bytes).unwrap(), list![1, "a"]);
/// ```
///
/// # Errors
/// Malformed or truncated input, an opcode outside the supported set, a global other than the
/// table's, recursion, nesting deeper than [`crate::MAX_DEPTH`], or a memo copy budget overrun.
pub fn from_slice(bytes: &[u8]) -> Result<Value> {
    decode::decode(bytes, usize::MAX)
}

/// As [`from_slice`], the work budget lowered to `budget` (see
/// [`Serializer::decode_shared_within`](crate::Serializer::decode_shared_within)).
pub(crate) fn from_slice_within(bytes: &[u8], budget: usize) -> Result<Value> {
    decode::decode(bytes, budget)
}

/// Encodes a value as pickle protocol 4.
///
/// ```
/// use pyroxene_wire::serializer::pickle;
/// use pyroxene_wire::tuple;
/// assert_eq!(pickle::to_vec(&tuple![1, true]).unwrap(), b"\x80\x04K\x01\x88\x86.");
/// ```
///
/// # Errors
/// Nesting deeper than [`crate::MAX_DEPTH`], or a list/dict where Python needs a hashable key.
pub fn to_vec(value: &Value) -> Result<Vec<u8>> {
    encode::encode(value)
}

/// Whether `module.name` is a builtin exception class a pickle may name (Python's own list:
/// every subclass of `BaseException` in `builtins`).
pub(crate) fn is_builtin_exception(name: &str) -> bool {
    BUILTIN_EXCEPTIONS.binary_search(&name).is_ok()
}

/// CPython 3.11's builtin exception classes, sorted (for the binary search).
const BUILTIN_EXCEPTIONS: &[&str] = &[
    "ArithmeticError",
    "AssertionError",
    "AttributeError",
    "BaseException",
    "BaseExceptionGroup",
    "BlockingIOError",
    "BrokenPipeError",
    "BufferError",
    "BytesWarning",
    "ChildProcessError",
    "ConnectionAbortedError",
    "ConnectionError",
    "ConnectionRefusedError",
    "ConnectionResetError",
    "DeprecationWarning",
    "EOFError",
    "EncodingWarning",
    "EnvironmentError",
    "Exception",
    "ExceptionGroup",
    "FileExistsError",
    "FileNotFoundError",
    "FloatingPointError",
    "FutureWarning",
    "GeneratorExit",
    "IOError",
    "ImportError",
    "ImportWarning",
    "IndentationError",
    "IndexError",
    "InterruptedError",
    "IsADirectoryError",
    "KeyError",
    "KeyboardInterrupt",
    "LookupError",
    "MemoryError",
    "ModuleNotFoundError",
    "NameError",
    "NotADirectoryError",
    "NotImplementedError",
    "OSError",
    "OverflowError",
    "PendingDeprecationWarning",
    "PermissionError",
    "ProcessLookupError",
    "RecursionError",
    "ReferenceError",
    "ResourceWarning",
    "RuntimeError",
    "RuntimeWarning",
    "StopAsyncIteration",
    "StopIteration",
    "SyntaxError",
    "SyntaxWarning",
    "SystemError",
    "SystemExit",
    "TabError",
    "TimeoutError",
    "TypeError",
    "UnboundLocalError",
    "UnicodeDecodeError",
    "UnicodeEncodeError",
    "UnicodeError",
    "UnicodeTranslateError",
    "UnicodeWarning",
    "UserWarning",
    "ValueError",
    "Warning",
    "ZeroDivisionError",
];

/// What a pickled class name means to us (see the module table); `None`: not allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Known {
    Complex,
    Set,
    FrozenSet,
    /// `bytes`, `bytearray` and `_codecs.encode`: all give bytes.
    Bytes,
    Exception,
    /// `Pyro4.core.URI` / `Pyro4.core.Proxy`: rebuilt from BUILD state.
    PyroObject,
    DateTime,
    Date,
    Time,
    /// `datetime.timezone`: a tzinfo argument.
    TimeZone,
    /// `datetime.timedelta`: a timezone's offset.
    TimeDelta,
    Decimal,
    /// `uuid.UUID`: NEWOBJ, then BUILD with its state dict.
    Uuid,
    /// `msgpack.ext.ExtType`: NEWOBJ `(code, data)`.
    ExtType,
    /// `msgpack.ext.Timestamp`: NEWOBJ, then BUILD `(None, {'seconds': s, 'nanoseconds': n})`.
    Timestamp,
}

/// The meaning of global `module.name`, and the class name the value carries.
pub(crate) fn known_global(module: &str, name: &str) -> Option<(Known, String)> {
    let builtin = matches!(module, "builtins" | "__builtin__" | "exceptions");
    let known = match (module, name) {
        (_, "complex") if builtin => Known::Complex,
        (_, "set") if builtin => Known::Set,
        (_, "frozenset") if builtin => Known::FrozenSet,
        (_, "bytes" | "bytearray") if builtin => Known::Bytes,
        ("_codecs", "encode") => Known::Bytes,
        (_, n) if builtin && is_builtin_exception(n) => Known::Exception,
        ("Pyro4.errors", n) if crate::dialect::PyroErrorClass::from_class_name(n).is_some() => {
            Known::Exception
        }
        ("Pyro4.core", "URI" | "Proxy") => Known::PyroObject,
        ("datetime", "datetime") => Known::DateTime,
        ("datetime", "date") => Known::Date,
        ("datetime", "time") => Known::Time,
        ("datetime", "timezone") => Known::TimeZone,
        ("datetime", "timedelta") => Known::TimeDelta,
        ("decimal" | "_pydecimal", "Decimal") => Known::Decimal,
        ("uuid", "UUID") => Known::Uuid,
        ("msgpack.ext", "ExtType") => Known::ExtType,
        ("msgpack.ext", "Timestamp") => Known::Timestamp,
        // A failed call in a batch result (NEWOBJ + BUILD {'exception': ...}).
        ("Pyro4.futures", "_ExceptionWrapper") => Known::PyroObject,
        _ => return None,
    };
    let module = if builtin { "builtins" } else { module };
    Some((known, format!("{module}.{name}")))
}
