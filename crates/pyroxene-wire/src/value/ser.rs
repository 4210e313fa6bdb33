//! serde `Serializer` into [`Value`] (placeholder).

use serde::Serialize;

use crate::{Error, ErrorKind, Result, Value};

/// Converts any serde type into a [`Value`].
pub fn to_value<T: Serialize + ?Sized>(value: &T) -> Result<Value> {
    let _ = value;
    Err(Error::new(
        ErrorKind::Custom,
        "to_value not implemented yet",
    ))
}
