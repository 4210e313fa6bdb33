//! Literal macros for building Values: `list!`, `tuple!`, `set!`, `dict!`.

/// Builds a [`Value::List`](crate::Value::List): `list![1, "two", 3.0]`.
#[macro_export]
macro_rules! list {
    () => { $crate::Value::List(::std::vec::Vec::new()) };
    ($($item:expr),+ $(,)?) => {
        $crate::Value::List(::std::vec![$($crate::Value::from($item)),+])
    };
}

/// Builds a [`Value::Tuple`](crate::Value::Tuple): `tuple![1, "two"]` (argument lists are tuples).
#[macro_export]
macro_rules! tuple {
    () => { $crate::Value::Tuple(::std::vec::Vec::new()) };
    ($($item:expr),+ $(,)?) => {
        $crate::Value::Tuple(::std::vec![$($crate::Value::from($item)),+])
    };
}

/// Builds a [`Value::Set`](crate::Value::Set): `set![1, 2, 3]`.
#[macro_export]
macro_rules! set {
    () => { $crate::Value::new_set() };
    ($($item:expr),+ $(,)?) => {{
        let mut set = $crate::value::Set::default();
        $( set.insert($crate::Value::from($item)); )+
        $crate::Value::Set(::std::boxed::Box::new(set))
    }};
}

/// Builds a [`Value::Dict`](crate::Value::Dict): `dict! { "a" => 1, 2 => "b" }` (insertion order kept).
#[macro_export]
macro_rules! dict {
    () => { $crate::Value::new_dict() };
    ($($key:expr => $value:expr),+ $(,)?) => {{
        let mut dict = $crate::value::Dict::default();
        $( dict.insert($crate::Value::from($key), $crate::Value::from($value)); )+
        $crate::Value::Dict(::std::boxed::Box::new(dict))
    }};
}
