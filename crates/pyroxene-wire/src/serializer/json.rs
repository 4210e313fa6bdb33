//! The json serializer (placeholder until its implementation lands).

use crate::{Error, ErrorKind, Result, Value};

/// Encodes `value` as json bytes.
pub fn to_vec(value: &Value) -> Result<Vec<u8>> {
    let _ = value;
    Err(Error::new(
        ErrorKind::Unsupported,
        "json encoder not implemented yet",
    ))
}

/// Decodes json bytes.
pub fn from_slice(bytes: &[u8]) -> Result<Value> {
    let _ = bytes;
    Err(Error::new(
        ErrorKind::Unsupported,
        "json decoder not implemented yet",
    ))
}
