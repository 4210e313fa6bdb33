//! serde `Deserializer` from [`Value`] (placeholder).

use serde::de::DeserializeOwned;

use crate::{Error, ErrorKind, Result, Value};

/// Converts a [`Value`] into any serde type.
pub fn from_value<T: DeserializeOwned>(value: Value) -> Result<T> {
    let _ = value;
    Err(Error::new(
        ErrorKind::Custom,
        "from_value not implemented yet",
    ))
}
