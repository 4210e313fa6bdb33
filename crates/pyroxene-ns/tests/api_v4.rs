//! The name server as Pyro4 clients see it: the same object and store answers with Pyro4's
//! API when the call context says protocol 48, and with Pyro5's otherwise. No network: calls
//! go through `RemoteObject::invoke` with a context, as the daemon makes them.

use std::collections::BTreeMap;
use std::sync::Arc;

use pyroxene::server::{CallContext, Invocation, RemoteObject};
use pyroxene::{Dict, ProtocolVersion, RemoteException, Serializer, Value, dict, list, tuple};
use pyroxene_ns::{NAMESERVER_CLASS_TAG, NAMESERVER_CLASS_TAG_PYRO4, NAMESERVER_NAME};
use pyroxene_ns::{NameServer, Registry};

const V4: ProtocolVersion = ProtocolVersion::V4;
const V5: ProtocolVersion = ProtocolVersion::V5;
const SELF_URI: &str = "PYRO:Pyro.NameServer@127.0.0.1:9090";

fn ns() -> Arc<NameServer> {
    let ns = NameServer::new(Registry::default());
    ns.registry()
        .register(
            NAMESERVER_NAME,
            SELF_URI,
            pyroxene_ns::RegisterOptions::new().metadata([pyroxene_ns::NAMESERVER_CLASS_TAG]),
        )
        .expect("self registration");
    Arc::new(ns)
}

fn kw(items: &[(&str, Value)]) -> Dict {
    items
        .iter()
        .map(|(k, v)| (Value::from(*k), v.clone()))
        .collect()
}

/// Calls `method` as a client of `version` does, through the daemon's entry point.
fn call(
    ns: &Arc<NameServer>,
    version: ProtocolVersion,
    method: &str,
    args: Value,
    kwargs: Dict,
) -> Result<Value, RemoteException> {
    let Value::Tuple(args) = args else {
        panic!("args must be a tuple")
    };
    let context = CallContext::new(
        "127.0.0.1:40000".into(),
        version,
        Serializer::Serpent,
        0,
        None,
        BTreeMap::new(),
    );
    let invocation = Invocation::new(method, args, kwargs, Arc::new(context));
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime")
        .block_on(ns.clone().invoke(invocation))
}

fn ok(ns: &Arc<NameServer>, v: ProtocolVersion, method: &str, args: Value, kwargs: Dict) -> Value {
    call(ns, v, method, args, kwargs).unwrap_or_else(|e| panic!("{method} failed: {e:?}"))
}

fn err(ns: &Arc<NameServer>, method: &str, args: Value, kwargs: Dict) -> (String, String) {
    let e = call(ns, V4, method, args, kwargs).expect_err("expected an exception");
    let text = e.args.first().and_then(Value::as_str).unwrap_or_default();
    (e.class.class_name(V4).to_owned(), text.to_owned())
}

fn pair(class: &str, text: &str) -> (String, String) {
    (class.to_owned(), text.to_owned())
}

fn none() -> Dict {
    Dict::default()
}

fn uri_value(class: &str, object: &str, port: i64) -> Value {
    dict! { "__class__" => class, "state" => tuple!["PYRO", object, None::<i64>, "127.0.0.1", port] }
}

#[test]
fn lookup_answers_in_the_callers_protocol() {
    let ns = ns();
    let args = tuple!["a", "PYRO:a@127.0.0.1:1", false, list!["y", "x"]];
    ok(&ns, V4, "register", args, none());
    let v4 = ok(&ns, V4, "lookup", tuple!["a", true], none());
    assert_eq!(
        v4,
        tuple![uri_value("Pyro4.core.URI", "a", 1), list!["x", "y"]]
    );
    // The same registration, asked by a Pyro5 client: a Pyro5 URI and a set.
    let v5 = ok(&ns, V5, "lookup", tuple!["a", true], none());
    assert_eq!(
        v5,
        tuple![
            uri_value("Pyro5.core.URI", "a", 1),
            pyroxene::set!["x", "y"]
        ]
    );
    assert_eq!(
        ok(&ns, V4, "lookup", tuple!["a"], none()),
        uri_value("Pyro4.core.URI", "a", 1)
    );
    // A Pyro4 URI object can be registered; it is stored as its text.
    let uri = uri_value("Pyro4.core.URI", "b", 2);
    ok(&ns, V4, "register", tuple!["b", uri], none());
    assert_eq!(
        ns.registry().lookup("b").expect("b").uri,
        "PYRO:b@127.0.0.1:2"
    );
}

#[test]
fn list_has_pyro4s_metadata_filters_and_tag_lists() {
    let ns = ns();
    ok(
        &ns,
        V4,
        "register",
        tuple!["a", "PYRO:a@h:1"],
        kw(&[("metadata", list!["t1", "t2"])]),
    );
    ok(
        &ns,
        V4,
        "register",
        tuple!["b", "PYRO:b@h:2"],
        kw(&[("metadata", list!["t2"])]),
    );
    ok(&ns, V4, "register", tuple!["c", "PYRO:c@h:3"], none());
    let all = |wanted: Value, meta: bool| {
        let kwargs = kw(&[("metadata_all", wanted), ("return_metadata", meta.into())]);
        ok(&ns, V4, "list", tuple![], kwargs)
    };
    assert_eq!(
        all(list!["t2"], false),
        dict! { "a" => "PYRO:a@h:1", "b" => "PYRO:b@h:2" }
    );
    assert_eq!(
        all(list!["t1", "t2"], true),
        dict! { "a" => tuple!["PYRO:a@h:1", list!["t1", "t2"]] }
    );
    // An empty filter is no filter: everything.
    assert_eq!(all(list![], false).to_string().matches("PYRO:").count(), 4);
    let any = ok(
        &ns,
        V4,
        "list",
        tuple![None::<i64>, None::<i64>, None::<i64>, list!["t1", 5]],
        none(),
    );
    assert_eq!(any, dict! { "a" => "PYRO:a@h:1" });
    let plain = ok(
        &ns,
        V4,
        "list",
        tuple!["c", None::<i64>, None::<i64>, None::<i64>, true],
        none(),
    );
    assert_eq!(plain, dict! { "c" => tuple!["PYRO:c@h:3", list![]] });
}

#[test]
fn the_name_servers_own_tag_is_pyro4s_for_pyro4_clients() {
    let ns = ns();
    let mine = ok(&ns, V4, "lookup", tuple![NAMESERVER_NAME, true], none());
    assert_eq!(
        mine,
        tuple![
            uri_value("Pyro4.core.URI", NAMESERVER_NAME, 9090),
            list![NAMESERVER_CLASS_TAG_PYRO4]
        ]
    );
    let found = |tag: &str| {
        ok(
            &ns,
            V4,
            "list",
            tuple![],
            kw(&[("metadata_any", list![tag])]),
        )
    };
    assert_eq!(
        found(NAMESERVER_CLASS_TAG_PYRO4),
        dict! { NAMESERVER_NAME => SELF_URI }
    );
    assert_eq!(found(NAMESERVER_CLASS_TAG), dict! {});
    // Pyro5 clients and the store keep Pyro5's.
    let v5 = ok(
        &ns,
        V5,
        "yplookup",
        tuple![list![NAMESERVER_CLASS_TAG]],
        none(),
    );
    assert_eq!(
        v5,
        dict! { NAMESERVER_NAME => tuple![SELF_URI, pyroxene::set![NAMESERVER_CLASS_TAG]] }
    );
}

#[test]
fn yplookup_is_pyro5_only() {
    let ns = ns();
    assert_eq!(
        err(&ns, "yplookup", tuple![list!["x"]], none()),
        pair(
            "builtins.AttributeError",
            "'NameServer' object has no attribute 'yplookup'"
        )
    );
    assert_eq!(
        err(&ns, "list", tuple![], kw(&[("meta_all", list!["x"])])),
        pair(
            "builtins.TypeError",
            "NameServer.list() got an unexpected keyword argument 'meta_all'"
        )
    );
    // Pyro5's list has no metadata filters.
    let e = call(
        &ns,
        V5,
        "list",
        tuple![],
        kw(&[("metadata_all", list!["x"])]),
    )
    .expect_err("Pyro5 list has no metadata_all");
    assert_eq!(e.class, "builtins.TypeError");
}

/// The metadata a caller gets (CONNECTOK, `Pyro.Daemon.get_metadata`) is its generation's:
/// Pyro4's seven methods, so a Pyro4 proxy refuses `yplookup` locally as it does against
/// Python's Pyro4 name server.
#[test]
fn metadata_is_the_callers_generations() {
    let ns = ns();
    let v4 = ns.metadata_for(V4);
    let v5 = ns.metadata_for(V5);
    assert_eq!(v4.methods.len(), 7);
    assert!(!v4.methods.contains("yplookup"));
    assert!(v5.methods.contains("yplookup"));
    assert_eq!(v5, ns.metadata());
    assert!(v5.methods.is_superset(&v4.methods));
}

#[test]
fn errors_are_pyro4_classes_with_the_same_texts() {
    let ns = ns();
    ok(&ns, V4, "register", tuple!["a", "PYRO:a@h:1"], none());
    assert_eq!(
        err(&ns, "lookup", tuple!["nope"], none()),
        pair("Pyro4.errors.NamingError", "unknown name: nope")
    );
    assert_eq!(
        err(&ns, "register", tuple!["a", "PYRO:a@h:1", true], none()),
        pair("Pyro4.errors.NamingError", "name already registered: a")
    );
    assert_eq!(
        err(&ns, "register", tuple!["x", "PYRO:x@h"], none()),
        pair("Pyro4.errors.PyroError", "invalid port in uri, port=None")
    );
    let (class, text) = err(&ns, "list", tuple![], kw(&[("regex", "(".into())]));
    assert_eq!(class, "Pyro4.errors.NamingError");
    assert!(text.starts_with("invalid regex: "), "{text}");
    assert_eq!(
        err(&ns, "list", tuple![], kw(&[("metadata_any", "t".into())])),
        pair(
            "builtins.TypeError",
            "metadata_any should not be a str, but another iterable (set, list, etc)"
        )
    );
    // Pyro5's NamingError for the same mistake by a Pyro5 client.
    let e = call(&ns, V5, "lookup", tuple!["nope"], none()).expect_err("unknown");
    assert_eq!(e.class, "Pyro5.errors.NamingError");
}

#[test]
fn more_than_one_filter_is_refused_even_when_empty() {
    let ns = ns();
    let empty = kw(&[("prefix", "".into()), ("regex", "".into())]);
    assert_eq!(
        err(&ns, "list", tuple![], empty.clone()),
        pair(
            "builtins.ValueError",
            "you can only filter on one thing at a time"
        )
    );
    let mixed = kw(&[("prefix", "a".into()), ("metadata_any", list!["t"])]);
    assert_eq!(
        err(&ns, "list", tuple![], mixed),
        pair(
            "builtins.ValueError",
            "you can only filter on one thing at a time"
        )
    );
    // Pyro5 ignores empty filters.
    let all = ok(&ns, V5, "list", tuple![], empty);
    assert_eq!(all, dict! { NAMESERVER_NAME => SELF_URI });
}

#[test]
fn remove_of_an_unknown_name_goes_on_to_the_prefix() {
    let ns = ns();
    for name in ["kw.a", "kw.b"] {
        ok(&ns, V4, "register", tuple![name, "PYRO:x@h:1"], none());
    }
    let args = tuple!["no.such.name", "kw.a"];
    assert_eq!(ok(&ns, V5, "remove", args.clone(), none()), Value::Int(0));
    assert_eq!(ok(&ns, V4, "remove", args, none()), Value::Int(1));
    assert_eq!(
        ok(&ns, V4, "remove", tuple!["kw.b", "kw."], none()),
        Value::Int(1)
    );
    assert_eq!(ok(&ns, V4, "count", tuple![], none()), Value::Int(1));
    assert_eq!(
        err(&ns, "remove", tuple![list![1]], none()),
        pair("builtins.TypeError", "unhashable type: 'list'")
    );
}

#[test]
fn falsy_metadata_means_none_and_unknown_names_come_first() {
    let ns = ns();
    ok(
        &ns,
        V4,
        "register",
        tuple!["a", "PYRO:a@h:1", false, 0],
        none(),
    );
    let Value::Tuple(found) = ok(&ns, V4, "lookup", tuple!["a", true], none()) else {
        panic!("lookup(name, True) is a tuple")
    };
    assert_eq!(found[1], list![]);
    ok(&ns, V4, "set_metadata", tuple!["a", list!["t"]], none());
    ok(&ns, V4, "set_metadata", tuple!["a", false], none());
    assert!(ns.registry().lookup("a").expect("a").metadata.is_empty());
    assert_eq!(
        err(&ns, "set_metadata", tuple!["nope", list![list![1]]], none()),
        pair("Pyro4.errors.NamingError", "unknown name: nope")
    );
    assert_eq!(
        err(&ns, "set_metadata", tuple!["a", list![list![1]]], none()),
        pair("builtins.TypeError", "unhashable type: 'list'")
    );
    assert_eq!(
        err(&ns, "set_metadata", tuple!["nope", 5], none()),
        pair("builtins.TypeError", "'int' object is not iterable")
    );
    // Pyro5 keeps its own order and its TypeError for 0.
    let e = call(
        &ns,
        V5,
        "register",
        tuple!["z", "PYRO:z@h:1", false, 0],
        none(),
    )
    .expect_err("0");
    assert_eq!(e.class, "builtins.TypeError");
}
