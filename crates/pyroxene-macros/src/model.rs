//! What is exposed, read from an `impl` block or an interface trait, collecting every mistake
//! with its span.

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{
    Attribute, Error, FnArg, GenericArgument, GenericParam, Ident, ImplItem, ItemImpl, Pat,
    PathArguments, ReceiverKind, ReturnType, Safety, Signature, Type,
};

use pyroxene_wire::dialect::is_private_name;

use crate::attrs::{Markers, take_markers, take_param_markers};

/// What the macro learned from the impl block or trait.
pub struct Class {
    /// The type's name as Python error texts show it (`EchoServer`); empty for a trait.
    pub name: String,
    /// Exposed methods, in the order of the source.
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
    /// What it returns.
    pub output: Output,
    /// The method's doc attributes (copied onto typed clients).
    pub docs: Vec<Attribute>,
}

/// One parameter.
pub struct Param {
    /// The keyword name (Python's parameter name).
    pub name: String,
    /// The Rust name.
    pub ident: Ident,
    /// Its type, as written.
    pub ty: Type,
    /// `Option<T>`: may be left out.
    pub optional: bool,
    /// `#[pyro(kw)]`: typed clients send it as a keyword argument.
    pub kw: bool,
}

/// The return type, as the generated code needs it.
pub struct Output {
    /// A `Result` (by its last path segment): `Err` is raised.
    pub result: bool,
    /// The value: the whole type, or `T` of `Result<T, E>`; `None` for `()`.
    pub value: Option<Type>,
    /// The value is an `ItemStream`: `Some(Some(T))` for `ItemStream<T>`, `Some(None)` for the
    /// plain `ItemStream`.
    pub stream: Option<Option<Type>>,
    /// Where errors about the return value point: the return type, else the method's name.
    pub span: Span,
}

/// Where methods are read from: the rules differ.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// An inherent `impl` block under `#[expose]`.
    Impl,
    /// A trait under `#[interface]`.
    Interface,
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

const SHARED: &str = "the daemon shares one object between concurrent calls (it holds it in an \
                      `Arc`), so keep state behind interior mutability (atomics, Mutex, RwLock); \
                      or mark the method `#[skip]` to keep it out of the remote interface";

const SHARED_INTERFACE: &str = "the daemon shares one object between concurrent calls (it \
                                holds it in an `Arc`), so implementations keep state behind \
                                interior mutability (atomics, Mutex, RwLock)";

impl Class {
    /// An empty class named `name`.
    pub fn new(name: String) -> Class {
        Class {
            name,
            methods: Vec::new(),
            getters: Vec::new(),
            setters: Vec::new(),
            unexposed: Vec::new(),
        }
    }
}

/// Reads the impl block (already checked to be inherent), removing the helper attributes.
pub fn read(item: &mut ItemImpl, errors: &mut Errors) -> Class {
    let mut class = Class::new(type_name(&item.self_ty, errors));
    for impl_item in &mut item.items {
        if let ImplItem::Fn(f) = impl_item {
            read_fn(&mut f.attrs, &mut f.sig, Place::Impl, &mut class, errors);
        }
    }
    check_names(&mut class, errors);
    class
}

/// The name of an impl block's type, as Python error texts show it (`EchoServer`).
pub fn type_name(self_ty: &Type, errors: &mut Errors) -> String {
    match self_ty {
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
    }
}

/// Sorts one method into the class, removing its helper attributes.
pub fn read_fn(
    attrs: &mut Vec<Attribute>,
    sig: &mut Signature,
    place: Place,
    class: &mut Class,
    errors: &mut Errors,
) {
    let markers = take_markers(attrs, errors);
    let docs: Vec<Attribute> = attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .cloned()
        .collect();
    let fn_name = sig.ident.unraw().to_string();
    let role = markers
        .getter
        .as_ref()
        .map(|(attr, _)| (attr, "#[getter]"))
        .or(markers.setter.as_ref().map(|(attr, _)| (attr, "#[setter]")))
        .or(markers.oneway.as_ref().map(|attr| (attr, "#[oneway]")));
    if place == Place::Interface {
        refuse_impl_markers(&markers, errors);
    } else if markers.skip.is_some() {
        let others = role
            .into_iter()
            .chain(markers.nonblocking.as_ref().map(|a| (a, "#[nonblocking]")))
            .chain(markers.name.as_ref().map(|(a, _)| (a, "#[pyro(name)]")));
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
    let accessor = markers.getter.is_some() || markers.setter.is_some();
    if let (Some((attr, _)), true) = (&markers.name, accessor) {
        errors.spanned(
            attr,
            "a property's Python name goes in `#[getter(name)]` / `#[setter(name)]`",
        );
    }
    let remote_name = match (&markers.getter, &markers.setter, &markers.name) {
        (Some((_, Some(name))), _, _) | (_, Some((_, Some(name))), _) => name.unraw().to_string(),
        (_, _, Some((_, name))) => name.value(),
        _ => fn_name.clone(),
    };
    let Some(receiver) = sig.receiver() else {
        if place == Place::Interface {
            errors.spanned(
                &sig.ident,
                "an interface method takes `&self`: every method of a \
                 `#[pyroxene::interface]` trait is called remotely (put constructors and \
                 helpers in another trait or an impl block)",
            );
        } else if let Some((attr, what)) = role {
            errors.spanned(attr, format!("`{what}` needs a method that takes `&self`"));
        }
        class.unexposed.push(fn_name);
        return;
    };
    if is_private_name(&remote_name) {
        let private = format!(
            "`{remote_name}` is private by Pyro's rule (a leading `_`, except `__dunder__` \
             names) and can't be exposed"
        );
        match (place, role, &markers.name) {
            (_, _, Some((attr, _))) => errors.spanned(attr, format!("`#[pyro(name)]`: {private}")),
            (_, Some((attr, what)), _) => errors.spanned(attr, format!("`{what}`: {private}")),
            (Place::Interface, None, None) => errors.spanned(&sig.ident, private),
            (Place::Impl, None, None) => {}
        }
        return;
    }
    let (shared, methods) = match place {
        Place::Impl => (SHARED, "exposed methods"),
        Place::Interface => (SHARED_INTERFACE, "interface methods"),
    };
    match &receiver.kind {
        ReceiverKind::Reference(_, _, None) => {}
        ReceiverKind::Reference(_, _, Some(_)) => {
            errors.spanned(
                receiver,
                format!("{methods} take `&self`, not `&mut self`: {shared}"),
            );
        }
        ReceiverKind::Value => {
            errors.spanned(
                receiver,
                format!("{methods} take `&self`, not `self`: {shared}"),
            );
        }
        _ => errors.spanned(receiver, format!("{methods} take `&self`: {shared}")),
    }
    let Some(call) = read_callable(sig, place, markers.nonblocking.as_ref(), docs, errors) else {
        return;
    };
    if markers.getter.is_some() {
        if let Some(extra) = sig.inputs.iter().nth(1) {
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
                &sig.inputs,
                "a `#[setter(name)]` takes `&self` and the new value",
            );
        }
        if let (Place::Interface, ReturnType::Type(_, ty)) = (place, &sig.output) {
            errors.spanned(ty, "a `#[setter(name)]` returns nothing");
        }
        class.unexposed.push(fn_name);
        class.setters.push(Accessor {
            name: remote_name,
            call,
        });
    } else {
        if let (Some(_), ReturnType::Type(_, ty), Place::Interface) =
            (&markers.oneway, &sig.output, place)
        {
            errors.spanned(
                ty,
                "a `#[oneway]` method returns nothing: its caller sends the call and never \
                 reads a reply",
            );
        }
        class.methods.push(Method {
            name: remote_name,
            oneway: markers.oneway.is_some(),
            call,
        });
    }
}

/// `#[skip]` and `#[nonblocking]` are about an implementation, not an interface.
fn refuse_impl_markers(markers: &Markers, errors: &mut Errors) {
    if let Some(attr) = &markers.skip {
        errors.spanned(
            attr,
            "`#[skip]` in an interface: every method of a `#[pyroxene::interface]` trait is \
             remote (put local helpers in another trait)",
        );
    }
    if let Some(attr) = &markers.nonblocking {
        errors.spanned(
            attr,
            "`#[nonblocking]` goes on the method of the `#[pyroxene::expose]` impl: how a \
             method runs is up to its implementation",
        );
    }
}

/// Checks the signature of an exposed method and reads its parameters, removing their
/// helper attributes.
fn read_callable(
    sig: &mut Signature,
    place: Place,
    nonblocking: Option<&TokenStream>,
    docs: Vec<Attribute>,
    errors: &mut Errors,
) -> Option<Callable> {
    let mut ok = true;
    let methods = match place {
        Place::Impl => "exposed methods",
        Place::Interface => "interface methods",
    };
    let generic = format!("{methods} {GENERIC}");
    for param in &sig.generics.params {
        if place == Place::Interface || !matches!(param, GenericParam::Lifetime(_)) {
            errors.spanned(param, &generic);
            ok = false;
        }
    }
    if let Safety::Unsafe(token) = &sig.safety {
        errors.at(token.span, format!("{methods} can't be `unsafe`"));
        ok = false;
    }
    if let (Some(attr), Some(_)) = (nonblocking, &sig.asyncness) {
        errors.spanned(
            attr,
            "`#[nonblocking]` is for sync methods: an `async fn` already runs on the runtime",
        );
    }
    let mut params = Vec::new();
    for arg in sig.inputs.iter_mut().skip(1) {
        let FnArg::Typed(arg) = arg else { continue };
        let markers = take_param_markers(&mut arg.attrs, errors);
        let ident = match &*arg.pat {
            Pat::Ident(p) if p.by_ref.is_none() && p.subpat.is_none() => p.ident.clone(),
            other => {
                errors.spanned(other, format!("{methods} need a plain name for each parameter: it is the keyword argument's name"));
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
                errors.spanned(t, &generic);
                ok = false;
            }
            _ => {}
        }
        if let (Some(attr), Place::Impl) = (&markers.kw, place) {
            errors.spanned(
                attr,
                "`#[pyro(kw)]` is for interfaces (it makes typed clients send the argument by \
                 keyword); an exposed method takes every argument by position or keyword",
            );
        }
        params.push(Param {
            name: markers
                .name
                .map(|(_, name)| name.value())
                .unwrap_or_else(|| ident.unraw().to_string()),
            ident,
            optional: is_option(&arg.ty),
            kw: markers.kw.is_some(),
            ty: (*arg.ty).clone(),
        });
    }
    ok.then(|| Callable {
        ident: sig.ident.clone(),
        is_async: sig.asyncness.is_some(),
        inline: nonblocking.is_some(),
        params,
        output: output(sig),
        docs,
    })
}

const GENERIC: &str = "can't be generic: the daemon calls them with values decoded at run time, so \
                       each parameter needs one concrete type";

/// Reads the return type.
fn output(sig: &Signature) -> Output {
    let ReturnType::Type(_, ty) = &sig.output else {
        return Output {
            result: false,
            value: None,
            stream: None,
            span: sig.ident.span(),
        };
    };
    let result = last_segment(ty).is_some_and(|s| s.ident == "Result");
    let value = if result {
        last_segment(ty).and_then(|s| first_type_argument(&s.arguments))
    } else {
        Some((**ty).clone())
    };
    let value = value.filter(|t| !matches!(t, Type::Tuple(t) if t.elems.is_empty()));
    let stream = value.as_ref().and_then(|v| {
        let last = last_segment(v).filter(|s| s.ident == "ItemStream")?;
        Some(first_type_argument(&last.arguments))
    });
    Output {
        result,
        value,
        stream,
        span: ty.span(),
    }
}

/// The last segment of a path type (through groups and parentheses).
fn last_segment(ty: &Type) -> Option<&syn::PathSegment> {
    match ty {
        Type::Path(p) => p.path.segments.last(),
        Type::Group(g) => last_segment(&g.elem),
        Type::Paren(p) => last_segment(&p.elem),
        _ => None,
    }
}

/// `T` of `X<T, ..>`.
fn first_type_argument(arguments: &PathArguments) -> Option<Type> {
    let PathArguments::AngleBracketed(a) = arguments else {
        return None;
    };
    a.args.iter().find_map(|arg| match arg {
        GenericArgument::Type(t) => Some(t.clone()),
        _ => None,
    })
}

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

/// Two properties of one name, a property named like a method, two methods of one name.
pub fn check_names(class: &mut Class, errors: &mut Errors) {
    for (i, m) in class.methods.iter().enumerate() {
        if class.methods[..i].iter().any(|n| n.name == m.name) {
            errors.at(
                m.call.ident.span(),
                format!("two methods named `{}` (Python names are unique)", m.name),
            );
        }
    }
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
