//! Python's `uuid.UUID`. Only pickle carries a UUID as such (with its `is_safe` attribute);
//! serpent, json, marshal and msgpack write `str(u)`.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use crate::{Error, ErrorKind, Result};

/// Python's `uuid.SafeUUID`: whether the UUID was generated in a multiprocessing-safe way
/// (`uuid1()` on some platforms says so; everything else is `Unknown`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum SafeUuid {
    /// `SafeUUID.safe` (pickled as `0`).
    Safe,
    /// `SafeUUID.unsafe` (pickled as `-1`).
    Unsafe,
    /// `SafeUUID.unknown` (not pickled).
    #[default]
    Unknown,
}

/// `uuid.UUID`: 128 bits (big-endian bytes, as `UUID.bytes`) and Python's `is_safe`.
///
/// Equality and hashing look at the 128 bits only, as Python's do.
///
/// ```
/// use pyroxene_wire::value::PyUuid;
/// let u: PyUuid = "{12345678-1234-5678-1234-567812345678}".parse().unwrap();
/// assert_eq!(u.to_string(), "12345678-1234-5678-1234-567812345678");
/// assert_eq!(u.as_u128(), 0x12345678_1234_5678_1234_567812345678);
/// ```
#[derive(Clone, Copy, Debug)]
pub struct PyUuid {
    bytes: [u8; 16],
    is_safe: SafeUuid,
}

impl PyUuid {
    /// The UUID with these 16 bytes (big-endian, `UUID(bytes=...)`).
    pub fn from_bytes(bytes: [u8; 16]) -> PyUuid {
        PyUuid {
            bytes,
            is_safe: SafeUuid::Unknown,
        }
    }

    /// The UUID whose `int` is `value`.
    pub fn from_u128(value: u128) -> PyUuid {
        PyUuid::from_bytes(value.to_be_bytes())
    }

    /// This UUID with Python's `is_safe`.
    pub fn with_safe(mut self, is_safe: SafeUuid) -> PyUuid {
        self.is_safe = is_safe;
        self
    }

    /// The 16 bytes, big-endian (`UUID.bytes`).
    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.bytes
    }

    /// `UUID.int`.
    pub fn as_u128(&self) -> u128 {
        u128::from_be_bytes(self.bytes)
    }

    /// `UUID.is_safe`.
    pub fn is_safe(&self) -> SafeUuid {
        self.is_safe
    }
}

impl PartialEq for PyUuid {
    fn eq(&self, other: &PyUuid) -> bool {
        self.bytes == other.bytes
    }
}

impl Eq for PyUuid {}

impl Hash for PyUuid {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.bytes.hash(state);
    }
}

impl FromStr for PyUuid {
    type Err = Error;

    /// `UUID(hex)`: 32 hex digits, hyphens anywhere, optional braces and `urn:uuid:` prefix.
    ///
    /// # Errors
    /// [`ErrorKind::Value`] "badly formed hexadecimal UUID string".
    fn from_str(text: &str) -> Result<PyUuid> {
        let hex = text.replace("urn:", "").replace("uuid:", "");
        let hex = hex.trim_matches(['{', '}']).replace('-', "");
        let bad = || Error::new(ErrorKind::Value, "badly formed hexadecimal UUID string");
        if hex.len() != 32 {
            return Err(bad());
        }
        u128::from_str_radix(&hex, 16)
            .ok()
            .filter(|_| hex.bytes().all(|b| b.is_ascii_hexdigit()))
            .map(PyUuid::from_u128)
            .ok_or_else(bad)
    }
}

impl fmt::Display for PyUuid {
    /// `str(uuid)`: 8-4-4-4-12 lowercase hex digits.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, b) in self.bytes.iter().enumerate() {
            if matches!(i, 4 | 6 | 8 | 10) {
                f.write_str("-")?;
            }
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}
