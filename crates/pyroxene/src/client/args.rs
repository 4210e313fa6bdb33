//! The arguments of a call with serde values: [`IntoArgs`] (tuples, [`Args`]) and the [`Args`]
//! builder with keyword arguments.

use pyroxene_wire::{Dict, Value, to_value};
use serde::Serialize;

use crate::error::Result;

/// What [`Proxy::call_as`](crate::Proxy::call_as) and [`Batch::call_as`](super::Batch::call_as)
/// take as the arguments of a call: a tuple of [`Serialize`] values, one per positional
/// argument (`()`, `(a,)`, `(a, b)`, ... up to 12), or an [`Args`] with keyword arguments too.
///
/// Only these: a `Vec` or an `Option` is one argument and goes in a tuple like any other
/// (`(vec![1, 2, 3],)` calls `sum([1, 2, 3])`), so the arguments never depend on the value.
///
/// ```
/// use pyroxene::client::{Args, IntoArgs};
/// use pyroxene::{Value, list};
/// let one = (vec![1, 2, 3],).into_args().unwrap();
/// assert_eq!(one.positional(), [list![1, 2, 3]]);
/// let none = (None::<i64>,).into_args().unwrap();
/// assert_eq!(none.positional(), [Value::None]);
/// let mixed = Args::new().arg("x").kwarg("limit", 5).into_args().unwrap();
/// assert_eq!(mixed.keywords().get(&Value::from("limit")), Some(&Value::from(5)));
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an argument list",
    label = "expected a tuple of arguments or `pyroxene::client::Args`",
    note = "pass the arguments as a tuple, one item per argument: `()`, `(one,)`, `(a, b)`; \
            a `Vec` or an `Option` is one argument: `(vec![1, 2, 3],)`; \
            keyword arguments go in `pyroxene::client::Args`"
)]
pub trait IntoArgs {
    /// The arguments as values.
    ///
    /// # Errors
    /// [`ErrorKind::Serialize`](crate::ErrorKind::Serialize) when an argument doesn't
    /// serialize.
    fn into_args(self) -> Result<Args>;
}

/// Positional and keyword arguments of a call, built one by one.
///
/// Each value is converted with [`to_value`] as it is added; the first one that doesn't
/// convert is reported when the call is made, so a chain of `arg`/`kwarg` needs no `?`.
///
/// ```
/// use pyroxene::client::{Args, IntoArgs};
/// use pyroxene::Value;
/// // Python: library.find("rust", limit=5)  (`order` left to the method's default)
/// let order: Option<&str> = None;
/// let args = Args::new().arg("rust").kwarg("limit", 5).kwarg_opt("order", order);
/// let args = args.into_args().unwrap();
/// assert_eq!(args.positional(), [Value::from("rust")]);
/// assert_eq!(args.keywords().len(), 1);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Args {
    positional: Vec<Value>,
    keywords: Dict,
    /// The first argument that didn't convert, reported by [`IntoArgs::into_args`].
    error: Option<pyroxene_wire::Error>,
}

impl Args {
    /// No arguments.
    pub fn new() -> Args {
        Args::default()
    }

    /// Adds a positional argument.
    #[must_use]
    pub fn arg(mut self, value: impl Serialize) -> Args {
        if let Some(value) = self.convert(&value) {
            self.positional.push(value);
        }
        self
    }

    /// Adds a keyword argument (a second one of the same name replaces the first).
    #[must_use]
    pub fn kwarg(mut self, name: &str, value: impl Serialize) -> Args {
        if let Some(value) = self.convert(&value) {
            self.keywords.insert(Value::from(name), value);
        }
        self
    }

    /// Adds a keyword argument when `value` is `Some`, so that a Python method's default
    /// applies when it is `None` (a Python caller leaving the argument out).
    #[must_use]
    pub fn kwarg_opt<T: Serialize>(self, name: &str, value: Option<T>) -> Args {
        match value {
            Some(value) => self.kwarg(name, value),
            None => self,
        }
    }

    /// The positional arguments so far.
    pub fn positional(&self) -> &[Value] {
        &self.positional
    }

    /// The keyword arguments so far.
    pub fn keywords(&self) -> &Dict {
        &self.keywords
    }

    /// The positional arguments (a tuple, as calls send them) and the keyword arguments
    /// (`None` when there are none).
    pub fn into_parts(self) -> (Value, Option<Dict>) {
        let keywords = (!self.keywords.is_empty()).then_some(self.keywords);
        (Value::Tuple(self.positional), keywords)
    }

    fn convert(&mut self, value: &impl Serialize) -> Option<Value> {
        if self.error.is_some() {
            return None;
        }
        to_value(value).map_err(|e| self.error = Some(e)).ok()
    }
}

impl IntoArgs for Args {
    fn into_args(self) -> Result<Args> {
        match self.error {
            Some(e) => Err(e.into()),
            None => Ok(self),
        }
    }
}

impl IntoArgs for () {
    fn into_args(self) -> Result<Args> {
        Ok(Args::new())
    }
}

/// `IntoArgs` for a tuple of `Serialize` values: one positional argument per item.
macro_rules! tuple_args {
    ($($name:ident),+) => {
        impl<$($name: Serialize),+> IntoArgs for ($($name,)+) {
            #[allow(non_snake_case)]
            fn into_args(self) -> Result<Args> {
                let ($($name,)+) = self;
                Ok(Args {
                    positional: vec![$(to_value(&$name)?),+],
                    ..Args::default()
                })
            }
        }
    };
}

tuple_args!(A);
tuple_args!(A, B);
tuple_args!(A, B, C);
tuple_args!(A, B, C, D);
tuple_args!(A, B, C, D, E);
tuple_args!(A, B, C, D, E, F);
tuple_args!(A, B, C, D, E, F, G);
tuple_args!(A, B, C, D, E, F, G, H);
tuple_args!(A, B, C, D, E, F, G, H, I);
tuple_args!(A, B, C, D, E, F, G, H, I, J);
tuple_args!(A, B, C, D, E, F, G, H, I, J, K);
tuple_args!(A, B, C, D, E, F, G, H, I, J, K, L);

#[cfg(test)]
mod tests {
    use super::*;
    use pyroxene_wire::{list, tuple};

    #[test]
    fn a_vec_or_an_option_is_one_argument() {
        let (args, kwargs) = (vec![1, 2, 3],).into_args().unwrap().into_parts();
        assert_eq!(args, tuple![list![1, 2, 3]]);
        assert_eq!(kwargs, None);
        let (args, _) = (None::<i64>, 2).into_args().unwrap().into_parts();
        assert_eq!(args, tuple![Value::None, 2]);
        assert_eq!(().into_args().unwrap().into_parts().0, tuple![]);
    }

    #[test]
    fn twelve_arguments_in_order() {
        let args = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, "twelve")
            .into_args()
            .unwrap();
        assert_eq!(args.positional().len(), 12);
        assert_eq!(args.positional()[11], Value::from("twelve"));
    }

    #[test]
    fn the_first_argument_that_does_not_convert_is_the_error() {
        struct Refused(&'static str);
        impl Serialize for Refused {
            fn serialize<S: serde::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
                Err(serde::ser::Error::custom(self.0))
            }
        }
        let err = Args::new()
            .arg(1)
            .kwarg("bad", Refused("first"))
            .arg(Refused("second"))
            .into_args()
            .unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::Serialize);
        assert!(format!("{err:#}").contains("first"), "{err:#}");
    }

    #[test]
    fn keywords_left_out_when_none() {
        let (args, kwargs) = Args::new()
            .arg(1)
            .kwarg_opt("a", Some("x"))
            .kwarg_opt("b", None::<i64>)
            .into_args()
            .unwrap()
            .into_parts();
        assert_eq!(args, tuple![1]);
        assert_eq!(
            kwargs.unwrap().keys().collect::<Vec<_>>(),
            [&Value::from("a")]
        );
    }
}
