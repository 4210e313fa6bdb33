//! The helper attributes of methods and parameters (`#[oneway]`, `#[getter]`, `#[pyro(..)]`...):
//! read and removed, each mistake recorded with its span. Which ones a place allows is checked
//! by the reader of that place (an impl block, an interface trait).

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::{Attribute, Ident, LitStr, Meta};

use crate::model::Errors;

/// The helper attributes of methods.
const HELPERS: &[&str] = &["oneway", "getter", "setter", "skip", "nonblocking", "pyro"];

/// The helper attributes found on one method, each with its tokens (for error spans).
#[derive(Default)]
pub struct Markers {
    pub oneway: Option<TokenStream>,
    pub getter: Option<(TokenStream, Option<Ident>)>,
    pub setter: Option<(TokenStream, Option<Ident>)>,
    pub skip: Option<TokenStream>,
    pub nonblocking: Option<TokenStream>,
    /// `#[pyro(name = "...")]`: the Python name of a method.
    pub name: Option<(TokenStream, LitStr)>,
}

impl Markers {
    /// The markers given, by name, for "not allowed here" errors.
    pub fn present(&self) -> Vec<(&TokenStream, &'static str)> {
        [
            (self.oneway.as_ref(), "#[oneway]"),
            (self.getter.as_ref().map(|(t, _)| t), "#[getter]"),
            (self.setter.as_ref().map(|(t, _)| t), "#[setter]"),
            (self.skip.as_ref(), "#[skip]"),
            (self.nonblocking.as_ref(), "#[nonblocking]"),
            (self.name.as_ref().map(|(t, _)| t), "#[pyro(name)]"),
        ]
        .into_iter()
        .filter_map(|(tokens, what)| tokens.map(|t| (t, what)))
        .collect()
    }
}

/// The helper attribute of parameters: `#[pyro(kw)]`, `#[pyro(name = "...")]`.
#[derive(Default)]
pub struct ParamMarkers {
    /// `#[pyro(kw)]`: a typed client sends it as a keyword argument.
    pub kw: Option<TokenStream>,
    /// `#[pyro(name = "...")]`: the keyword name, when it isn't the Rust name.
    pub name: Option<(TokenStream, LitStr)>,
}

/// Removes the helper attributes from a method, reading them.
pub fn take_markers(attrs: &mut Vec<Attribute>, errors: &mut Errors) -> Markers {
    let mut markers = Markers::default();
    attrs.retain(|attr| {
        let Some(helper) = HELPERS.iter().find(|h| attr.path().is_ident(h)) else {
            return true;
        };
        let span = attr.to_token_stream();
        if *helper == "pyro" {
            for (key, at) in read_pyro(attr, errors) {
                match key {
                    PyroKey::Name(name) => {
                        if markers.name.replace((span.clone(), name)).is_some() {
                            errors.spanned(&span, "`#[pyro(name)]` given twice");
                        }
                    }
                    PyroKey::Kw => errors.at(
                        at,
                        "`#[pyro(kw)]` goes on a parameter: `#[pyro(kw)] limit: Option<u32>`",
                    ),
                }
            }
            return false;
        }
        let name = match (*helper, &attr.meta) {
            ("getter", Meta::List(_)) | ("setter", Meta::List(_)) => {
                match attr.parse_args::<Ident>() {
                    Ok(name) => Some(name),
                    Err(e) => {
                        errors.at(
                            e.span(),
                            format!("expected the property name: `#[{helper}(name)]`"),
                        );
                        None
                    }
                }
            }
            ("setter", _) => {
                errors.spanned(
                    &span,
                    "`#[setter]` needs the property name: `#[setter(name)]`",
                );
                None
            }
            (_, Meta::Path(_)) => None,
            _ => {
                errors.spanned(&span, format!("`#[{helper}]` takes no arguments"));
                None
            }
        };
        let slot_taken = match *helper {
            "oneway" => markers.oneway.replace(span.clone()).is_some(),
            "getter" => markers.getter.replace((span.clone(), name)).is_some(),
            "setter" => markers.setter.replace((span.clone(), name)).is_some(),
            "skip" => markers.skip.replace(span.clone()).is_some(),
            _ => markers.nonblocking.replace(span.clone()).is_some(),
        };
        if slot_taken {
            errors.spanned(&span, format!("`#[{helper}]` given twice"));
        }
        false
    });
    markers
}

/// Removes `#[pyro(..)]` from a parameter, reading it.
pub fn take_param_markers(attrs: &mut Vec<Attribute>, errors: &mut Errors) -> ParamMarkers {
    let mut markers = ParamMarkers::default();
    attrs.retain(|attr| {
        if !attr.path().is_ident("pyro") {
            return true;
        }
        let span = attr.to_token_stream();
        for (key, _) in read_pyro(attr, errors) {
            let taken = match key {
                PyroKey::Kw => markers.kw.replace(span.clone()).is_some(),
                PyroKey::Name(name) => markers.name.replace((span.clone(), name)).is_some(),
            };
            if taken {
                errors.spanned(&span, "`#[pyro(..)]` option given twice");
            }
        }
        false
    });
    markers
}

/// One option of `#[pyro(..)]`.
enum PyroKey {
    Kw,
    Name(LitStr),
}

/// Reads `#[pyro(kw, name = "...")]`: the options, each with its span.
fn read_pyro(attr: &Attribute, errors: &mut Errors) -> Vec<(PyroKey, Span)> {
    let mut options = Vec::new();
    if !matches!(attr.meta, Meta::List(_)) {
        errors.spanned(
            attr,
            "expected `#[pyro(name = \"...\")]` (a Python name) or `#[pyro(kw)]`",
        );
        return options;
    }
    let parsed = attr.parse_nested_meta(|meta| {
        let span = meta.path.segments.first().map(|s| s.ident.span());
        let span = span.unwrap_or_else(Span::call_site);
        if meta.path.is_ident("kw") {
            options.push((PyroKey::Kw, span));
            Ok(())
        } else if meta.path.is_ident("name") {
            let name: LitStr = meta
                .value()?
                .parse()
                .map_err(|e| syn::Error::new(e.span(), "expected a string: `name = \"...\"`"))?;
            if !is_python_identifier(&name.value()) {
                return Err(syn::Error::new(
                    name.span(),
                    "a Python name is an identifier (letters, digits and `_`, not starting \
                     with a digit)",
                ));
            }
            options.push((PyroKey::Name(name), span));
            Ok(())
        } else {
            Err(meta.error(
                "unknown `#[pyro]` option: expected `name = \"...\"` (a Python name) or `kw` \
                 (a keyword argument)",
            ))
        }
    });
    if let Err(e) = parsed {
        errors.push(e);
    }
    options
}

/// Python's `str.isidentifier()` for the ASCII names Pyro peers use (non-ASCII letters pass too).
fn is_python_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c == '_' || c.is_alphabetic())
        && chars.all(|c| c == '_' || c.is_alphanumeric())
}
