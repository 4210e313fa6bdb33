//! Pyro's private-name rule: which attribute names a daemon refuses to expose or call
//! (Python's `Pyro5.server.is_private_attribute`). One home for the daemon and `#[expose]`.

/// Dunder names Pyro never exposes (`Pyro5.server._private_dunder_methods`).
pub const PRIVATE_DUNDERS: &[&str] = &[
    "__init__",
    "__init_subclass__",
    "__class__",
    "__module__",
    "__weakref__",
    "__call__",
    "__new__",
    "__del__",
    "__repr__",
    "__str__",
    "__format__",
    "__nonzero__",
    "__bool__",
    "__coerce__",
    "__cmp__",
    "__eq__",
    "__ne__",
    "__hash__",
    "__ge__",
    "__gt__",
    "__le__",
    "__lt__",
    "__dir__",
    "__enter__",
    "__exit__",
    "__copy__",
    "__deepcopy__",
    "__sizeof__",
    "__getattr__",
    "__setattr__",
    "__hasattr__",
    "__getattribute__",
    "__delattr__",
    "__instancecheck__",
    "__subclasscheck__",
    "__getinitargs__",
    "__getnewargs__",
    "__getstate__",
    "__setstate__",
    "__reduce__",
    "__reduce_ex__",
    "__subclasshook__",
];

/// Pyro's name privacy rule: names starting with `_` are private, except dunder names longer
/// than 4 characters (`__len__`), and the special dunders of [`PRIVATE_DUNDERS`] always are.
///
/// ```
/// use pyroxene_wire::dialect::is_private_name;
/// assert!(is_private_name("_x") && is_private_name("__init__"));
/// assert!(!is_private_name("echo") && !is_private_name("__len__"));
/// ```
pub fn is_private_name(name: &str) -> bool {
    // Every private name starts with `_` (the dunders too): most calls are decided here,
    // without a scan of the dunder list.
    if !name.starts_with('_') {
        return false;
    }
    if PRIVATE_DUNDERS.contains(&name) {
        return true;
    }
    if name.len() > 4 && name.starts_with("__") && name.ends_with("__") {
        return false;
    }
    name.starts_with('_')
}

#[cfg(test)]
mod tests {
    use super::is_private_name;

    #[test]
    fn privacy_rule_like_pyro() {
        for private in [
            "_x",
            "__x",
            "_Cls__private",
            "__init__",
            "__getattr__",
            "__call__",
            "__",
        ] {
            assert!(is_private_name(private), "{private}");
        }
        for public in ["echo", "__len__", "__getitem__", "__dunder__", "x_"] {
            assert!(!is_private_name(public), "{public}");
        }
    }
}
