//! The typed clients of an interface: `{Trait}Proxy` over `pyroxene::Proxy` (async) and
//! `{Trait}BlockingProxy` over `pyroxene::client::blocking::Proxy`, one method per remote
//! method or property, with the trait's argument types.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Ident, ItemTrait};

use crate::dispatch::value_type;
use crate::model::{Accessor, Callable, Class, Method};

/// Which of the two clients.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Flavor {
    Async,
    Blocking,
}

/// Both clients of `item`.
pub fn clients(item: &ItemTrait, class: &Class) -> TokenStream {
    let async_client = client(item, class, Flavor::Async);
    let blocking_client = client(item, class, Flavor::Blocking);
    quote! { #async_client #blocking_client }
}

fn client(item: &ItemTrait, class: &Class, flavor: Flavor) -> TokenStream {
    let p = quote!(::pyroxene::__private);
    let trait_ident = &item.ident;
    let vis = &item.vis;
    let (name, proxy, what, other) = match flavor {
        Flavor::Async => (
            format_ident!("{}Proxy", trait_ident),
            quote!(::pyroxene::Proxy),
            "async",
            format!("[`{trait_ident}BlockingProxy`] is the same client for code that isn't async."),
        ),
        Flavor::Blocking => (
            format_ident!("{}BlockingProxy", trait_ident),
            quote!(::pyroxene::client::blocking::Proxy),
            "blocking",
            format!("[`{trait_ident}Proxy`] is the same client for async code."),
        ),
    };
    let doc = format!(
        "A typed {what} client of a remote [`{trait_ident}`] object (a Rust daemon serving an \
         `#[expose] impl {trait_ident}`, or a Python one with the same methods), written by \
         `#[pyroxene::interface]`: one method per remote method or property, with the \
         trait's argument types, returning `pyroxene::Result` (an exception the remote method \
         raised is [`pyroxene::Error::remote`]).\n\n{other}"
    );
    // The struct's visibility (so the `unreachable_pub` lint has nothing to say either way).
    let method_vis = quote!(#vis);
    let methods = class.methods.iter().map(|m| method(m, flavor, &method_vis));
    let getters = class
        .getters
        .iter()
        .map(|a| accessor(a, flavor, &method_vis, false));
    let setters = class
        .setters
        .iter()
        .map(|a| accessor(a, flavor, &method_vis, true));
    let name_text = name.to_string();
    quote! {
        #[doc = #doc]
        // A program may use one side of an interface only (a server, or one of the clients).
        #[allow(dead_code)]
        #[derive(Clone)]
        #vis struct #name {
            proxy: #proxy,
        }

        impl ::core::fmt::Debug for #name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                #p::debug_client(f, #name_text, &self.proxy)
            }
        }

        #[allow(dead_code)]
        impl #name {
            /// A client of the object at `uri` (`PYRO:`, `PYRONAME:` or `PYROMETA:`); it
            /// connects on its first call.
            ///
            /// # Errors
            /// When the URI doesn't parse.
            #method_vis fn new(uri: impl ::core::convert::AsRef<str>) -> ::pyroxene::Result<Self> {
                ::core::result::Result::Ok(Self {
                    proxy: #proxy::new(uri)?,
                })
            }

            /// A client calling through `proxy`, with its settings (serializer, timeout,
            /// protocol...).
            #method_vis fn from_proxy(proxy: #proxy) -> Self {
                Self { proxy }
            }

            /// The proxy underneath: its settings, `connect`, `metadata`, and untyped calls.
            #method_vis fn proxy(&self) -> &#proxy {
                &self.proxy
            }

            /// The proxy underneath, taken out.
            #method_vis fn into_proxy(self) -> #proxy {
                self.proxy
            }

            #(#methods)*
            #(#getters)*
            #(#setters)*
        }
    }
}

/// A remote method.
fn method(m: &Method, flavor: Flavor, vis: &TokenStream) -> TokenStream {
    let p = quote!(::pyroxene::__private);
    let name = &m.name;
    let call = &m.call;
    let args = args(call);
    let span = call.output.span;
    let (helper, output, reply, note) = if m.oneway {
        let note = format!("Calls `{name}` remotely as a oneway call: returns once it is sent.");
        ("oneway", quote!(()), None, note)
    } else if let Some(item) = &call.output.stream {
        let item = match item {
            Some(ty) => quote!(#ty),
            None => quote!(::pyroxene::Value),
        };
        let stream = match flavor {
            Flavor::Async => quote!(::pyroxene::client::RemoteStream<#item>),
            Flavor::Blocking => quote!(::pyroxene::client::blocking::RemoteIter<#item>),
        };
        let note = format!("Calls `{name}` remotely and reads the items it streams.");
        ("stream", stream, Some(reply(&item, span)), note)
    } else {
        let value = value_type(call.output.value.as_ref());
        let note = format!("Calls `{name}` remotely.");
        ("call", value.clone(), Some(reply(&value, span)), note)
    };
    let helper = helper_ident(helper, flavor);
    let signature = signature(call, flavor, vis, &output);
    let docs = docs(call, &note);
    let awaited = awaited(flavor);
    let reply = reply.map(|r| quote!(, #r));
    quote! {
        #docs
        #signature {
            #p::#helper(&self.proxy, #name, #args #reply)#awaited
        }
    }
}

/// `reply::<T>()`, spanned at the return type: where an unreadable `T` is reported.
fn reply(ty: &TokenStream, span: Span) -> TokenStream {
    let reply = Ident::new("reply", span);
    quote_spanned!(span=> ::pyroxene::__private::#reply::<#ty>())
}

/// A property read (`setter` false) or write.
fn accessor(a: &Accessor, flavor: Flavor, vis: &TokenStream, setter: bool) -> TokenStream {
    let p = quote!(::pyroxene::__private);
    let name = &a.name;
    let call = &a.call;
    let awaited = awaited(flavor);
    if setter {
        let value = call.params.first().map(|param| {
            let (ident, ty) = (&param.ident, &param.ty);
            quote_spanned!(ty.span()=> #ident)
        });
        let signature = signature(call, flavor, vis, &quote!(()));
        let docs = docs(call, &format!("Sets the remote property `{name}`."));
        let helper = helper_ident("set_attr", flavor);
        quote! {
            #docs
            #signature {
                #p::#helper(&self.proxy, #name, #value)#awaited
            }
        }
    } else {
        let output = value_type(call.output.value.as_ref());
        let reply = reply(&output, call.output.span);
        let signature = signature(call, flavor, vis, &output);
        let docs = docs(call, &format!("Reads the remote property `{name}`."));
        let helper = helper_ident("get_attr", flavor);
        quote! {
            #docs
            #signature {
                #p::#helper(&self.proxy, #name, #reply)#awaited
            }
        }
    }
}

/// `pub [async] fn name(&self, a: A, ..) -> ::pyroxene::Result<output>`.
fn signature(
    call: &Callable,
    flavor: Flavor,
    vis: &TokenStream,
    output: &TokenStream,
) -> TokenStream {
    let ident = &call.ident;
    let params = call.params.iter().map(|param| {
        let (ident, ty) = (&param.ident, &param.ty);
        quote!(#ident: #ty)
    });
    let asyncness = (flavor == Flavor::Async).then(|| quote!(async));
    quote! {
        #vis #asyncness fn #ident(&self, #(#params),*) -> ::pyroxene::Result<#output>
    }
}

/// The trait method's docs, then a line about the remote call and the errors.
fn docs(call: &Callable, note: &str) -> TokenStream {
    let docs = &call.docs;
    let separator = (!docs.is_empty()).then(|| quote!(#[doc = ""]));
    let errors = "# Errors\nThe exception the remote method raised \
                  ([`pyroxene::Error::remote`]), or why the call failed (connection, timeout, \
                  serialization of the arguments or the result).";
    quote! {
        #(#docs)*
        #separator
        #[doc = #note]
        #[doc = ""]
        #[doc = #errors]
    }
}

/// `Args::new().arg(a).kwarg("b", b)...`: positional parameters by place, `#[pyro(kw)]`
/// ones by name (an `Option` one left out when `None`).
fn args(call: &Callable) -> TokenStream {
    let adds = call.params.iter().map(|param| {
        let (ident, name) = (&param.ident, &param.name);
        // Spanned at the type: where a type that doesn't serialize is reported.
        let span = param.ty.span();
        match (param.kw, param.optional) {
            (false, _) => quote_spanned!(span=> .arg(#ident)),
            (true, false) => quote_spanned!(span=> .kwarg(#name, #ident)),
            (true, true) => quote_spanned!(span=> .kwarg_opt(#name, #ident)),
        }
    });
    quote!(::pyroxene::client::Args::new() #(#adds)*)
}

fn helper_ident(name: &str, flavor: Flavor) -> Ident {
    match flavor {
        Flavor::Async => format_ident!("client_{}", name),
        Flavor::Blocking => format_ident!("blocking_{}", name),
    }
}

fn awaited(flavor: Flavor) -> TokenStream {
    match flavor {
        Flavor::Async => quote!(.await),
        Flavor::Blocking => quote!(),
    }
}
