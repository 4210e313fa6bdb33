//! Pyro's private-name rule at macro time: the same rule as `pyroxene::server::is_private_name`
//! (a test below holds them together), so private methods are left out of the metadata.

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

/// Pyro's private-name rule, as `pyroxene::server::is_private_name` (kept in step with it).
pub fn is_private_name(name: &str) -> bool {
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
    use super::{PRIVATE_DUNDERS, is_private_name};

    #[test]
    fn same_rule_as_the_daemon() {
        let samples = [
            "echo",
            "_x",
            "__x",
            "_Cls__private",
            "__",
            "____",
            "_____",
            "__len__",
            "__dunder__",
            "x_",
            "__x_",
            "_x__",
            "",
        ];
        for name in PRIVATE_DUNDERS.iter().copied().chain(samples) {
            assert_eq!(
                is_private_name(name),
                pyroxene::server::is_private_name(name),
                "{name}"
            );
        }
    }
}
