//! `#[interface]`: the trait rewritten for Send futures, the dispatch an `#[expose]` impl of it
//! forwards to, and the typed clients (`client.rs`).

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::{Ident, ItemTrait, ReturnType, TraitItem, TraitItemFn, parse_quote};

use crate::client;
use crate::dispatch::{self, Target};
use crate::model::{self, Class, Errors, Place};

/// The macro: the trait (helper attributes removed, `async fn` rewritten) and, when it has no
/// mistakes, its dispatcher and typed clients.
pub fn interface(args: TokenStream, input: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    if !args.is_empty() {
        errors.spanned(&args, "`#[pyroxene::interface]` takes no arguments");
    }
    let mut item = match syn::parse2::<ItemTrait>(input.clone()) {
        Ok(item) => item,
        Err(_) => {
            let error = syn::Error::new_spanned(
                &input,
                "`#[pyroxene::interface]` goes on a trait: `trait Library { ... }`",
            );
            let error = error.into_compile_error();
            return quote! { #input #error };
        }
    };
    check_trait(&item, &mut errors);
    let mut class = Class::new(String::new());
    for trait_item in &mut item.items {
        match trait_item {
            TraitItem::Fn(f) => {
                model::read_fn(
                    &mut f.attrs,
                    &mut f.sig,
                    Place::Interface,
                    &mut class,
                    &mut errors,
                );
                rewrite_async(f);
            }
            other => errors.spanned(
                &*other,
                "an interface holds only methods: each one is called remotely",
            ),
        }
    }
    model::check_names(&mut class, &mut errors);
    check_keywords(&class, &mut errors);
    check_client_names(&class, &mut errors);
    let dispatcher = format_ident!("__{}PyroxeneDispatch", item.ident);
    let vis = &item.vis;
    item.items.push(parse_quote! {
        #[doc(hidden)]
        fn __pyroxene_interface(&self) -> #dispatcher
        where
            Self: ::core::marker::Sized,
        {
            #dispatcher
        }
    });
    if let Some(e) = errors.finish() {
        let error = e.into_compile_error();
        // The trait still compiles (with its dispatcher type), so only the mistakes show.
        return quote! {
            #item
            #[doc(hidden)]
            #vis struct #dispatcher;
            #error
        };
    }
    let dispatch = dispatch_impl(&item.ident, &dispatcher, &class);
    let clients = client::clients(&item, &class);
    quote! {
        #item

        /// The dispatch of this interface's methods to an implementation (used by the code
        /// `#[pyroxene::expose]` writes; not an API).
        #[doc(hidden)]
        #vis struct #dispatcher;

        #dispatch

        #clients
    }
}

/// What a trait can't be to serve as an interface.
fn check_trait(item: &ItemTrait, errors: &mut Errors) {
    if !item.generics.params.is_empty() {
        errors.spanned(
            &item.generics,
            "an interface can't be generic: a daemon serves one concrete set of methods, \
             with one concrete type per parameter",
        );
    }
    if let Some(token) = &item.unsafety {
        errors.spanned(token, "an interface can't be an `unsafe trait`");
    }
}

/// Keyword arguments come last: a typed client sends the positional ones first, and Python
/// binds positional arguments by place.
fn check_keywords(class: &Class, errors: &mut Errors) {
    let calls = class
        .methods
        .iter()
        .map(|m| &m.call)
        .chain(class.setters.iter().map(|a| &a.call));
    for call in calls {
        let mut keyword: Option<&Ident> = None;
        for param in &call.params {
            match (param.kw, keyword) {
                (true, _) => keyword = Some(&param.ident),
                (false, Some(kw)) => errors.at(
                    param.ident.span(),
                    format!(
                        "positional parameter `{}` after keyword parameter `{kw}`: Python binds \
                         positional arguments by place, so put the `#[pyro(kw)]` parameters last",
                        param.ident
                    ),
                ),
                (false, None) => {}
            }
        }
    }
}

/// The typed clients' own methods, which a remote member can't be named like in Rust.
const CLIENT_METHODS: &[&str] = &["new", "from_proxy", "proxy", "into_proxy"];

/// A remote member whose Rust name is one of the typed clients' own methods.
fn check_client_names(class: &Class, errors: &mut Errors) {
    let calls = class
        .methods
        .iter()
        .map(|m| &m.call)
        .chain(class.getters.iter().map(|a| &a.call))
        .chain(class.setters.iter().map(|a| &a.call));
    for call in calls {
        let name = call.ident.to_string();
        if CLIENT_METHODS.contains(&name.as_str()) {
            errors.at(
                call.ident.span(),
                format!(
                    "the typed clients have a method `{name}` of their own: name the Rust \
                     method otherwise and keep the remote name with `#[pyro(name = \"{name}\")]`"
                ),
            );
        }
    }
}

/// `async fn f(..) -> T` becomes `fn f(..) -> impl Future<Output = T> + Send`: the daemon
/// needs `Send` futures, which a plain `async fn` in a trait can't promise (nor can the
/// generic dispatch require them); an impl still writes `async fn` (or any `Send` future).
fn rewrite_async(f: &mut TraitItemFn) {
    if f.sig.asyncness.take().is_none() {
        return;
    }
    let output = match &f.sig.output {
        ReturnType::Default => quote!(()),
        ReturnType::Type(_, ty) => quote!(#ty),
    };
    f.sig.output = parse_quote! {
        -> impl ::core::future::Future<Output = #output> + ::core::marker::Send
    };
    if let Some(body) = &f.default {
        f.default = Some(parse_quote!({ async move #body }));
    }
}

/// `impl<T: Trait + Exposed + Send + Sync + 'static> Dispatch<T> for Dispatcher`.
fn dispatch_impl(trait_ident: &Ident, dispatcher: &Ident, class: &Class) -> TokenStream {
    let p = quote!(::pyroxene::__private);
    let ty = format_ident!("__PyroxeneT");
    let target = Target::interface(trait_ident, &ty);
    let metadata = dispatch::metadata(class);
    let invoke = dispatch::invoke(class, &target);
    let invoke_now = dispatch::invoke_now(class, &target)
        .unwrap_or_else(|| quote!(::core::result::Result::Err(__pyroxene_call)));
    let get_attr = dispatch::attribute(class, &target, false);
    let set_attr = dispatch::attribute(class, &target, true);
    quote! {
        #[allow(clippy::result_large_err, clippy::let_unit_value, unused_variables)]
        impl<#ty> #p::Dispatch<#ty> for #dispatcher
        where
            #ty: #trait_ident
                + #p::Exposed
                + ::core::marker::Send
                + ::core::marker::Sync
                + 'static,
        {
            fn metadata() -> #p::Metadata {
                #metadata
            }

            fn invoke(
                __pyroxene_this: ::std::sync::Arc<#ty>,
                __pyroxene_call: #p::Invocation,
            ) -> #p::BoxFuture<#p::CallResult> {
                #invoke
            }

            fn invoke_now(
                __pyroxene_this: &#ty,
                __pyroxene_call: #p::Invocation,
            ) -> ::core::result::Result<#p::CallResult, #p::Invocation> {
                #invoke_now
            }

            fn get_attr(
                __pyroxene_this: ::std::sync::Arc<#ty>,
                __pyroxene_name: ::std::string::String,
                __pyroxene_context: ::std::sync::Arc<#p::CallContext>,
            ) -> #p::BoxFuture<#p::CallResult> {
                #get_attr
            }

            fn set_attr(
                __pyroxene_this: ::std::sync::Arc<#ty>,
                __pyroxene_name: ::std::string::String,
                __pyroxene_value: #p::Value,
                __pyroxene_context: ::std::sync::Arc<#p::CallContext>,
            ) -> #p::BoxFuture<#p::CallResult> {
                #set_attr
            }
        }
    }
}
