//! The name server's API semantics, called as the daemon calls it (positional and keyword
//! arguments as wire values), without a network: every method, result shape and error.

use pyroxene::{Dict, RemoteException, Uri, Value, dict, list, set, tuple};
use pyroxene_ns::{NAMESERVER_NAME, NameServer, Registry};

fn ns() -> NameServer {
    let ns = NameServer::new(Registry::default());
    ns.registry()
        .register(
            NAMESERVER_NAME,
            "PYRO:Pyro.NameServer@127.0.0.1:9090",
            pyroxene_ns::RegisterOptions::new().metadata([pyroxene_ns::NAMESERVER_CLASS_TAG]),
        )
        .expect("self registration");
    ns
}

fn kw(items: &[(&str, Value)]) -> Dict {
    items
        .iter()
        .map(|(k, v)| (Value::from(*k), v.clone()))
        .collect()
}

fn ok(ns: &NameServer, method: &str, args: Value, kwargs: Dict) -> Value {
    let Value::Tuple(args) = args else {
        panic!("args must be a tuple")
    };
    ns.dispatch(method, args, kwargs)
        .unwrap_or_else(|e| panic!("{method} failed: {e:?}"))
}

fn err(ns: &NameServer, method: &str, args: Value, kwargs: Dict) -> (String, String) {
    let Value::Tuple(args) = args else {
        panic!("args must be a tuple")
    };
    let e: RemoteException = ns
        .dispatch(method, args, kwargs)
        .expect_err("expected an exception");
    let text = e.args.first().and_then(Value::as_str).unwrap_or_default();
    (
        e.class.class_name(pyroxene::ProtocolVersion::V5).to_owned(),
        text.to_owned(),
    )
}

fn pair(class: &str, text: &str) -> (String, String) {
    (class.to_owned(), text.to_owned())
}

fn names(v: &Value) -> Vec<String> {
    let Value::Dict(d) = v else {
        panic!("not a dict: {v}")
    };
    let mut n: Vec<String> = d
        .keys()
        .filter_map(|k| k.as_str().map(str::to_owned))
        .collect();
    n.sort();
    n
}

const NAMING: &str = "Pyro5.errors.NamingError";
const TYPE: &str = "builtins.TypeError";
const VALUE: &str = "builtins.ValueError";

#[test]
fn fresh_name_server_has_itself_and_answers_ping() {
    let ns = ns();
    assert_eq!(ok(&ns, "ping", tuple![], Dict::default()), Value::None);
    assert_eq!(ok(&ns, "count", tuple![], Dict::default()), Value::Int(1));
    assert_eq!(
        ok(
            &ns,
            "list",
            tuple![None::<i64>, None::<i64>, true],
            Dict::default()
        ),
        dict! {
            "Pyro.NameServer" => tuple!["PYRO:Pyro.NameServer@127.0.0.1:9090", set!["class:Pyro5.nameserver.NameServer"]]
        }
    );
}

#[test]
fn register_then_lookup_returns_a_uri_object_and_metadata_set() {
    let ns = ns();
    let args = tuple!["a", "PYRO:obj@localhost:5555", false, list!["x", "y"]];
    assert_eq!(ok(&ns, "register", args, Dict::default()), Value::None);
    let uri = ok(&ns, "lookup", tuple!["a"], Dict::default());
    assert_eq!(
        uri,
        dict! { "__class__" => "Pyro5.core.URI", "state" => tuple!["PYRO", "obj", None::<i64>, "localhost", 5555] }
    );
    let with_meta = ok(
        &ns,
        "lookup",
        tuple!["a"],
        kw(&[("return_metadata", true.into())]),
    );
    assert_eq!(with_meta, tuple![uri, set!["x", "y"]]);
    // A URI object is stored as its text; a str exactly as given.
    let object = Uri::parse("PYRO:b@127.0.0.1:1")
        .expect("uri")
        .to_value(pyroxene::ProtocolVersion::V5);
    ok(&ns, "register", tuple!["b", object], Dict::default());
    ok(&ns, "register", tuple!["c", "pyro:c@h:2"], Dict::default());
    let listed = ok(&ns, "list", tuple![], kw(&[("prefix", "c".into())]));
    assert_eq!(listed, dict! { "c" => "pyro:c@h:2" });
    let b = ok(&ns, "list", tuple!["b"], Dict::default());
    assert_eq!(b, dict! { "b" => "PYRO:b@127.0.0.1:1" });
}

#[test]
fn register_errors_are_pythons() {
    let ns = ns();
    let none = Dict::default;
    ok(&ns, "register", tuple!["a", "PYRO:a@h:1"], none());
    assert_eq!(
        err(&ns, "register", tuple!["a", "PYRO:a@h:2", true], none()),
        pair(NAMING, "name already registered: a")
    );
    // Without safe, the registration is replaced.
    ok(&ns, "register", tuple!["a", "PYRO:a@h:2"], none());
    assert_eq!(
        ok(&ns, "list", tuple!["a"], none()),
        dict! { "a" => "PYRO:a@h:2" }
    );
    let cases = [
        (
            tuple!["x", "nonsense"],
            pair("Pyro5.errors.PyroError", "invalid uri"),
        ),
        (
            tuple!["x", "PYRO:x@h"],
            pair("Pyro5.errors.PyroError", "invalid port in uri, port=None"),
        ),
        (tuple![5, "PYRO:x@h:1"], pair(TYPE, "name must be a str")),
        (
            tuple!["x", 5],
            pair(TYPE, "only URIs or strings can be registered"),
        ),
        (
            tuple!["x", "PYRO:x@h:1", false, "abc"],
            pair(
                TYPE,
                "metadata should not be a str, but another iterable (set, list, etc)",
            ),
        ),
        (
            tuple!["x", "PYRO:x@h:1", false, 5],
            pair(TYPE, "'int' object is not iterable"),
        ),
        (
            tuple!["x", "PYRO:x@h:1", false, list![1]],
            pair(TYPE, "metadata items must be str, not 'int'"),
        ),
        (
            tuple!["x"],
            pair(
                TYPE,
                "NameServer.register() missing 1 required positional argument: 'uri'",
            ),
        ),
    ];
    for (args, want) in cases {
        assert_eq!(err(&ns, "register", args.clone(), none()), want, "{args}");
    }
    assert_eq!(
        err(
            &ns,
            "register",
            tuple!["x", "PYRO:x@h:1"],
            kw(&[("name", "y".into())])
        ),
        pair(
            TYPE,
            "NameServer.register() got multiple values for argument 'name'"
        )
    );
    assert_eq!(ok(&ns, "count", tuple![], none()), Value::Int(2));
}

#[test]
fn lookup_errors_are_pythons() {
    let ns = ns();
    assert_eq!(
        err(&ns, "lookup", tuple!["nope"], Dict::default()),
        pair(NAMING, "unknown name: nope")
    );
    assert_eq!(
        err(&ns, "lookup", tuple![5], Dict::default()),
        pair(TYPE, "can only concatenate str (not \"int\") to str")
    );
}

#[test]
fn list_filters_by_prefix_and_anchored_regex() {
    let ns = ns();
    for name in ["app.one", "app.two", "lib.app", "application"] {
        ok(&ns, "register", tuple![name, "PYRO:o@h:1"], Dict::default());
    }
    let list = |k: &[(&str, Value)]| names(&ok(&ns, "list", tuple![], kw(k)));
    assert_eq!(list(&[("prefix", "app.".into())]), ["app.one", "app.two"]);
    // re.match: anchored at the start, not at the end.
    assert_eq!(
        list(&[("regex", "app".into())]),
        ["app.one", "app.two", "application"]
    );
    assert_eq!(
        list(&[("regex", r"app\.t|lib".into())]),
        ["app.two", "lib.app"]
    );
    assert!(list(&[("regex", "one".into())]).is_empty());
    // Empty filters are no filters.
    assert_eq!(list(&[("prefix", "".into())]).len(), 5);
    assert_eq!(
        err(
            &ns,
            "list",
            tuple![],
            kw(&[("prefix", "a".into()), ("regex", "b".into())])
        ),
        pair(VALUE, "you can only filter on one thing at a time")
    );
    let (class, text) = err(&ns, "list", tuple![], kw(&[("regex", "(".into())]));
    assert_eq!(class, NAMING);
    assert!(text.starts_with("invalid regex: "), "{text}");
}

#[test]
fn yplookup_all_any_and_defaults() {
    let ns = ns();
    let reg = |name: &str, tags: Value| {
        ok(
            &ns,
            "register",
            tuple![name, "PYRO:o@h:1", false, tags],
            Dict::default(),
        );
    };
    reg("ab", list!["a", "b"]);
    reg("b", set!["b"]);
    reg("c", tuple!["c"]);
    let yp = |args: Value, k: &[(&str, Value)]| ok(&ns, "yplookup", args, kw(k));
    assert_eq!(
        names(&yp(tuple![], &[("meta_all", list!["a", "b"])])),
        ["ab"]
    );
    assert_eq!(
        names(&yp(tuple![], &[("meta_any", list!["b", "c"])])),
        ["ab", "b", "c"]
    );
    // return_metadata defaults to True; an explicit None (or False) leaves it out.
    assert_eq!(
        yp(tuple![list!["c"]], &[]),
        dict! { "c" => tuple!["PYRO:o@h:1", set!["c"]] }
    );
    assert_eq!(
        yp(tuple![list!["c"], None::<i64>, None::<i64>], &[]),
        dict! { "c" => "PYRO:o@h:1" }
    );
    assert_eq!(yp(tuple![], &[]), dict! {});
    assert_eq!(
        yp(tuple![list![1]], &[]),
        dict! {},
        "non-str tags match nothing"
    );
    assert_eq!(
        err(
            &ns,
            "yplookup",
            tuple![list!["a"], list!["b"]],
            Dict::default()
        ),
        pair(VALUE, "you can't use meta_all or meta_any at the same time")
    );
    assert_eq!(
        err(&ns, "yplookup", tuple![], kw(&[("meta_any", "b".into())])),
        pair(
            TYPE,
            "metadata_any should not be a str, but another iterable (set, list, etc)"
        )
    );
}

#[test]
fn set_metadata_replaces_and_clears() {
    let ns = ns();
    ok(
        &ns,
        "register",
        tuple!["a", "PYRO:a@h:1", false, list!["old"]],
        Dict::default(),
    );
    ok(
        &ns,
        "set_metadata",
        tuple!["a", set!["new"]],
        Dict::default(),
    );
    let meta = |ns: &NameServer| ok(ns, "lookup", tuple!["a", true], Dict::default());
    assert_eq!(
        meta(&ns),
        tuple![ok(&ns, "lookup", tuple!["a"], Dict::default()), set!["new"]]
    );
    ok(
        &ns,
        "set_metadata",
        tuple!["a", Value::None],
        Dict::default(),
    );
    let Value::Tuple(parts) = meta(&ns) else {
        panic!("tuple")
    };
    assert_eq!(parts[1], Value::Set(Box::default()));
    assert_eq!(
        err(
            &ns,
            "set_metadata",
            tuple!["nope", list![]],
            Dict::default()
        ),
        pair(NAMING, "unknown name: nope")
    );
    assert_eq!(
        err(&ns, "set_metadata", tuple![1, list![]], Dict::default()),
        pair(TYPE, "name must be a str")
    );
}

#[test]
fn remove_by_name_prefix_regex_never_removes_itself() {
    let ns = ns();
    for name in ["a.1", "a.2", "b.1", "b.2", "c"] {
        ok(&ns, "register", tuple![name, "PYRO:o@h:1"], Dict::default());
    }
    let rm = |args: Value, k: &[(&str, Value)]| ok(&ns, "remove", args, kw(k));
    assert_eq!(rm(tuple!["c"], &[]), Value::Int(1));
    assert_eq!(rm(tuple!["c"], &[]), Value::Int(0));
    assert_eq!(rm(tuple![NAMESERVER_NAME], &[]), Value::Int(0));
    assert_eq!(rm(tuple![], &[]), Value::Int(0));
    assert_eq!(rm(tuple![], &[("prefix", "a.".into())]), Value::Int(2));
    assert_eq!(
        rm(tuple![None::<i64>, None::<i64>, r"b\.[12]"], &[]),
        Value::Int(2)
    );
    assert_eq!(rm(tuple![], &[("regex", ".*".into())]), Value::Int(0));
    assert_eq!(rm(tuple![], &[("prefix", "Pyro".into())]), Value::Int(0));
    assert_eq!(ok(&ns, "count", tuple![], Dict::default()), Value::Int(1));
    let (class, _) = err(&ns, "remove", tuple![], kw(&[("regex", "[".into())]));
    assert_eq!(class, NAMING);
}

#[test]
fn unknown_method_and_extra_arguments() {
    let ns = ns();
    assert_eq!(
        err(&ns, "count", tuple![1], Dict::default()),
        pair(
            TYPE,
            "NameServer.count() takes 1 positional argument but 2 were given"
        )
    );
    assert_eq!(
        err(&ns, "list", tuple![], kw(&[("colour", "red".into())])),
        pair(
            TYPE,
            "NameServer.list() got an unexpected keyword argument 'colour'"
        )
    );
    assert_eq!(
        err(&ns, "frobnicate", tuple![], Dict::default()).0,
        "builtins.AttributeError"
    );
}
