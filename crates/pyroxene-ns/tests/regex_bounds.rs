//! The bounds on a name server's regex filters (issue 16, finding 4): a pattern that compiles
//! too big is refused, and matching gives up past a time bound, both with a NamingError. The
//! matching runs on a snapshot outside the store, so these are the registry's rules, the same
//! over every store (the storage suite covers the filters themselves).

use pyroxene_ns::{ListFilter, NsError, RegisterOptions, Registry};

fn registry() -> Registry {
    Registry::default()
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
