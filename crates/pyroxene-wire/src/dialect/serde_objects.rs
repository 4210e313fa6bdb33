//! serde for Pyro objects as values: a [`Uri`] or [`ProxyState`] field of a serde type crosses
//! the wire as the class dict Python peers read back as a real `URI` / `Proxy` (Pyro5 shape).
//!
//! ```
//! use pyroxene_wire::{Serializer, Uri, from_value, to_value};
//! let uri = Uri::pyro("calc", "127.0.0.1", 9999);
//! let v = to_value(&uri).unwrap();
//! assert_eq!(
//!     v.to_string(),
//!     "{'__class__': 'Pyro5.core.URI', 'state': ('PYRO', 'calc', None, '127.0.0.1', 9999)}"
//! );
//! // Either the class dict (of Pyro4 or Pyro5) or a URI string reads back.
//! assert_eq!(from_value::<Uri>(v).unwrap(), uri);
//! assert_eq!(from_value::<Uri>("PYRO:calc@127.0.0.1:9999".into()).unwrap(), uri);
//! ```

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::ProxyState;
use crate::{ProtocolVersion, Uri, Value};

/// The class names of Pyro5, the protocol a pyroxene daemon and proxy speak; a Pyro4 peer's
/// names are accepted when reading.
const VERSION: ProtocolVersion = ProtocolVersion::V5;

impl Serialize for Uri {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_value(VERSION).serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Uri {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Uri, D::Error> {
        let value = Value::deserialize(deserializer)?;
        Uri::from_value(&value).map_err(|e| D::Error::custom(format!("invalid URI value: {e}")))
    }
}

impl Serialize for ProxyState {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_value(VERSION).serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for ProxyState {
    /// Reads a proxy value; a URI value or string also reads, as a proxy that knows no
    /// metadata yet (what a peer passing a URI where a proxy is expected means).
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<ProxyState, D::Error> {
        let value = Value::deserialize(deserializer)?;
        if let Ok(proxy) = ProxyState::from_value(&value) {
            return Ok(proxy);
        }
        let uri = Uri::from_value(&value)
            .map_err(|e| D::Error::custom(format!("not a Pyro proxy or URI value: {e}")))?;
        Ok(ProxyState {
            uri,
            metadata: super::Metadata::default(),
            handshake: Value::from("hello"),
            serializer: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialect::Metadata;
    use crate::{Serializer as Ser, from_value, to_value};

    #[test]
    fn proxy_state_round_trips_through_every_serializer() {
        let state = ProxyState {
            uri: Uri::pyro("cb", "127.0.0.1", 4000),
            metadata: Metadata::new(["done", "fail"], ["ping"], Vec::<String>::new()),
            handshake: Value::from("hello"),
            serializer: None,
        };
        for ser in Ser::ALL {
            let bytes = ser.encode(&to_value(&state).unwrap()).unwrap();
            let back: ProxyState = from_value(ser.decode(&bytes).unwrap()).unwrap();
            assert_eq!(back, state, "{ser:?}");
        }
    }

    #[test]
    fn a_uri_reads_as_a_proxy_without_metadata() {
        let state: ProxyState = from_value(Value::from("PYRO:x@127.0.0.1:1")).unwrap();
        assert_eq!(state.uri, Uri::pyro("x", "127.0.0.1", 1));
        assert!(state.metadata.methods.is_empty());
    }

    #[test]
    fn other_values_are_refused() {
        assert!(from_value::<Uri>(Value::Int(3)).is_err());
        assert!(from_value::<ProxyState>(crate::dict! {"__class__" => "x.Y"}).is_err());
    }
}
