//! The name server's Rust API on its typed arguments: `Remove`, `ListFilter`, `MetaFilter` and
//! `RegisterOptions` (Python's `remove(name, prefix, regex)`, `list(prefix, regex)`,
//! `yplookup(meta_all, meta_any)` and `register(..., safe, metadata)`), with Python's rules for
//! empty texts and the name server's own entry.

use pyroxene_ns::{
    ListFilter, MetaFilter, NAMESERVER_CLASS_TAG, NAMESERVER_NAME, NsError, RegisterOptions,
    Registry, Remove,
};

fn registry() -> Registry {
    let registry = Registry::default();
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

fn names(found: Vec<(String, pyroxene_ns::storage::Registration)>) -> Vec<String> {
    found.into_iter().map(|(n, _)| n).collect()
}

#[test]
fn list_filters() {
    let r = registry();
    let all = names(r.list(ListFilter::All).expect("all"));
    assert_eq!(all, [NAMESERVER_NAME, "a.one", "a.two", "b.one"]);
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

#[test]
fn remove_one_of_three() {
    let r = registry();
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
}

#[test]
fn register_options_safe_and_metadata() {
    let r = registry();
    let err = r
        .register("a.one", "PYRO:x@h:2", RegisterOptions::new().safe())
        .expect_err("safe");
    assert_eq!(err.to_string(), "name already registered: a.one");
    assert_eq!(r.lookup("a.one").expect("kept").uri, "PYRO:o@127.0.0.1:1");
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
}

#[test]
fn metadata_filters() {
    let r = registry();
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

/// 20 registrations with names of 8 KiB, as in issue 16's finding 4.
fn long_names() -> std::sync::Arc<Registry> {
    let registry = registry();
    for i in 0..20 {
        let name = format!("{i:02}{}", "a".repeat(8190));
        registry
            .register(&name, "PYRO:o@127.0.0.1:1", RegisterOptions::new())
            .expect("register");
    }
    std::sync::Arc::new(registry)
}

/// Issue 16, finding 4: `list(regex='(?:.{0,20}){0,400}!')` over 20 names of 8 KiB ran 19-24 s
/// holding the store lock. The pattern compiles past the size limit and is refused at once.
#[test]
fn a_huge_regex_is_refused_with_a_naming_error() {
    let registry = long_names();
    let err = registry
        .list(ListFilter::Regex("(?:.{0,20}){0,400}!"))
        .expect_err("refused");
    assert!(matches!(err, NsError::InvalidRegex(_)), "{err:?}");
    assert!(err.to_string().contains("size limit"), "{err}");
    assert_eq!(
        err.to_remote().pyro_class(),
        Some(pyroxene::wire::dialect::PyroErrorClass::NamingError)
    );
}

/// A pattern that matches for longer than the time bound gives up with a clear NamingError
/// (the bound is a backstop behind the size limit, so it is set to nothing here).
#[test]
fn slow_matching_is_bounded_in_time() {
    let registry = Registry::default().with_regex_time_limit(std::time::Duration::ZERO);
    for i in 0..3 {
        registry
            .register(
                &format!("n{i}"),
                "PYRO:o@127.0.0.1:1",
                RegisterOptions::new(),
            )
            .expect("register");
    }
    std::thread::sleep(std::time::Duration::from_millis(2));
    let err = registry
        .list(ListFilter::Regex("n.*"))
        .expect_err("too slow");
    assert!(matches!(err, NsError::RegexTooSlow(_)), "{err:?}");
    assert_eq!(
        err.to_string(),
        "regex matching took longer than 0s; use a simpler pattern"
    );
    assert_eq!(
        err.to_remote().pyro_class(),
        Some(pyroxene::wire::dialect::PyroErrorClass::NamingError)
    );
    // Prefixes and plain listings are not bounded: they cost a comparison per name.
    assert_eq!(
        registry
            .list(ListFilter::Prefix("n"))
            .expect("prefix")
            .len(),
        3
    );
    let default = long_names();
    assert_eq!(
        default
            .list(ListFilter::Regex("0[0-9]a"))
            .expect("quick")
            .len(),
        10
    );
}
