//! One suite, three stores: the name server's semantics on typed values (register, lookup,
//! list, yplookup, count, remove, set_metadata, leases) are the same with the memory, sqlite and
//! etcd stores. The only difference is Python's: a re-registered name keeps its place in memory
//! (a dict) and in etcd (create revision) and moves to the end in sqlite.
//!
//! The etcd suite runs against a real one-member etcd (pyroxene-testkit's fixture; skipped
//! without etcd outside CI), a fresh key prefix per case.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use pyroxene_ns::storage::{Registration, Storage, StorageSpec};
use pyroxene_ns::{
    ListFilter, MetaFilter, NAMESERVER_CLASS_TAG, NAMESERVER_NAME, NsError, RegisterOptions,
    Registry, Remove,
};
use pyroxene_testkit::etcd::EtcdCluster;

/// How a store orders a re-registered name.
#[derive(Clone, Copy, PartialEq)]
enum Reregistered {
    KeepsPlace,
    MovesToEnd,
}

/// A way to open fresh, empty stores of one kind.
struct Backend {
    name: &'static str,
    open: Box<dyn Fn() -> Box<dyn Storage>>,
    order: Reregistered,
}

/// A fresh directory in the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir =
            std::env::temp_dir().join(format!("pyroxene-suite-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn tags(t: &[&str]) -> BTreeSet<String> {
    t.iter().map(|s| (*s).to_owned()).collect()
}

fn names(found: Vec<(String, Registration)>) -> Vec<String> {
    found.into_iter().map(|(n, _)| n).collect()
}

/// A registry as a name server has it: its own entry first, then three names.
fn registry(backend: &Backend) -> Registry {
    let registry = Registry::new((backend.open)());
    let own = RegisterOptions::new().metadata([NAMESERVER_CLASS_TAG]);
    registry
        .register(NAMESERVER_NAME, "PYRO:Pyro.NameServer@127.0.0.1:9090", own)
        .expect("self registration");
    for (name, tags) in [
        ("a.one", &["t:1", "t:2"][..]),
        ("a.two", &["t:2"][..]),
        ("b.one", &[][..]),
    ] {
        let options = RegisterOptions::new().metadata(tags.iter().copied());
        registry
            .register(name, "PYRO:o@127.0.0.1:1", options)
            .expect("register");
    }
    registry
}

fn list_filters(backend: &Backend) {
    let r = registry(backend);
    let all = names(r.list(ListFilter::All).expect("all"));
    assert_eq!(all, [NAMESERVER_NAME, "a.one", "a.two", "b.one"]);
    assert_eq!(r.count().expect("count"), 4);
    // Python tests the filter for truth: an empty one lists everything.
    assert_eq!(names(r.list(ListFilter::Prefix("")).expect("empty")), all);
    assert_eq!(
        names(r.list(ListFilter::Prefix("a.")).expect("prefix")),
        ["a.one", "a.two"]
    );
    // re.match: anchored at the start only.
    assert_eq!(
        names(r.list(ListFilter::Regex(r".\.one")).expect("regex")),
        ["a.one", "b.one"]
    );
    assert!(matches!(
        r.list(ListFilter::Regex("(")),
        Err(NsError::InvalidRegex(_))
    ));
}

fn remove_one_of_three(backend: &Backend) {
    let r = registry(backend);
    // Nothing for empty texts or the name server's own name.
    for nothing in [
        Remove::Name(""),
        Remove::Prefix(""),
        Remove::Regex(""),
        Remove::Name(NAMESERVER_NAME),
        Remove::Name("nope"),
    ] {
        assert_eq!(r.remove(nothing).expect("remove"), 0, "{nothing:?}");
    }
    assert_eq!(r.remove(Remove::Name("b.one")).expect("name"), 1);
    assert_eq!(r.remove(Remove::Prefix("a.")).expect("prefix"), 2);
    // A regex matching everything leaves the name server's own entry.
    assert_eq!(r.remove(Remove::Regex(".*")).expect("regex"), 0);
    assert_eq!(r.count().expect("count"), 1);
    assert!(matches!(r.lookup("a.one"), Err(NsError::UnknownName(_))));
}

/// Regression: the memory store removed names one by one with `shift_remove`, quadratic in
/// the names held (100,000 removed by prefix took 27-60 s). Many names removed at once go in
/// one pass now; the names left keep their order, as after `del` on a dict.
fn remove_many_keeps_the_order_of_the_rest(backend: &Backend) {
    let r = registry(backend);
    for i in 0..200 {
        r.register(
            &format!("many.{i:03}"),
            "PYRO:m@127.0.0.1:1",
            RegisterOptions::new(),
        )
        .expect("register");
    }
    let before = names(r.list(ListFilter::Prefix("many.")).expect("list"));
    assert_eq!(
        r.remove(Remove::Regex(r"many\.\d\d[13579]")).expect("odd"),
        100
    );
    let left = names(r.list(ListFilter::Prefix("many.")).expect("list"));
    let expected: Vec<String> = before
        .into_iter()
        .filter(|n| n.as_bytes()[7] % 2 == 0)
        .collect();
    assert_eq!(left, expected);
    assert_eq!(r.remove(Remove::Prefix("many.")).expect("prefix"), 100);
    assert_eq!(
        r.lookup("a.one").expect("the others stay").uri,
        "PYRO:o@127.0.0.1:1"
    );
}

fn register_options_safe_and_metadata(backend: &Backend) {
    let r = registry(backend);
    let err = r
        .register("a.one", "PYRO:x@h:2", RegisterOptions::new().safe())
        .expect_err("safe");
    assert_eq!(err.to_string(), "name already registered: a.one");
    assert_eq!(r.lookup("a.one").expect("kept").uri, "PYRO:o@127.0.0.1:1");
    r.register("new.safe", "PYRO:n@h:3", RegisterOptions::new().safe())
        .expect("safe registration of a new name");
    // Not safe (Python's default): replaced, with the new (here: no) metadata.
    r.register("a.one", "PYRO:x@h:2", RegisterOptions::default())
        .expect("replace");
    let replaced = r.lookup("a.one").expect("lookup");
    assert_eq!(replaced.uri, "PYRO:x@h:2");
    assert!(replaced.metadata.is_empty());
    assert!(matches!(
        r.register("bad", "nouri", RegisterOptions::new()),
        Err(NsError::Uri(_))
    ));
    // set_metadata replaces the tags; an unknown name is refused.
    r.set_metadata("a.two", tags(&["q", "r"]))
        .expect("set_metadata");
    assert_eq!(
        r.lookup("a.two").expect("lookup").metadata,
        tags(&["q", "r"])
    );
    assert!(matches!(
        r.set_metadata("nope", tags(&["q"])),
        Err(NsError::UnknownName(_))
    ));
}

fn metadata_filters(backend: &Backend) {
    let r = registry(backend);
    let found = |filter: MetaFilter| names(r.yplookup(&filter).expect("yplookup"));
    assert_eq!(found(MetaFilter::all(["t:2"])), ["a.one", "a.two"]);
    assert_eq!(found(MetaFilter::all(["t:1", "t:2"])), ["a.one"]);
    assert_eq!(found(MetaFilter::any(["t:1", "zzz"])), ["a.one"]);
    assert_eq!(
        found(MetaFilter::all([NAMESERVER_CLASS_TAG])),
        [NAMESERVER_NAME]
    );
    // An empty filter finds nothing (Python's yplookup without a filter returns {}).
    assert!(found(MetaFilter::all(Vec::<String>::new())).is_empty());
    assert!(found(MetaFilter::any(Vec::<String>::new())).is_empty());
}

fn order_on_reregistration(backend: &Backend) {
    let r = Registry::new((backend.open)());
    for name in ["x", "y", "z"] {
        r.register(name, "PYRO:o@h:1", RegisterOptions::new())
            .expect("register");
    }
    r.register("x", "PYRO:o@h:2", RegisterOptions::new())
        .expect("register again");
    assert_eq!(r.remove(Remove::Name("y")).expect("remove"), 1);
    let order = names(r.list(ListFilter::All).expect("list"));
    match backend.order {
        Reregistered::KeepsPlace => assert_eq!(order, ["x", "z"], "{}", backend.name),
        Reregistered::MovesToEnd => assert_eq!(order, ["z", "x"], "{}", backend.name),
    }
    // Removed and registered again: at the end everywhere.
    r.remove(Remove::Name("z")).expect("remove");
    r.register("z", "PYRO:o@h:3", RegisterOptions::new())
        .expect("register");
    assert_eq!(
        names(r.list(ListFilter::All).expect("list"))
            .last()
            .map(String::as_str),
        Some("z")
    );
}

fn leases(backend: &Backend) {
    let r = Registry::new((backend.open)());
    r.register(
        "leased",
        "PYRO:l@h:1",
        RegisterOptions::new().metadata(["lease:2", "class:X"]),
    )
    .expect("register with a lease");
    r.register("kept", "PYRO:k@h:1", RegisterOptions::new())
        .expect("register");
    // The tag is metadata like any other.
    assert_eq!(
        r.lookup("leased").expect("lookup").metadata,
        tags(&["class:X", "lease:2"])
    );
    let leases = r.leases().expect("leases");
    assert_eq!(leases.len(), 1, "{leases:?}");
    assert_eq!(leases[0].0, "leased");
    assert!(leases[0].1 <= Duration::from_secs(2), "{leases:?}");
    assert!(r.renew("leased").expect("renew") >= Duration::from_secs(2));
    assert!(matches!(r.renew("kept"), Err(NsError::NoLease(_))));
    assert!(matches!(r.renew("nope"), Err(NsError::UnknownName(_))));
    // Malformed lease tags are refused, and so are two of them.
    for bad in [
        &["lease:0"][..],
        &["lease:x"],
        &["lease:1", "lease:2"],
        &["lease:-3"],
    ] {
        let options = RegisterOptions::new().metadata(bad.iter().copied());
        let err = r
            .register("bad", "PYRO:b@h:1", options)
            .expect_err("refused");
        assert!(matches!(err, NsError::InvalidLease(_)), "{bad:?}: {err}");
    }
    assert!(matches!(
        r.set_metadata("kept", tags(&["lease:nope"])),
        Err(NsError::InvalidLease(_))
    ));
    // A lease given by set_metadata; a registration without the tag loses its lease.
    r.set_metadata("kept", tags(&["lease:1"]))
        .expect("leased by set_metadata");
    r.register("leased", "PYRO:l@h:1", RegisterOptions::new())
        .expect("register again without a lease");
    assert!(matches!(r.renew("leased"), Err(NsError::NoLease(_))));
    // "kept" runs out (etcd may grant a little more than asked): gone, the rest stays.
    let deadline = Instant::now() + Duration::from_secs(15);
    while r.lookup("kept").is_ok() {
        assert!(
            Instant::now() < deadline,
            "{}: lease never ran out",
            backend.name
        );
        std::thread::sleep(Duration::from_millis(100));
        r.expire_leases().expect("sweep");
    }
    assert!(r.lookup("leased").is_ok());
    assert!(r.leases().expect("leases").is_empty());
}

/// A named case of the suite.
type Case = (&'static str, fn(&Backend));

const CASES: &[Case] = &[
    ("list_filters", list_filters),
    ("remove_one_of_three", remove_one_of_three),
    (
        "remove_many_keeps_the_order_of_the_rest",
        remove_many_keeps_the_order_of_the_rest,
    ),
    (
        "register_options_safe_and_metadata",
        register_options_safe_and_metadata,
    ),
    ("metadata_filters", metadata_filters),
    ("order_on_reregistration", order_on_reregistration),
    ("leases", leases),
];

fn run_suite(backend: &Backend) {
    for (name, case) in CASES {
        eprintln!("{}: {name}", backend.name);
        case(backend);
    }
}

#[test]
fn memory_store() {
    run_suite(&Backend {
        name: "memory",
        open: Box::new(|| StorageSpec::Memory.open().expect("open")),
        order: Reregistered::KeepsPlace,
    });
}

#[test]
fn sqlite_store() {
    let dir = TempDir::new("sqlite");
    let root = dir.0.clone();
    let next = std::cell::Cell::new(0);
    run_suite(&Backend {
        name: "sqlite",
        open: Box::new(move || {
            next.set(next.get() + 1);
            let file = root.join(format!("{}.db", next.get()));
            StorageSpec::parse(&format!("sql:{}", file.display()))
                .and_then(|spec| spec.open())
                .expect("open")
        }),
        order: Reregistered::MovesToEnd,
    });
}

#[test]
fn etcd_store() {
    let Some(cluster) = EtcdCluster::start(1) else {
        return;
    };
    let endpoints = cluster.endpoints().join(",");
    let next = std::cell::Cell::new(0);
    run_suite(&Backend {
        name: "etcd",
        open: Box::new(move || {
            next.set(next.get() + 1);
            let spec = format!("etcd:{endpoints}/suite-{}", next.get());
            StorageSpec::parse(&spec)
                .and_then(|spec| spec.open())
                .expect("open")
        }),
        order: Reregistered::KeepsPlace,
    });
}
