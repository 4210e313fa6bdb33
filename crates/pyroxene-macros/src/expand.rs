//! `#[expose]`: the `RemoteObject` impl of an inherent impl block (its own dispatch), or of an
//! impl of an interface trait (forwarding to the dispatch the trait's `#[interface]` wrote).

use proc_macro2::TokenStream;
use quote::{ToTokens, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{GenericParam, Generics, ImplItem, Item, ItemImpl, PathArguments, Type};

use crate::attrs::take_markers;
use crate::dispatch::{self, Target};
use crate::model::{self, Errors};

/// The macro: the impl block (helper attributes removed), then its `RemoteObject` impl, or the
/// impl block and the errors.
pub fn expose(args: TokenStream, input: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    if !args.is_empty() {
        errors.spanned(&args, "`#[pyroxene::expose]` takes no arguments");
    }
    let mut item = match syn::parse2::<Item>(input.clone()) {
        Ok(Item::Impl(item)) => item,
        Ok(other) => return with_error(input, syn::Error::new_spanned(other, NOT_AN_IMPL)),
        Err(e) => return with_error(input, e),
    };
    if item.trait_.is_some() {
        return interface_impl(item, errors);
    }
    let class = model::read(&mut item, &mut errors);
    match errors.finish() {
        Some(e) => {
            let error = e.into_compile_error();
            quote! { #item #error }
        }
        None => {
            let remote = inherent(&item, &class);
            quote! { #item #remote }
        }
    }
}

const NOT_AN_IMPL: &str = "`#[pyroxene::expose]` goes on an impl block: `impl MyType { ... }`, \
                           or `impl MyInterface for MyType { ... }` for a \
                           `#[pyroxene::interface]` trait";

/// The unchanged input and an error (the item still compiles, so the error stands alone).
fn with_error(input: TokenStream, error: syn::Error) -> TokenStream {
    let error = error.into_compile_error();
    quote! { #input #error }
}

/// The bodies of the `RemoteObject` methods (and `RemoteClass::class_metadata`), which
/// read `self`, `__pyroxene_call`, `__pyroxene_name`, `__pyroxene_value` and
/// `__pyroxene_context`.
struct Bodies {
    metadata: TokenStream,
    invoke: TokenStream,
    /// `None`: the default (every call handed back to `invoke`).
    invoke_now: Option<TokenStream>,
    get_attr: TokenStream,
    set_attr: TokenStream,
}

/// `impl RemoteClass` and `impl RemoteObject` for `self_ty`.
fn remote_object(generics: &Generics, self_ty: &Type, bodies: Bodies) -> TokenStream {
    let p = quote!(::pyroxene::__private);
    let (impl_generics, _, where_clause) = generics.split_for_impl();
    let Bodies {
        metadata,
        invoke,
        invoke_now,
        get_attr,
        set_attr,
    } = bodies;
    let invoke_now = invoke_now.map(|body| {
        quote! {
            fn invoke_now(
                &self,
                __pyroxene_call: #p::Invocation,
            ) -> ::core::result::Result<#p::CallResult, #p::Invocation> {
                #body
            }
        }
    });
    quote! {
        // What registering the type itself needs (`Daemon::register_class`).
        impl #impl_generics #p::RemoteClass for #self_ty #where_clause {
            fn class_metadata() -> #p::Metadata {
                #metadata
            }
        }

        // The closures that run methods return `CallResult`, whose size is not the user's call;
        // a method returning `()` has its `()` in a local like any other value.
        #[allow(clippy::result_large_err, clippy::let_unit_value)]
        impl #impl_generics #p::RemoteObject for #self_ty #where_clause {
            fn metadata(&self) -> #p::Metadata {
                #metadata
            }

            fn invoke(
                self: ::std::sync::Arc<Self>,
                __pyroxene_call: #p::Invocation,
            ) -> #p::BoxFuture<#p::CallResult> {
                #invoke
            }

            #invoke_now

            fn get_attr(
                self: ::std::sync::Arc<Self>,
                __pyroxene_name: ::std::string::String,
                __pyroxene_context: ::std::sync::Arc<#p::CallContext>,
            ) -> #p::BoxFuture<#p::CallResult> {
                #get_attr
            }

            fn set_attr(
                self: ::std::sync::Arc<Self>,
                __pyroxene_name: ::std::string::String,
                __pyroxene_value: #p::Value,
                __pyroxene_context: ::std::sync::Arc<#p::CallContext>,
            ) -> #p::BoxFuture<#p::CallResult> {
                #set_attr
            }
        }
    }
}

/// The `RemoteObject` of an inherent impl block: its own dispatch.
fn inherent(item: &ItemImpl, class: &model::Class) -> TokenStream {
    let target = Target::inherent(&class.name);
    let bodies = Bodies {
        metadata: dispatch::metadata(class),
        invoke: dispatch::invoke(class, &target),
        // Only types with `#[nonblocking]` methods answer at once; the others keep the default.
        invoke_now: dispatch::invoke_now(class, &target),
        get_attr: dispatch::attribute(class, &target, false),
        set_attr: dispatch::attribute(class, &target, true),
    };
    remote_object(&item.generics, &item.self_ty, bodies)
}

/// `#[expose] impl Interface for Type`: the trait (written with `#[interface]`) holds the
/// remote interface and its dispatch; the impl says only the class name Python texts show and
/// which sync methods are `#[nonblocking]`.
///
/// The trait's dispatch is found by a method call, `object.__pyroxene_interface()`, with the
/// trait and `NotAnInterface` in scope: an interface trait answers with its dispatcher type;
/// for any other trait only `NotAnInterface` has the method, whose bound fails with a message
/// saying the trait is not an interface. One probe function, so one error.
fn interface_impl(mut item: ItemImpl, mut errors: Errors) -> TokenStream {
    let p = quote!(::pyroxene::__private);
    let Some((trait_path, _)) = item.trait_.clone() else {
        return item.into_token_stream();
    };
    let class = model::type_name(&item.self_ty, &mut errors);
    let mut nonblocking = Vec::new();
    for impl_item in &mut item.items {
        let ImplItem::Fn(f) = impl_item else { continue };
        let markers = take_markers(&mut f.attrs, &mut errors);
        if let Some(attr) = &markers.nonblocking {
            if f.sig.asyncness.is_some() {
                errors.spanned(
                    attr,
                    "`#[nonblocking]` is for sync methods: an `async fn` already runs on the \
                     runtime",
                );
            }
            nonblocking.push(f.sig.ident.to_string());
        }
        for (attr, what) in markers.present() {
            if what != "#[nonblocking]" {
                errors.spanned(
                    attr,
                    format!(
                        "`{what}` belongs on the method's declaration in the \
                         `#[pyroxene::interface]` trait, which defines the remote interface"
                    ),
                );
            }
        }
    }
    if let Some(e) = errors.finish() {
        let error = e.into_compile_error();
        return quote! { #item #error };
    }

    let (impl_generics, _, where_clause) = item.generics.split_for_impl();
    let self_ty = &item.self_ty;
    // The trait as a `use` path: generic arguments are not part of it.
    let mut use_path = trait_path.clone();
    for segment in &mut use_path.segments {
        segment.arguments = PathArguments::None;
    }
    let captures = item.generics.params.iter().map(|param| match param {
        GenericParam::Lifetime(l) => l.lifetime.to_token_stream(),
        GenericParam::Type(t) => t.ident.to_token_stream(),
        GenericParam::Const(c) => c.ident.to_token_stream(),
    });
    let span = trait_path.span();
    let probe_call = quote_spanned!(span=> __pyroxene_object.__pyroxene_interface());
    let bodies = Bodies {
        metadata: quote!(#p::dispatch_metadata::<Self, _>(__pyroxene_dispatch)),
        invoke: quote!(#p::dispatch_invoke::<Self, _>(__pyroxene_dispatch, self, __pyroxene_call)),
        invoke_now: (!nonblocking.is_empty())
            .then(|| quote!(#p::dispatch_invoke_now::<Self, _>(__pyroxene_dispatch, self, __pyroxene_call))),
        get_attr: quote! {
            #p::dispatch_get_attr::<Self, _>(__pyroxene_dispatch, self, __pyroxene_name, __pyroxene_context)
        },
        set_attr: quote! {
            #p::dispatch_set_attr::<Self, _>(
                __pyroxene_dispatch,
                self,
                __pyroxene_name,
                __pyroxene_value,
                __pyroxene_context,
            )
        },
    };
    let remote = remote_object(&item.generics, self_ty, bodies);

    quote! {
        #item

        const _: () = {
            impl #impl_generics #p::Exposed for #self_ty #where_clause {
                const CLASS: &'static str = #class;
                const NONBLOCKING: &'static [&'static str] = &[#(#nonblocking),*];
            }

            #[allow(unused_imports)]
            fn __pyroxene_dispatch #impl_generics (
                __pyroxene_object: &#self_ty,
            ) -> impl #p::Dispatch<#self_ty> + use<#(#captures),*> #where_clause {
                use #use_path as _;
                use #p::NotAnInterface as _;
                #probe_call
            }

            #remote
        };
    }
}
