//! Object values in the class shapes of the peer's protocol version: a method written once
//! returns URIs, proxies and exceptions (serde gives URIs and proxies Pyro5's shapes; values
//! read from a peer keep that peer's), and each caller must receive its own generation's
//! classes — one pass over the outgoing value, here.

use super::classes::other;
use super::{ExceptionClass, ProxyState, RemoteException, exception_wrapper_class};
use crate::value::StrKey;
use crate::{ProtocolVersion, Uri, Value};

/// Rewrites every URI, proxy, exception and batch-error wrapper value inside `value` into
/// `version`'s class names (those of the other version, as serde or a Pyro peer produced
/// them). Builtin exceptions and other values are left alone. Iterative, so a deeply nested
/// value can't exhaust the stack.
///
/// ```
/// use pyroxene_wire::{ProtocolVersion, Uri, Value, list, to_value};
/// use pyroxene_wire::dialect::{PyroErrorClass, RemoteException, translate_objects};
/// let naming = RemoteException::pyro(PyroErrorClass::NamingError, "x");
/// let mut value = list![to_value(&Uri::pyro("obj", "127.0.0.1", 9999)).unwrap(), naming.to_value(ProtocolVersion::V5)];
/// translate_objects(&mut value, ProtocolVersion::V4);
/// assert!(value.to_string().contains("'Pyro4.core.URI'"));
/// assert!(value.to_string().contains("'Pyro4.errors.NamingError'"));
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
            Value::Dict(d) => {
                rename_class(d, version);
                stack.extend(d.values_mut());
            }
            _ => {}
        }
    }
}

/// The `version` shape of `v` when it is a URI or proxy value of the other version.
fn translated(v: &Value, version: ProtocolVersion) -> Option<Value> {
    let Value::Dict(d) = v else {
        return None;
    };
    let class = d.get(&StrKey("__class__"))?.as_str()?;
    let from = other(version);
    if class == super::uri_class(from) {
        Some(Uri::from_value(v).ok()?.to_value(version))
    } else if class == super::proxy_class(from) {
        Some(ProxyState::from_value(v).ok()?.to_value(version))
    } else {
        None
    }
}

/// Renames the class of an exception dict (Pyro's classes only) or a batch-error wrapper of
/// the other version; the wrapped exception is a value of the dict, visited after.
fn rename_class(d: &mut crate::Dict, version: ProtocolVersion) {
    let Some(Value::Str(class)) = d.get(&StrKey("__class__")) else {
        return;
    };
    let renamed = if class == exception_wrapper_class(other(version)) {
        exception_wrapper_class(version)
    } else if let ExceptionClass::Pyro(pyro) = ExceptionClass::from(class.as_str())
        && RemoteException::is_exception_dict(d)
    {
        pyro.class_name(version)
    } else {
        return;
    };
    if let Some(slot) = d.get_mut(&StrKey("__class__")) {
        *slot = Value::from(renamed);
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
    fn pyro_exceptions_and_wrappers_take_the_peers_names_builtins_stay() {
        let naming = RemoteException::pyro(crate::dialect::PyroErrorClass::NamingError, "x");
        let builtin = RemoteException::builtin("ValueError", "y");
        for version in [ProtocolVersion::V4, ProtocolVersion::V5] {
            let from = other(version);
            let mut value = tuple![
                naming.to_value(from),
                builtin.to_value(from),
                naming.to_wrapper_value(from),
            ];
            translate_objects(&mut value, version);
            let want = tuple![
                naming.to_value(version),
                builtin.to_value(version),
                naming.to_wrapper_value(version),
            ];
            assert_eq!(value, want, "{version:?}");
        }
        // A dict that merely has a Pyro class name is not an exception.
        let mut plain = dict! { "__class__" => "Pyro5.errors.NamingError" };
        let before = plain.clone();
        translate_objects(&mut plain, ProtocolVersion::V4);
        assert_eq!(plain, before);
    }

    #[test]
    fn other_class_dicts_stay() {
        let mut value = dict! { "__class__" => "Pyro5.core.URI", "state" => "junk" };
        let before = value.clone();
        translate_objects(&mut value, ProtocolVersion::V4);
        assert_eq!(value, before);
    }
}
