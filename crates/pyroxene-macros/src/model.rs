//! Reads an `impl` block into what is exposed, collecting every mistake with its span.

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{
    Attribute, Error, FnArg, GenericArgument, GenericParam, Ident, ImplItem, ImplItemFn, ItemImpl,
    Meta, Pat, PathArguments, ReceiverKind, ReturnType, Safety, Type,
};

use pyroxene_wire::dialect::is_private_name;

/// The helper attributes the macro consumes.
pub const HELPERS: &[&str] = &["oneway", "getter", "setter", "skip", "nonblocking"];

/// What the macro learned from the impl block.
pub struct Class {
    /// The type's name as Python error texts show it (`EchoServer`).
    pub name: String,
    /// Exposed methods, in the order of the impl block.
    pub methods: Vec<Method>,
    /// Property readers.
    pub getters: Vec<Accessor>,
    /// Property writers.
    pub setters: Vec<Accessor>,
    /// Names of the impl block that are not exposed methods (for Python's "unexposed" texts).
    pub unexposed: Vec<String>,
}

/// An exposed method.
pub struct Method {
    /// The remote name.
    pub name: String,
    /// Marked `#[oneway]`.
    pub oneway: bool,
    /// How to call it.
    pub call: Callable,
}

/// A property getter or setter.
pub struct Accessor {
    /// The property name.
    pub name: String,
    /// How to call it.
    pub call: Callable,
}

/// A Rust method as the generated code calls it.
pub struct Callable {
    /// The method's identifier.
    pub ident: Ident,
    /// `async fn`.
    pub is_async: bool,
    /// `#[nonblocking]`: call on the runtime thread.
    pub inline: bool,
    /// Parameters after `&self`.
    pub params: Vec<Param>,
    /// The return type is a `Result`.
    pub returns_result: bool,
    /// Where errors about the return value point: the return type, else the method's name.
    pub output_span: Span,
}

/// One parameter.
pub struct Param {
    /// The keyword name.
    pub name: String,
    /// Its type, as written.
    pub ty: Type,
    /// `Option<T>`: may be left out.
    pub optional: bool,
}

/// Collects errors so one compile shows them all.
#[derive(Default)]
pub struct Errors(Option<Error>);

impl Errors {
    /// Records an error at `span`.
    pub fn at(&mut self, span: Span, message: impl std::fmt::Display) {
        self.push(Error::new(span, message));
    }

    /// Records an error over all of `tokens` (rustc underlines them all).
    pub fn spanned(&mut self, tokens: impl ToTokens, message: impl std::fmt::Display) {
        self.push(Error::new_spanned(tokens, message));
    }

    /// Records an error.
    pub fn push(&mut self, error: Error) {
        match &mut self.0 {
            Some(all) => all.combine(error),
            None => self.0 = Some(error),
        }
    }

    /// The errors, if any.
    pub fn finish(self) -> Option<Error> {
        self.0
    }
}

/// The helper attributes found on one method.
#[derive(Default)]
struct Markers {
    oneway: Option<TokenStream>,
    getter: Option<(TokenStream, Option<Ident>)>,
    setter: Option<(TokenStream, Option<Ident>)>,
    skip: Option<TokenStream>,
    nonblocking: Option<TokenStream>,
}

const SHARED: &str = "the daemon shares one object between concurrent calls (it holds it in an \
                      `Arc`), so keep state behind interior mutability (atomics, Mutex, RwLock); \
                      or mark the method `#[skip]` to keep it out of the remote interface";

/// Reads the impl block (already checked to be inherent), removing the helper attributes.
pub fn read(item: &mut ItemImpl, errors: &mut Errors) -> Class {
    let name = match &*item.self_ty {
        Type::Path(p) if p.qself.is_none() => p
            .path
            .segments
            .last()
            .map(|s| s.ident.unraw().to_string())
            .unwrap_or_default(),
        other => {
            errors.spanned(
                other,
                "`#[pyroxene::expose]` needs a named type (a struct or an enum)",
            );
            String::new()
        }
    };
    let mut class = Class {
        name,
        methods: Vec::new(),
        getters: Vec::new(),
        setters: Vec::new(),
        unexposed: Vec::new(),
    };
    for impl_item in &mut item.items {
        if let ImplItem::Fn(f) = impl_item {
            let markers = take_markers(&mut f.attrs, errors);
            read_fn(f, markers, &mut class, errors);
        }
    }
    check_names(&mut class, errors);
    class
}

/// Sorts one method into the class.
fn read_fn(f: &ImplItemFn, markers: Markers, class: &mut Class, errors: &mut Errors) {
    let fn_name = f.sig.ident.unraw().to_string();
    let role = markers
        .getter
        .as_ref()
        .map(|(attr, _)| (attr, "#[getter]"))
        .or(markers.setter.as_ref().map(|(attr, _)| (attr, "#[setter]")))
        .or(markers.oneway.as_ref().map(|attr| (attr, "#[oneway]")));
    if markers.skip.is_some() {
        let others = role
            .into_iter()
            .chain(markers.nonblocking.as_ref().map(|a| (a, "#[nonblocking]")));
        for (attr, what) in others {
            errors.spanned(
                attr,
                format!(
                    "`{what}` on a `#[skip]` method: skip keeps it out of the remote interface"
                ),
            );
        }
        class.unexposed.push(fn_name);
        return;
    }
    let roles = [
        markers.getter.is_some(),
        markers.setter.is_some(),
        markers.oneway.is_some(),
    ];
    if roles.iter().filter(|r| **r).count() > 1
        && let Some((attr, _)) = role
    {
        errors.spanned(
            attr,
            "a method is one of: a remote method (optionally `#[oneway]`), a `#[getter]`, \
             a `#[setter(name)]`",
        );
    }
    let remote_name = match (&markers.getter, &markers.setter) {
        (Some((_, Some(name))), _) | (_, Some((_, Some(name)))) => name.unraw().to_string(),
        _ => fn_name.clone(),
    };
    let Some(receiver) = f.sig.receiver() else {
        if let Some((attr, what)) = role {
            errors.spanned(attr, format!("`{what}` needs a method that takes `&self`"));
        }
        class.unexposed.push(fn_name);
        return;
    };
    if is_private_name(&remote_name) {
        if let Some((attr, what)) = role {
            errors.spanned(
                attr,
                format!(
                    "`{what}`: `{remote_name}` is private by Pyro's rule (a leading `_`, except \
                     `__dunder__` names) and can't be exposed"
                ),
            );
        }
        return;
    }
    match &receiver.kind {
        ReceiverKind::Reference(_, _, None) => {}
        ReceiverKind::Reference(_, _, Some(_)) => {
            errors.spanned(
                receiver,
                format!("exposed methods take `&self`, not `&mut self`: {SHARED}"),
            );
        }
        ReceiverKind::Value => {
            errors.spanned(
                receiver,
                format!("exposed methods take `&self`, not `self`: {SHARED}"),
            );
        }
        _ => errors.spanned(receiver, format!("exposed methods take `&self`: {SHARED}")),
    }
    let Some(call) = read_callable(f, markers.nonblocking.as_ref(), errors) else {
        return;
    };
    if markers.getter.is_some() {
        if let Some(extra) = f.sig.inputs.iter().nth(1) {
            errors.spanned(extra, "a `#[getter]` takes only `&self`");
        }
        class.unexposed.push(fn_name);
        class.getters.push(Accessor {
            name: remote_name,
            call,
        });
    } else if markers.setter.is_some() {
        if call.params.len() != 1 {
            errors.spanned(
                &f.sig.inputs,
                "a `#[setter(name)]` takes `&self` and the new value",
            );
        }
        class.unexposed.push(fn_name);
        class.setters.push(Accessor {
            name: remote_name,
            call,
        });
    } else {
        class.methods.push(Method {
            name: remote_name,
            oneway: markers.oneway.is_some(),
            call,
        });
    }
}

/// Checks the signature of an exposed method and reads its parameters.
fn read_callable(
    f: &ImplItemFn,
    nonblocking: Option<&TokenStream>,
    errors: &mut Errors,
) -> Option<Callable> {
    let sig = &f.sig;
    let mut ok = true;
    for param in &sig.generics.params {
        if !matches!(param, GenericParam::Lifetime(_)) {
            errors.spanned(param, GENERIC);
            ok = false;
        }
    }
    if let Safety::Unsafe(token) = &sig.safety {
        errors.at(token.span, "exposed methods can't be `unsafe`");
        ok = false;
    }
    if let (Some(attr), Some(_)) = (nonblocking, &sig.asyncness) {
        errors.spanned(
            attr,
            "`#[nonblocking]` is for sync methods: an `async fn` already runs on the runtime",
        );
    }
    let mut params = Vec::new();
    for arg in sig.inputs.iter().skip(1) {
        let FnArg::Typed(arg) = arg else { continue };
        let name = match &*arg.pat {
            Pat::Ident(p) if p.by_ref.is_none() && p.subpat.is_none() => {
                p.ident.unraw().to_string()
            }
            other => {
                errors.spanned(other, "exposed methods need a plain name for each parameter: it is the keyword argument's name");
                ok = false;
                continue;
            }
        };
        match &*arg.ty {
            Type::Reference(r) => {
                errors.spanned(r, "parameters are decoded from the call, so they own their data: take `String` rather than `&str`, `Vec<T>` rather than `&[T]`");
                ok = false;
            }
            Type::ImplTrait(t) => {
                errors.spanned(t, GENERIC);
                ok = false;
            }
            _ => {}
        }
        params.push(Param {
            name,
            optional: is_option(&arg.ty),
            ty: (*arg.ty).clone(),
        });
    }
    let (returns_result, output_span) = match &sig.output {
        ReturnType::Type(_, ty) => (last_segment_is(ty, "Result"), ty.span()),
        ReturnType::Default => (false, sig.ident.span()),
    };
    ok.then(|| Callable {
        ident: sig.ident.clone(),
        is_async: sig.asyncness.is_some(),
        inline: nonblocking.is_some(),
        params,
        returns_result,
        output_span,
    })
}

const GENERIC: &str = "exposed methods can't be generic: the daemon calls them with values decoded \
                       at run time, so each parameter needs one concrete type";

/// `Option<T>`, by its last path segment.
fn is_option(ty: &Type) -> bool {
    let Type::Path(p) = ty else { return false };
    let Some(last) = p.path.segments.last() else {
        return false;
    };
    last.ident == "Option"
        && matches!(&last.arguments, PathArguments::AngleBracketed(a)
            if a.args.len() == 1 && matches!(a.args.first(), Some(GenericArgument::Type(_))))
}

/// A path type whose last segment is `name` (`Result`, `io::Result<T>`, `anyhow::Result<T>`).
fn last_segment_is(ty: &Type, name: &str) -> bool {
    match ty {
        Type::Path(p) => p.path.segments.last().is_some_and(|s| s.ident == name),
        Type::Group(g) => last_segment_is(&g.elem, name),
        Type::Paren(p) => last_segment_is(&p.elem, name),
        _ => false,
    }
}

/// Removes the helper attributes from a method, reading them.
fn take_markers(attrs: &mut Vec<Attribute>, errors: &mut Errors) -> Markers {
    let mut markers = Markers::default();
    attrs.retain(|attr| {
        let Some(helper) = HELPERS.iter().find(|h| attr.path().is_ident(h)) else {
            return true;
        };
        let span = attr.to_token_stream();
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

/// Two properties of one name, or a property named like a method.
fn check_names(class: &mut Class, errors: &mut Errors) {
    for accessors in [&class.getters, &class.setters] {
        for (i, a) in accessors.iter().enumerate() {
            if accessors[..i].iter().any(|b| b.name == a.name) {
                errors.at(
                    a.call.ident.span(),
                    format!("property `{}` defined twice", a.name),
                );
            }
            if class.methods.iter().any(|m| m.name == a.name) {
                errors.at(
                    a.call.ident.span(),
                    format!("`{}` is both a method and a property", a.name),
                );
            }
        }
    }
    let props: Vec<String> = class
        .getters
        .iter()
        .chain(&class.setters)
        .map(|a| a.name.clone())
        .collect();
    class.unexposed.extend(props);
    class.unexposed.sort();
    class.unexposed.dedup();
}
