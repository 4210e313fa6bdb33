//! The name server's API as both generations' clients call it: one `NameServer` and one store
//! answer a Pyro5 caller (protocol 502) with Pyro5's API and a Pyro4 caller (protocol 48) with
//! Pyro4's — every method, argument binding, result shape, exception class and text. No
//! network: calls go through `RemoteObject::invoke` with a call context, as the daemon makes
//! them (and `dispatch_as`, the synchronous entry point, answers the same).
//!
//! What both generations do is written once over [`GENS`]; a row holds what differs (URI
//! class, tags as a set or a list, the exception module, `list`'s signature, the metadata
//! search method and its texts) and every failure names its generation. What only one has
//! stays in tests of its own: `yplookup`'s defaults (Pyro5), the positional metadata filters
//! of Pyro4's `list`.

use std::collections::BTreeMap;
use std::sync::Arc;

use pyroxene::server::{CallContext, Invocation, RemoteObject};
use pyroxene::{
    Dict, ProtocolVersion, RemoteException, Serializer, Uri, Value, dict, list, set, tuple,
};
use pyroxene_ns::{NAMESERVER_CLASS_TAG, NAMESERVER_CLASS_TAG_PYRO4, NAMESERVER_NAME};
use pyroxene_ns::{NameServer, RegisterOptions, Registry};

const SELF_URI: &str = "PYRO:Pyro.NameServer@127.0.0.1:9090";
const TYPE: &str = "builtins.TypeError";
const VALUE: &str = "builtins.ValueError";

/// A protocol generation and what its clients get differently: the row of every table below.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Gen {
    version: ProtocolVersion,
    /// The package of Pyro's exceptions and URI class: `Pyro5` or `Pyro4`.
    pyro: &'static str,
    /// The name server's own class tag as this generation's clients see it (the store keeps
    /// Pyro5's).
    own_tag: &'static str,
    /// How many parameters `list` has: `return_metadata` is the last.
    list_params: usize,
    /// The metadata search: Pyro5's `yplookup(meta_all, meta_any)`, Pyro4's
    /// `list(metadata_all=, metadata_any=)`; (method, all keyword, any keyword).
    search: (&'static str, &'static str, &'static str),
    /// The ValueError text for both metadata filters at once.
    two_searches: &'static str,
}

const V5: Gen = Gen {
    version: ProtocolVersion::V5,
    pyro: "Pyro5",
    own_tag: "class:Pyro5.nameserver.NameServer",
    list_params: 3,
    search: ("yplookup", "meta_all", "meta_any"),
    two_searches: "you can't use meta_all or meta_any at the same time",
};

const V4: Gen = Gen {
    version: ProtocolVersion::V4,
    pyro: "Pyro4",
    own_tag: "class:Pyro4.naming.NameServer",
    list_params: 5,
    search: ("list", "metadata_all", "metadata_any"),
    two_searches: "you can only filter on one thing at a time",
};

const GENS: [Gen; 2] = [V5, V4];

impl std::fmt::Debug for Gen {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.pyro)
    }
}

impl Gen {
    fn other(self) -> Gen {
        if self == V5 { V4 } else { V5 }
    }

    /// `module.Class` of one of Pyro's own exceptions, as this generation's client reads it.
    fn pyro(self, class: &str) -> String {
        format!("{}.errors.{class}", self.pyro)
    }

    /// `lookup` answers with a URI object, which travels as this dict.
    fn uri(self, object: &str, host: &str, port: i64) -> Value {
        let class = format!("{}.core.URI", self.pyro);
        dict! { "__class__" => class, "state" => tuple!["PYRO", object, None::<i64>, host, port] }
    }

    /// Tags as results carry them: Pyro5 sends its set, Pyro4 `list(set)` (sorted here: the
    /// store keeps them in order).
    fn tags(self, tags: &[&str]) -> Value {
        let mut tags: Vec<Value> = tags.iter().map(|t| Value::from(*t)).collect();
        tags.sort_by_key(|t| t.to_string());
        match self.version {
            ProtocolVersion::V5 => Value::Set(Box::new(tags.into_iter().collect())),
            ProtocolVersion::V4 => Value::List(tags),
        }
    }

    /// `list(None, …, True)`: `return_metadata=True` positionally.
    fn list_with_metadata(self) -> Value {
        let mut args = vec![Value::None; self.list_params - 1];
        args.push(Value::Bool(true));
        Value::Tuple(args)
    }
}

/// A fresh name server, registered as `NameServerDaemon` registers itself (with Pyro5's
/// class tag: Pyro4 callers must see Pyro4's).
fn fresh() -> Arc<NameServer> {
    let ns = NameServer::new(Registry::default());
    let options = RegisterOptions::new().metadata([NAMESERVER_CLASS_TAG]);
    ns.registry()
        .register(NAMESERVER_NAME, SELF_URI, options)
        .expect("self registration");
    Arc::new(ns)
}

/// Keyword arguments as a test writes them.
type Kw<'a> = &'a [(&'a str, Value)];

fn kw(items: Kw) -> Dict {
    items
        .iter()
        .map(|(k, v)| (Value::from(*k), v.clone()))
        .collect()
}

/// A client of one generation: its calls carry that generation's call context, and every
/// failure names the generation and the call. The `_kw` forms take keyword arguments.
struct Client {
    ns: Arc<NameServer>,
    g: Gen,
}

impl Client {
    fn of(ns: &Arc<NameServer>, g: Gen) -> Client {
        Client { ns: ns.clone(), g }
    }

    /// A fresh name server with `names` registered (no tags) for a client of `g`.
    fn fresh(g: Gen, names: &[&str]) -> Client {
        let c = Client::of(&fresh(), g);
        for name in names {
            c.ok("register", tuple![*name, "PYRO:o@h:1"]);
        }
        c
    }

    /// Calls `method` as the daemon does for a caller of this generation.
    fn call(&self, method: &str, args: Value, kwargs: Kw) -> Result<Value, RemoteException> {
        let Value::Tuple(args) = args else {
            panic!("args must be a tuple")
        };
        let context = CallContext::new(
            "127.0.0.1:40000".into(),
            self.g.version,
            Serializer::Serpent,
            0,
            None,
            BTreeMap::new(),
        );
        let invocation = Invocation::new(method, args, kw(kwargs), Arc::new(context));
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime")
            .block_on(self.ns.clone().invoke(invocation))
    }

    fn what(&self, method: &str, args: &Value, kwargs: Kw) -> String {
        let kwargs = Value::Dict(Box::new(kw(kwargs)));
        format!("{:?}: {method}{args} {kwargs}", self.g)
    }

    fn ok_kw(&self, method: &str, args: Value, kwargs: Kw) -> Value {
        let what = self.what(method, &args, kwargs);
        let result = self.call(method, args, kwargs);
        result.unwrap_or_else(|e| panic!("{what} failed: {e:?}"))
    }

    /// The exception's class as this generation's client reads it, and its text.
    fn err_kw(&self, method: &str, args: Value, kwargs: Kw) -> (String, String) {
        let what = self.what(method, &args, kwargs);
        match self.call(method, args, kwargs) {
            Ok(v) => panic!("{what} answered {v}, not an exception"),
            Err(e) => {
                let class = e.class.class_name(self.g.version).to_owned();
                let text = e.args.first().and_then(Value::as_str).unwrap_or_default();
                (class, text.to_owned())
            }
        }
    }

    fn answers_kw(&self, method: &str, args: Value, kwargs: Kw, want: Value) {
        let what = self.what(method, &args, kwargs);
        assert_eq!(self.ok_kw(method, args, kwargs), want, "{what}");
    }

    fn raises_kw(&self, method: &str, args: Value, kwargs: Kw, class: &str, text: &str) {
        let what = self.what(method, &args, kwargs);
        let want = (class.to_owned(), text.to_owned());
        assert_eq!(self.err_kw(method, args, kwargs), want, "{what}");
    }

    fn ok(&self, method: &str, args: Value) -> Value {
        self.ok_kw(method, args, &[])
    }

    fn answers(&self, method: &str, args: Value, want: Value) {
        self.answers_kw(method, args, &[], want);
    }

    fn raises(&self, method: &str, args: Value, class: &str, text: &str) {
        self.raises_kw(method, args, &[], class, text);
    }

    /// The sorted names `method(**kwargs)` lists.
    fn names(&self, method: &str, kwargs: Kw) -> Vec<String> {
        let found = self.ok_kw(method, tuple![], kwargs);
        let Value::Dict(d) = &found else {
            panic!("{:?}: not a dict: {found}", self.g)
        };
        let mut names: Vec<String> = d
            .keys()
            .filter_map(|k| k.as_str().map(str::to_owned))
            .collect();
        names.sort();
        names
    }
}

#[test]
fn fresh_name_server_has_itself_and_answers_ping() {
    for g in GENS {
        let c = Client::fresh(g, &[]);
        c.answers("ping", tuple![], Value::None);
        c.answers("count", tuple![], Value::Int(1));
        let me = dict! { NAMESERVER_NAME => tuple![SELF_URI, g.tags(&[g.own_tag])] };
        c.answers("list", g.list_with_metadata(), me);
    }
}

/// `dispatch_as` (and `dispatch`, Pyro5's) is what `invoke` runs: the same answers, errors
/// included, without a runtime.
#[test]
fn dispatch_answers_as_invoke_does() {
    let ns = fresh();
    let tagged = tuple!["a", "PYRO:a@h:1", false, list!["t"]];
    Client::of(&ns, V5).ok("register", tagged);
    let calls: [(&str, Value, Kw); 8] = [
        ("ping", tuple![], &[]),
        ("count", tuple![], &[]),
        ("lookup", tuple!["a", true], &[]),
        ("lookup", tuple!["nope"], &[]),
        ("list", tuple![], &[("return_metadata", Value::Bool(true))]),
        ("list", tuple![], &[("regex", Value::Str("(".into()))]),
        ("yplookup", tuple![list!["t"]], &[]),
        ("frobnicate", tuple![], &[]),
    ];
    for g in GENS {
        let c = Client::of(&ns, g);
        for (method, args, kwargs) in &calls {
            let Value::Tuple(items) = args.clone() else {
                unreachable!()
            };
            let what = c.what(method, args, kwargs);
            let invoked = c.call(method, args.clone(), kwargs);
            let direct = ns.dispatch_as(g.version, method, items.clone(), kw(kwargs));
            assert_eq!(direct, invoked, "dispatch_as {what}");
            if g == V5 {
                let direct = ns.dispatch(method, items, kw(kwargs));
                assert_eq!(direct, invoked, "dispatch {what}");
            }
        }
    }
}

#[test]
fn register_then_lookup_returns_a_uri_object_and_tags() {
    for g in GENS {
        let c = Client::fresh(g, &[]);
        let args = tuple!["a", "PYRO:obj@localhost:5555", false, list!["y", "x"]];
        c.answers("register", args, Value::None);
        let uri = c.ok("lookup", tuple!["a"]);
        assert_eq!(uri, g.uri("obj", "localhost", 5555), "{g:?}");
        let with_tags = tuple![uri, g.tags(&["x", "y"])];
        let as_kw = [("return_metadata", true.into())];
        c.answers_kw("lookup", tuple!["a"], &as_kw, with_tags.clone());
        c.answers("lookup", tuple!["a", true], with_tags);
        // A URI object is stored as its text; a str exactly as given.
        let object = Uri::parse("PYRO:b@127.0.0.1:1").expect("uri");
        let object = object.to_value(g.version);
        assert_eq!(object, g.uri("b", "127.0.0.1", 1), "{g:?}");
        c.ok("register", tuple!["b", object]);
        let stored = c.ns.registry().lookup("b").expect("b").uri;
        assert_eq!(stored, "PYRO:b@127.0.0.1:1", "{g:?}");
        c.ok("register", tuple!["c", "pyro:c@h:2"]);
        let c_only = dict! { "c" => "pyro:c@h:2" };
        c.answers_kw("list", tuple![], &[("prefix", "c".into())], c_only);
        c.answers("list", tuple!["b"], dict! { "b" => "PYRO:b@127.0.0.1:1" });
    }
}

/// One store, two kinds of client: whoever registered it, each caller gets its own
/// generation's URI class and tag container.
#[test]
fn lookup_answers_in_the_callers_protocol() {
    for writer in GENS {
        let ns = fresh();
        let args = tuple!["a", "PYRO:a@127.0.0.1:1", false, list!["y", "x"]];
        Client::of(&ns, writer).ok("register", args);
        for reader in GENS {
            let c = Client::of(&ns, reader);
            let uri = reader.uri("a", "127.0.0.1", 1);
            let with_tags = tuple![uri.clone(), reader.tags(&["x", "y"])];
            c.answers("lookup", tuple!["a", true], with_tags);
            c.answers("lookup", tuple!["a"], uri);
        }
    }
}

#[test]
fn register_errors_are_pythons() {
    for g in GENS {
        let c = Client::fresh(g, &[]);
        c.ok("register", tuple!["a", "PYRO:a@h:1"]);
        let (naming, pyro_error) = (g.pyro("NamingError"), g.pyro("PyroError"));
        let safe = tuple!["a", "PYRO:a@h:2", true];
        c.raises("register", safe, &naming, "name already registered: a");
        // Without safe, the registration is replaced.
        c.ok("register", tuple!["a", "PYRO:a@h:2"]);
        c.answers("list", tuple!["a"], dict! { "a" => "PYRO:a@h:2" });
        let reg = |args: Value, class: &str, text: &str| c.raises("register", args, class, text);
        reg(tuple!["x", "nonsense"], &pyro_error, "invalid uri");
        let no_port = "invalid port in uri, port=None";
        reg(tuple!["x", "PYRO:x@h"], &pyro_error, no_port);
        reg(tuple![5, "PYRO:x@h:1"], TYPE, "name must be a str");
        let uri_type = "only URIs or strings can be registered";
        reg(tuple!["x", 5], TYPE, uri_type);
        let tagged = |tags: Value| tuple!["x", "PYRO:x@h:1", false, tags];
        let a_str = "metadata should not be a str, but another iterable (set, list, etc)";
        reg(tagged("abc".into()), TYPE, a_str);
        reg(tagged(5.into()), TYPE, "'int' object is not iterable");
        let not_str = "metadata items must be str, not 'int'";
        reg(tagged(list![1]), TYPE, not_str);
        let missing = "NameServer.register() missing 1 required positional argument: 'uri'";
        reg(tuple!["x"], TYPE, missing);
        let twice = "NameServer.register() got multiple values for argument 'name'";
        let name_kw = [("name", "y".into())];
        c.raises_kw("register", tuple!["x", "PYRO:x@h:1"], &name_kw, TYPE, twice);
        c.answers("count", tuple![], Value::Int(2));
    }
}

#[test]
fn lookup_errors_are_pythons() {
    for g in GENS {
        let c = Client::fresh(g, &[]);
        let naming = g.pyro("NamingError");
        c.raises("lookup", tuple!["nope"], &naming, "unknown name: nope");
        let concat = "can only concatenate str (not \"int\") to str";
        c.raises("lookup", tuple![5], TYPE, concat);
    }
}

#[test]
fn list_filters_by_prefix_and_anchored_regex() {
    let names = ["app.one", "app.two", "lib.app", "application"];
    for g in GENS {
        let c = Client::fresh(g, &names);
        let list = |k: Kw| c.names("list", k);
        let ok = |k: Kw, want: &[&str]| assert_eq!(list(k), want, "{g:?}: {k:?}");
        ok(&[("prefix", "app.".into())], &["app.one", "app.two"]);
        // re.match: anchored at the start, not at the end.
        let anchored = ["app.one", "app.two", "application"];
        ok(&[("regex", "app".into())], &anchored);
        ok(&[("regex", r"app\.t|lib".into())], &["app.two", "lib.app"]);
        ok(&[("regex", "one".into())], &[]);
        // An empty filter alone is no filter.
        assert_eq!(list(&[("prefix", "".into())]).len(), 5, "{g:?}");
        let one_at_a_time = "you can only filter on one thing at a time";
        let two = [("prefix", "a".into()), ("regex", "b".into())];
        c.raises_kw("list", tuple![], &two, VALUE, one_at_a_time);
        let (class, text) = c.err_kw("list", tuple![], &[("regex", "(".into())]);
        assert_eq!(class, g.pyro("NamingError"), "{g:?}");
        assert!(text.starts_with("invalid regex: "), "{g:?}: {text}");
        // Two empty filters: Pyro5 ignores them, Pyro4 counts every one that isn't None.
        let empty = [("prefix", "".into()), ("regex", "".into())];
        match g.version {
            ProtocolVersion::V5 => assert_eq!(list(&empty).len(), 5, "V5"),
            ProtocolVersion::V4 => c.raises_kw("list", tuple![], &empty, VALUE, one_at_a_time),
        }
    }
}

/// The metadata search, `yplookup` in Pyro5 and `list`'s metadata filters in Pyro4.
#[test]
fn metadata_search_all_any_and_errors() {
    for g in GENS {
        let c = Client::fresh(g, &["none"]);
        let (method, all, any) = g.search;
        let tags = [list!["a", "b"], set!["b"], tuple!["c"]];
        for (name, tags) in ["ab", "b", "c"].into_iter().zip(tags) {
            c.ok("register", tuple![name, "PYRO:o@h:1", false, tags]);
        }
        let found = |k: Kw, want: &[&str]| assert_eq!(c.names(method, k), want, "{g:?}: {k:?}");
        found(&[(all, list!["a", "b"])], &["ab"]);
        found(&[(any, list!["b", "c"])], &["ab", "b", "c"]);
        let no_tags = [(all, list!["b"]), ("return_metadata", false.into())];
        let plain = dict! { "ab" => "PYRO:o@h:1", "b" => "PYRO:o@h:1" };
        c.answers_kw(method, tuple![], &no_tags, plain);
        let with_tags = [(all, list!["a", "b"]), ("return_metadata", true.into())];
        let tagged = dict! { "ab" => tuple!["PYRO:o@h:1", g.tags(&["a", "b"])] };
        c.answers_kw(method, tuple![], &with_tags, tagged);
        // A non-str tag can't be among any registration's str tags.
        c.answers_kw(method, tuple![], &[(all, list![1])], dict! {});
        found(&[(any, list!["b", 5])], &["ab", "b"]);
        // An empty search finds nothing in Pyro5; in Pyro4 it is no filter.
        let everything = [NAMESERVER_NAME, "ab", "b", "c", "none"];
        let empty_finds: &[&str] = if g == V5 { &[] } else { &everything };
        found(&[(all, list![])], empty_finds);
        let both = [(all, list!["a"]), (any, list!["b"])];
        c.raises_kw(method, tuple![], &both, VALUE, g.two_searches);
        let a_str = "metadata_any should not be a str, but another iterable (set, list, etc)";
        c.raises_kw(method, tuple![], &[(any, "b".into())], TYPE, a_str);
    }
}

/// Pyro5's `yplookup` tells an omitted `return_metadata` (True) from an explicit None.
#[test]
fn yplookup_returns_metadata_unless_told_not_to() {
    let c = Client::fresh(V5, &[]);
    c.ok("register", tuple!["c", "PYRO:o@h:1", false, tuple!["c"]]);
    let yp = |args: Value, want: Value| c.answers("yplookup", args, want);
    let tagged = dict! { "c" => tuple!["PYRO:o@h:1", set!["c"]] };
    yp(tuple![list!["c"]], tagged);
    let no = None::<i64>;
    yp(tuple![list!["c"], no, no], dict! { "c" => "PYRO:o@h:1" });
    yp(tuple![], dict! {});
    // Non-str tags match nothing.
    yp(tuple![list![1]], dict! {});
    let both = tuple![list!["a"], list!["b"]];
    c.raises("yplookup", both, VALUE, V5.two_searches);
    let own = dict! { NAMESERVER_NAME => tuple![SELF_URI, set![NAMESERVER_CLASS_TAG]] };
    yp(tuple![list![NAMESERVER_CLASS_TAG]], own);
}

/// Pyro4's `list(prefix, regex, metadata_all, metadata_any, return_metadata)` positionally,
/// and its one-filter rule counting the metadata filters too.
#[test]
fn pyro4_list_takes_metadata_filters_positionally() {
    let c = Client::fresh(V4, &[]);
    let tags = [("metadata", list!["t1", "t2"])];
    c.ok_kw("register", tuple!["a", "PYRO:a@h:1"], &tags);
    c.ok("register", tuple!["c", "PYRO:c@h:3"]);
    let no = None::<i64>;
    let any = tuple![no, no, no, list!["t1", 5]];
    c.answers("list", any, dict! { "a" => "PYRO:a@h:1" });
    let untagged = dict! { "c" => tuple!["PYRO:c@h:3", list![]] };
    c.answers("list", tuple!["c", no, no, no, true], untagged);
    let mixed = [("prefix", "a".into()), ("metadata_any", list!["t"])];
    let one_at_a_time = "you can only filter on one thing at a time";
    c.raises_kw("list", tuple![], &mixed, VALUE, one_at_a_time);
    // return_metadata defaults to False here, unlike yplookup's.
    let own = [("metadata_any", list![NAMESERVER_CLASS_TAG_PYRO4])];
    let me = dict! { NAMESERVER_NAME => SELF_URI };
    c.answers_kw("list", tuple![], &own, me);
}

#[test]
fn the_name_servers_own_tag_is_the_callers_generations() {
    let tags = [NAMESERVER_CLASS_TAG, NAMESERVER_CLASS_TAG_PYRO4];
    assert_eq!(tags, GENS.map(|g| g.own_tag));
    for g in GENS {
        let c = Client::fresh(g, &[]);
        let uri = g.uri(NAMESERVER_NAME, "127.0.0.1", 9090);
        let mine = tuple![uri, g.tags(&[g.own_tag])];
        c.answers("lookup", tuple![NAMESERVER_NAME, true], mine);
        let (method, _, any) = g.search;
        let search = |tag: &str| [(any, list![tag]), ("return_metadata", false.into())];
        let me = dict! { NAMESERVER_NAME => SELF_URI };
        c.answers_kw(method, tuple![], &search(g.own_tag), me);
        c.answers_kw(method, tuple![], &search(g.other().own_tag), dict! {});
    }
}

#[test]
fn set_metadata_replaces_and_clears() {
    for g in GENS {
        let c = Client::fresh(g, &[]);
        c.ok("register", tuple!["a", "PYRO:a@h:1", false, list!["old"]]);
        c.ok("set_metadata", tuple!["a", set!["new"]]);
        let uri = c.ok("lookup", tuple!["a"]);
        let with_new = tuple![uri.clone(), g.tags(&["new"])];
        c.answers("lookup", tuple!["a", true], with_new);
        c.ok("set_metadata", tuple!["a", Value::None]);
        c.answers("lookup", tuple!["a", true], tuple![uri, g.tags(&[])]);
        let set =
            |args: Value, class: &str, text: &str| c.raises("set_metadata", args, class, text);
        let naming = g.pyro("NamingError");
        set(tuple!["nope", list![]], &naming, "unknown name: nope");
        set(tuple![1, list![]], TYPE, "name must be a str");
        let unhashable = "unhashable type: 'list'";
        set(tuple!["a", list![list![1]]], TYPE, unhashable);
        set(tuple!["nope", 5], TYPE, "'int' object is not iterable");
    }
}

/// Pyro4 takes a falsy metadata as none (`if metadata:`); Pyro5 iterates what it is given.
/// Both look an unknown name up before they make the tag set.
#[test]
fn falsy_metadata_is_no_tags_for_pyro4_only() {
    for g in GENS {
        let c = Client::fresh(g, &[]);
        let zero = tuple!["a", "PYRO:a@h:1", false, 0];
        let set_false = tuple!["a", false];
        let tags = || c.ns.registry().lookup("a").expect("a").metadata;
        match g.version {
            ProtocolVersion::V5 => {
                c.raises("register", zero, TYPE, "'int' object is not iterable");
                c.ok("register", tuple!["a", "PYRO:a@h:1", false, list!["t"]]);
                let not_iterable = "'bool' object is not iterable";
                c.raises("set_metadata", set_false, TYPE, not_iterable);
                assert!(tags().contains("t"), "V5: {:?}", tags());
                // Regression (ours checked the tags first): Python's Pyro5 looks an unknown
                // name up before it makes the tag set, as Pyro4 does.
                let naming = "Pyro5.errors.NamingError";
                for tags in [list![list![1]], list![1], Value::Int(0), Value::Bool(false)] {
                    let args = tuple!["nope", tags];
                    c.raises("set_metadata", args, naming, "unknown name: nope");
                }
                c.raises(
                    "set_metadata",
                    tuple!["a", 0],
                    TYPE,
                    "'int' object is not iterable",
                );
                let str_tags =
                    "metadata should not be a str, but another iterable (set, list, etc)";
                c.raises("set_metadata", tuple!["nope", ""], TYPE, str_tags);
            }
            ProtocolVersion::V4 => {
                c.ok("register", zero);
                let uri = g.uri("a", "h", 1);
                c.answers("lookup", tuple!["a", true], tuple![uri, list![]]);
                c.ok("set_metadata", tuple!["a", list!["t"]]);
                c.ok("set_metadata", set_false);
                assert!(tags().is_empty(), "V4: {:?}", tags());
                let unhashable = tuple!["nope", list![list![1]]];
                let naming = "Pyro4.errors.NamingError";
                c.raises("set_metadata", unhashable, naming, "unknown name: nope");
            }
        }
    }
}

#[test]
fn remove_by_name_prefix_regex_never_removes_itself() {
    for g in GENS {
        let c = Client::fresh(g, &["a.1", "a.2", "b.1", "b.2", "c"]);
        let rm = |args: Value, k: Kw, n: i64| c.answers_kw("remove", args, k, Value::Int(n));
        rm(tuple!["c"], &[], 1);
        rm(tuple!["c"], &[], 0);
        rm(tuple![NAMESERVER_NAME], &[], 0);
        rm(tuple![], &[], 0);
        rm(tuple![], &[("prefix", "a.".into())], 2);
        rm(tuple![None::<i64>, None::<i64>, r"b\.[12]"], &[], 2);
        rm(tuple![], &[("regex", ".*".into())], 0);
        rm(tuple![], &[("prefix", "Pyro".into())], 0);
        c.answers("count", tuple![], Value::Int(1));
        let (class, _) = c.err_kw("remove", tuple![], &[("regex", "[".into())]);
        assert_eq!(class, g.pyro("NamingError"), "{g:?}");
        c.raises("remove", tuple![list![1]], TYPE, "unhashable type: 'list'");
    }
}

/// A name that isn't registered: Pyro5's `remove` stops there, Pyro4's goes on to the prefix.
#[test]
fn remove_of_an_unknown_name_goes_on_to_the_prefix_in_pyro4() {
    for (g, removed) in [(V5, 0), (V4, 1)] {
        let c = Client::fresh(g, &["kw.a", "kw.b"]);
        let unknown = tuple!["no.such.name", "kw.a"];
        c.answers("remove", unknown, Value::Int(removed));
        // A known name is removed alone.
        c.answers("remove", tuple!["kw.b", "kw."], Value::Int(1));
        c.answers("count", tuple![], Value::Int(2 - removed));
    }
}

#[test]
fn unknown_methods_and_arguments() {
    for g in GENS {
        let c = Client::fresh(g, &[]);
        let count = "NameServer.count() takes 1 positional argument but 2 were given";
        c.raises("count", tuple![1], TYPE, count);
        let unexpected = |kwarg: &str, value: Value| {
            let text = format!("NameServer.list() got an unexpected keyword argument '{kwarg}'");
            c.raises_kw("list", tuple![], &[(kwarg, value)], TYPE, &text);
        };
        unexpected("colour", "red".into());
        // Each generation's list refuses the other's metadata search keyword.
        unexpected(g.other().search.1, list!["x"]);
        let attribute = |name: &str| format!("'NameServer' object has no attribute '{name}'");
        let no_attribute = "builtins.AttributeError";
        let frobnicate = attribute("frobnicate");
        c.raises("frobnicate", tuple![], no_attribute, &frobnicate);
        // Pyro4's name server has no yplookup.
        let yplookup = tuple![list!["x"]];
        match g.version {
            ProtocolVersion::V5 => c.answers("yplookup", yplookup, dict! {}),
            ProtocolVersion::V4 => {
                c.raises("yplookup", yplookup, no_attribute, &attribute("yplookup"));
            }
        }
    }
}

/// The metadata a caller gets (CONNECTOK, `Pyro.Daemon.get_metadata`) is its generation's:
/// Pyro4's seven methods, so a Pyro4 proxy refuses `yplookup` locally as it does against
/// Python's Pyro4 name server.
#[test]
fn metadata_is_the_callers_generations() {
    let ns = fresh();
    let [v5, v4] = GENS.map(|g| ns.metadata_for(g.version));
    for (g, methods, yplookup) in [(V5, &v5, true), (V4, &v4, false)] {
        let count = if yplookup { 8 } else { 7 };
        assert_eq!(methods.methods.len(), count, "{g:?}");
        assert_eq!(methods.methods.contains("yplookup"), yplookup, "{g:?}");
    }
    assert_eq!(v5, ns.metadata());
    assert!(v5.methods.is_superset(&v4.methods));
}
