//! The serpent serializer (placeholder until its implementation lands).

use crate::{Error, ErrorKind, Result, Value};

/// Encodes `value` as serpent bytes.
pub fn to_vec(value: &Value) -> Result<Vec<u8>> {
    let _ = value;
    Err(Error::new(
        ErrorKind::Unsupported,
        "serpent encoder not implemented yet",
    ))
}

/// Decodes serpent bytes.
pub fn from_slice(bytes: &[u8]) -> Result<Value> {
    let _ = bytes;
    Err(Error::new(
        ErrorKind::Unsupported,
        "serpent decoder not implemented yet",
    ))
}
