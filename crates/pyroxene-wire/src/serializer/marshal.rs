//! The marshal serializer (placeholder until its implementation lands).

use crate::{Error, ErrorKind, Result, Value};

/// Encodes `value` as marshal bytes.
pub fn to_vec(value: &Value) -> Result<Vec<u8>> {
    let _ = value;
    Err(Error::new(
        ErrorKind::Unsupported,
        "marshal encoder not implemented yet",
    ))
}

/// Decodes marshal bytes.
pub fn from_slice(bytes: &[u8]) -> Result<Value> {
    let _ = bytes;
    Err(Error::new(
        ErrorKind::Unsupported,
        "marshal decoder not implemented yet",
    ))
}
