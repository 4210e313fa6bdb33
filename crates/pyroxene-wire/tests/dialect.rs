//! The payload dialect: exception dicts, batch wrappers, URIs, proxies and handshakes, through
//! every serializer, and (with the Python peers from `.venv`) read back by Pyro5 itself into
//! real Python exceptions, URIs and proxies.

use std::process::Command;

use pyroxene_wire::dialect::{
    ConnectRequest, ConnectResponse, DialectError, Metadata, ProxyState, PyroErrorClass,
    RemoteException, batch_results, exception_wrapper_class, proxy_class, uri_class,
};
use pyroxene_wire::{ProtocolVersion, Serializer, Uri, Value, dict, list, tuple};

fn value_error() -> RemoteException {
    RemoteException::builtin("ValueError", "bad value")
        .with_attribute("custom_attr", 42)
        .with_traceback(vec![
            "Traceback (most recent call last):\n".into(),
            "ValueError: bad value\n".into(),
        ])
}

#[test]
fn exception_dicts_have_pythons_shape_and_key_order() {
    let v = value_error().to_value(ProtocolVersion::V5);
    assert_eq!(
        v.to_string(),
        "{'__class__': 'builtins.ValueError', '__exception__': True, 'args': ('bad value',), \
         'attributes': {'custom_attr': 42, '_pyroTraceback': ['Traceback (most recent call last):\\n', \
         'ValueError: bad value\\n']}}"
    );
    let json = Serializer::Json.encode(&v).unwrap();
    assert!(json.starts_with(
        br#"{"__class__": "builtins.ValueError", "__exception__": true, "args": ["bad value"]"#
    ));
    for ser in Serializer::ALL {
        let back = ser.decode(&ser.encode(&v).unwrap()).unwrap();
        assert_eq!(
            RemoteException::from_value(&back).unwrap(),
            value_error(),
            "{}",
            ser.name()
        );
    }
    // Item-stream replies carry `_pyroTraceback: None`; that survives a round trip.
    let stream = RemoteException::pyro(
        PyroErrorClass::ProtocolError,
        "result of call is an iterator",
    );
    let v = stream.to_value(ProtocolVersion::V5);
    assert_eq!(
        v.get("attributes").unwrap().to_string(),
        "{'_pyroTraceback': None}"
    );
    assert_eq!(RemoteException::from_value(&v).unwrap(), stream);
}

#[test]
fn exception_messages_and_classes() {
    let stop = RemoteException::with_args("builtins.StopIteration", vec![]);
    assert_eq!(
        (stop.message(), stop.to_string()),
        (String::new(), "StopIteration".to_owned())
    );
    let key = RemoteException::builtin("KeyError", "missing");
    assert_eq!(key.to_string(), "KeyError: 'missing'");
    let multi =
        RemoteException::with_args("builtins.OSError", vec![2.into(), "No such file".into()]);
    assert_eq!(multi.message(), "(2, 'No such file')");
    let naming = RemoteException::pyro(PyroErrorClass::NamingError, "unknown name: x");
    // Pyro's classes have a name per generation: Display uses the bare one.
    assert_eq!(naming.to_string(), "NamingError: unknown name: x");
    assert_eq!(naming.short_class(), "NamingError");
    assert_eq!(naming.pyro_class(), Some(PyroErrorClass::NamingError));
    assert!(PyroErrorClass::SerializeError.is_subclass_of(PyroErrorClass::CommunicationError));
    assert!(!PyroErrorClass::NamingError.is_subclass_of(PyroErrorClass::CommunicationError));
    assert!(RemoteException::is_exception_value(
        &naming.to_value(ProtocolVersion::V4)
    ));
    assert!(!RemoteException::is_exception_value(
        &dict! { "__class__" => "x" }
    ));
}

#[test]
fn malformed_exception_dicts_are_errors_not_panics() {
    assert_eq!(
        RemoteException::from_value(&list![1]).unwrap_err(),
        DialectError::NotADict("list")
    );
    assert_eq!(
        RemoteException::from_value(&dict! { "__class__" => "builtins.ValueError" })
            .unwrap_err()
            .to_string(),
        "'args'"
    );
    assert!(RemoteException::from_value(&dict! { "__class__" => 1, "args" => tuple![] }).is_err());
    assert!(RemoteException::from_value(&dict! { "__class__" => "x", "args" => "abc" }).is_err());
    // a traceback that is not a list of str stays an attribute
    let odd = dict! { "__class__" => "x", "args" => tuple![], "attributes" => dict! { "_pyroTraceback" => 5 } };
    let e = RemoteException::from_value(&odd).unwrap();
    assert_eq!(e.traceback, None);
    assert_eq!(
        e.to_value(ProtocolVersion::V5)
            .get("attributes")
            .unwrap()
            .to_string(),
        "{'_pyroTraceback': 5}"
    );
    assert_eq!(
        DialectError::NotADict("int").to_string(),
        "'int' object is not subscriptable"
    );
    assert_eq!(
        DialectError::NotADict("list").to_string(),
        "list indices must be integers or slices, not str"
    );
}

#[test]
fn batch_replies() {
    let err = value_error();
    for version in [ProtocolVersion::V4, ProtocolVersion::V5] {
        let wrapper = err.to_wrapper_value(version);
        assert_eq!(
            pyroxene_wire::dialect::class_of(&wrapper),
            Some(exception_wrapper_class(version))
        );
        let reply = list![1, "two", wrapper];
        for ser in Serializer::ALL {
            let back = ser.decode(&ser.encode(&reply).unwrap()).unwrap();
            let results = batch_results(back).unwrap();
            assert_eq!(
                results,
                vec![Ok(1.into()), Ok("two".into()), Err(err.clone())]
            );
        }
    }
    assert!(batch_results(Value::Int(1)).is_err());
    assert!(
        batch_results(list![
            dict! { "__class__" => "Pyro5.core._ExceptionWrapper" }
        ])
        .is_err()
    );
}

#[test]
fn handshakes_both_ways() {
    let meta = Metadata::new(
        ["echo", "oneway_echo", "__dunder__"],
        ["oneway_echo"],
        ["verbose"],
    );
    let ok = ConnectResponse::new("hello".into(), Some(meta.clone()));
    for (version, want) in [
        (
            ProtocolVersion::V5,
            "{'methods': {'echo', 'oneway_echo', '__dunder__'}, 'oneway': {'oneway_echo'}, 'attrs': {'verbose'}}",
        ),
        (
            ProtocolVersion::V4,
            "{'methods': ['echo', 'oneway_echo', '__dunder__'], 'oneway': ['oneway_echo'], 'attrs': ['verbose']}",
        ),
    ] {
        let v = ok.to_value(version);
        assert_eq!(v.get("meta").unwrap().to_string(), want);
        for ser in Serializer::ALL {
            let back = ser.decode(&ser.encode(&v).unwrap()).unwrap();
            assert_eq!(
                ConnectResponse::from_value(back).unwrap(),
                ok,
                "{}",
                ser.name()
            );
        }
    }
    let none =
        ConnectResponse::from_value(dict! { "handshake" => "hi", "meta" => dict! {} }).unwrap();
    assert_eq!(none.meta, None);
    assert_eq!(
        ConnectResponse::from_value(dict! { "handshake" => "hi" })
            .unwrap_err()
            .to_string(),
        "'meta'"
    );
    assert_eq!(
        ConnectResponse::from_value(dict! {})
            .unwrap_err()
            .to_string(),
        "'meta'"
    );
    assert!(meta.oneway.iter().all(|o| meta.methods.contains(o)) && !meta.is_empty());
    assert!(Metadata::default().is_empty());

    let req = ConnectRequest::new("obj").with_handshake(dict! { "user" => "me" });
    assert_eq!(
        req.to_value().to_string(),
        "{'handshake': {'user': 'me'}, 'object': 'obj'}"
    );
    assert_eq!(ConnectRequest::from_value(req.to_value()).unwrap(), req);
    assert_eq!(
        ConnectRequest::from_value(dict! { "object" => "x" })
            .unwrap_err()
            .to_string(),
        "'handshake'"
    );
    assert_eq!(
        ConnectRequest::from_value(Value::from("hello"))
            .unwrap_err()
            .to_string(),
        "string indices must be integers, not 'str'"
    );
    let bare = ConnectRequest::without_object("hello".into());
    assert_eq!(bare.to_value().to_string(), "{'handshake': 'hello'}");
}

#[test]
fn proxies_both_versions() {
    let proxy = ProxyState::new(
        Uri::pyro("test.special", "127.0.0.1", 45501),
        Metadata::new(["get_uri", "types"], ["fire"], ["value"]),
        "hello".into(),
        Some("json".into()),
    );
    for version in [ProtocolVersion::V4, ProtocolVersion::V5] {
        let v = proxy.to_value(version);
        assert_eq!(
            pyroxene_wire::dialect::class_of(&v),
            Some(proxy_class(version))
        );
        let len = v.get("state").and_then(Value::as_seq).map(<[Value]>::len);
        assert_eq!(
            len,
            Some(if version == ProtocolVersion::V5 { 6 } else { 9 })
        );
        for ser in Serializer::ALL {
            let back = ser.decode(&ser.encode(&v).unwrap()).unwrap();
            assert_eq!(
                ProxyState::from_value(&back).unwrap(),
                proxy,
                "{}",
                ser.name()
            );
        }
    }
    let uri = Uri::pyro("x", "h", 1).to_value(ProtocolVersion::V4);
    assert_eq!(
        pyroxene_wire::dialect::class_of(&uri),
        Some(uri_class(ProtocolVersion::V4))
    );
    assert!(ProxyState::from_value(&uri).is_err());
}

/// Each of our values, serialized, given to Pyro5's own deserializers: what Python makes of it.
const PY_READER: &str = r#"
import sys, json, Pyro5.serializers as S, Pyro5.core, Pyro5.client
out = []
for ser_id, hexdata in json.load(sys.stdin):
    obj = S.serializers_by_id[ser_id].loads(bytes.fromhex(hexdata))
    if isinstance(obj, list):
        obj = obj[-1].exception if isinstance(obj[-1], Pyro5.core._ExceptionWrapper) else obj
    if isinstance(obj, BaseException):
        t = type(obj)
        out.append(["exc", t.__module__ + "." + t.__name__, repr(obj.args), getattr(obj, "_pyroTraceback", "-"), getattr(obj, "custom_attr", None)])
    elif isinstance(obj, Pyro5.core.URI):
        out.append(["uri", str(obj)])
    elif isinstance(obj, Pyro5.client.Proxy):
        out.append(["proxy", str(obj._pyroUri), sorted(obj._pyroMethods), sorted(obj._pyroOneway), sorted(obj._pyroAttrs), obj._pyroHandshake])
    else:
        out.append(["other", repr(obj)])
json.dump(out, sys.stdout)
"#;

#[test]
fn pyro5_reads_our_dialect_values() {
    let Some(py) = pyroxene_testkit::python() else {
        return;
    };
    let v5 = ProtocolVersion::V5;
    let err = value_error();
    let naming = RemoteException::pyro(PyroErrorClass::NamingError, "unknown name: x");
    let proxy = ProxyState::new(
        Uri::pyro("obj", "::1", 5),
        Metadata::new(["a", "b"], ["b"], ["c"]),
        "hi".into(),
        None,
    );
    let values = [
        (err.to_value(v5), "exc"),
        (naming.to_value(v5), "exc"),
        (list![1, err.to_wrapper_value(v5)], "exc"),
        (
            Uri::parse("PYRO:obj@[::1]:9999").unwrap().to_value(v5),
            "uri",
        ),
        (
            Uri::parse("PYRO:obj@./u:/tmp/s").unwrap().to_value(v5),
            "uri",
        ),
        (
            Uri::parse("PYRONAME:some.name@ns:5").unwrap().to_value(v5),
            "uri",
        ),
        (proxy.to_value(v5), "proxy"),
    ];
    let mut input = Vec::new();
    for (value, _) in &values {
        for ser in Serializer::ALL {
            // Python's marshal wrapper converts only the top level; nested objects stay dicts.
            if ser == Serializer::Marshal && matches!(value, Value::List(_)) {
                continue;
            }
            let hex: String = ser
                .encode(value)
                .unwrap()
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            input.push((ser.id(v5), hex, value, ser));
        }
    }
    let request: Vec<(u8, &String)> = input.iter().map(|(id, hex, _, _)| (*id, hex)).collect();
    let output = pyroxene_testkit::output_within(
        Command::new(py)
            .args(["-c", PY_READER])
            .env("PYRO_BROADCAST_ADDRS", "127.0.0.1"),
        Some(serde_json::to_string(&request).unwrap().as_bytes()),
        pyroxene_testkit::ONE_SHOT_LIMIT,
    )
    .expect("python output");
    // Its stderr (a traceback, if any) used to go straight to the test's (inherited): printed,
    // so a run still shows it.
    eprint!("{}", String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success());
    let answers: Vec<serde_json::Value> = serde_json::from_slice(&output.stdout).expect("json");
    assert_eq!(answers.len(), input.len());
    for ((_, _, value, ser), answer) in input.iter().zip(&answers) {
        let here = format!("{value} via {}", ser.name());
        let kind = values
            .iter()
            .find(|(v, _)| v == *value)
            .map(|(_, k)| *k)
            .unwrap();
        assert_eq!(answer[0], kind, "{here}: {answer}");
        match kind {
            "exc" => {
                let class = answer[1].as_str().unwrap();
                let want = if class.starts_with("Pyro5") {
                    &naming
                } else {
                    &err
                };
                assert_eq!(want.class, class, "{here}");
                assert_eq!(
                    answer[2],
                    Value::Tuple(want.args.clone()).to_string(),
                    "{here}"
                );
                let tb: Option<Vec<String>> = serde_json::from_value(answer[3].clone()).unwrap();
                assert_eq!(tb, want.traceback, "{here}");
                let custom = want
                    .attributes
                    .get(&Value::from("custom_attr"))
                    .and_then(Value::as_i64);
                assert_eq!(answer[4].as_i64(), custom, "{here}");
            }
            "uri" => assert_eq!(
                answer[1],
                Uri::from_value(value).unwrap().to_string(),
                "{here}"
            ),
            _ => {
                assert_eq!(answer[1], "PYRO:obj@[::1]:5", "{here}");
                assert_eq!(answer[2], serde_json::json!(["a", "b"]));
                assert_eq!(
                    (&answer[3], &answer[4], &answer[5]),
                    (
                        &serde_json::json!(["b"]),
                        &serde_json::json!(["c"]),
                        &serde_json::json!("hi")
                    )
                );
            }
        }
    }
}
