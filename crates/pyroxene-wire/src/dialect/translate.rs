//! Object values in the class shapes of the peer's protocol version: a method written once
//! returns URIs and proxies (serde gives them Pyro5's shapes), and a Pyro4 client must receive
//! `Pyro4.core.URI` / `Pyro4.core.Proxy` instead — one pass over the outgoing value, here.

use super::ProxyState;
use crate::{ProtocolVersion, Uri, Value};

/// Rewrites every URI and proxy value inside `value` into `version`'s class shape (URIs and
/// proxies of the other version, as serde or a Pyro peer produced them). Other values are left
/// alone. Iterative, so a deeply nested value can't exhaust the stack.
///
/// ```
/// use pyroxene_wire::{ProtocolVersion, Uri, Value, list, to_value};
/// use pyroxene_wire::dialect::translate_objects;
/// let mut value = list![to_value(&Uri::pyro("obj", "127.0.0.1", 9999)).unwrap()];
/// translate_objects(&mut value, ProtocolVersion::V4);
/// assert!(value.to_string().contains("'Pyro4.core.URI'"));
/// ```
pub fn translate_objects(value: &mut Value, version: ProtocolVersion) {
    let mut stack: Vec<&mut Value> = vec![value];
    while let Some(v) = stack.pop() {
        if let Some(replacement) = translated(v, version) {
            *v = replacement;
            continue;
        }
        match v {
            Value::List(items) | Value::Tuple(items) => stack.extend(items.iter_mut()),
            // Keys are hashable, so never dicts: only the values can hold objects.
            Value::Dict(d) => stack.extend(d.values_mut()),
            _ => {}
        }
    }
}

/// The `version` shape of `v` when it is a URI or proxy value of the other version.
fn translated(v: &Value, version: ProtocolVersion) -> Option<Value> {
    let Value::Dict(d) = v else {
        return None;
    };
    let class = d.get(&Value::from("__class__"))?.as_str()?;
    let (uri_class, proxy_class) = match version {
        ProtocolVersion::V4 => ("Pyro5.core.URI", "Pyro5.client.Proxy"),
        ProtocolVersion::V5 => ("Pyro4.core.URI", "Pyro4.core.Proxy"),
    };
    if class == uri_class {
        Some(Uri::from_value(v).ok()?.to_value(version))
    } else if class == proxy_class {
        Some(ProxyState::from_value(v).ok()?.to_value(version))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialect::Metadata;
    use crate::{dict, to_value, tuple};

    #[test]
    fn uris_and_proxies_take_the_peers_shape_anywhere_in_the_value() {
        let uri = Uri::pyro("obj", "127.0.0.1", 9999);
        let proxy = ProxyState {
            uri: uri.clone(),
            metadata: Metadata::new(["a"], ["b"], Vec::<String>::new()),
            handshake: Value::from("hello"),
            serializer: None,
        };
        let mut value = dict! {
            "uri" => to_value(&uri).unwrap(),
            "nested" => tuple![1, dict! { "p" => to_value(&proxy).unwrap() }],
        };
        translate_objects(&mut value, ProtocolVersion::V4);
        let want = dict! {
            "uri" => uri.to_value(ProtocolVersion::V4),
            "nested" => tuple![1, dict! { "p" => proxy.to_value(ProtocolVersion::V4) }],
        };
        assert_eq!(value, want);
        // And back: Pyro4 shapes become Pyro5's for a Pyro5 peer.
        translate_objects(&mut value, ProtocolVersion::V5);
        assert_eq!(value.get("uri"), Some(&uri.to_value(ProtocolVersion::V5)));
    }

    #[test]
    fn other_class_dicts_stay() {
        let mut value = dict! { "__class__" => "Pyro5.core.URI", "state" => "junk" };
        let before = value.clone();
        translate_objects(&mut value, ProtocolVersion::V4);
        assert_eq!(value, before);
    }
}
