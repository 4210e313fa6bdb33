//! The bodies of the dispatch functions (invoke, invoke_now, get_attr, set_attr): the same
//! code for an exposed impl block (`RemoteObject` methods on `self`) and an interface (the
//! `Dispatch` impl next to the trait, generic over the implementing type). Every path is
//! absolute (`::pyroxene::__private::...`) and every local starts with `__pyroxene_`, so the
//! user's crate needs no imports and no names of theirs can clash.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Ident, Type};

use crate::model::{Accessor, Callable, Class, Method};

/// What the generated code calls methods on, and what it knows at macro time.
pub struct Target {
    /// The type that owns the methods: `<Self>` or `<__PyroxeneT as Library>`.
    owner: TokenStream,
    /// The object expression: `self` or `__pyroxene_this` (an `Arc<T>` or a `&T`).
    this: TokenStream,
    /// The class name Python error texts show.
    class: ClassName,
}

enum ClassName {
    /// Known here: the impl block's type.
    Known(String),
    /// The implementing type of an interface, read from its `Exposed` impl.
    Exposed(TokenStream),
}

/// How a sync method runs: decided here, or per implementing type (`#[nonblocking]` is on
/// the impl, which the trait can't see), as a constant the compiler folds.
enum Inline {
    Known(bool),
    PerImpl(TokenStream),
}

impl Target {
    /// An inherent impl block of type `class`.
    pub fn inherent(class: &str) -> Target {
        Target {
            owner: quote!(<Self>),
            this: quote!(self),
            class: ClassName::Known(class.to_owned()),
        }
    }

    /// An interface `trait_ident`, implemented by the type parameter `ty`, held in
    /// `__pyroxene_this`.
    pub fn interface(trait_ident: &Ident, ty: &Ident) -> Target {
        Target {
            owner: quote!(<#ty as #trait_ident>),
            this: quote!(__pyroxene_this),
            class: ClassName::Exposed(quote!(#ty)),
        }
    }

    /// The class name, as an expression of type `&str`.
    pub fn class_name(&self) -> TokenStream {
        match &self.class {
            ClassName::Known(name) => quote!(#name),
            ClassName::Exposed(ty) => {
                quote!(<#ty as ::pyroxene::__private::Exposed>::CLASS)
            }
        }
    }

    /// `Class.method` as Python names a method in its TypeError texts (`impl Display`).
    fn qualname(&self, method: &str) -> TokenStream {
        match &self.class {
            ClassName::Known(name) => {
                let qualname = format!("{name}.{method}");
                quote!(#qualname)
            }
            ClassName::Exposed(ty) => quote! {
                ::pyroxene::__private::QualName(
                    <#ty as ::pyroxene::__private::Exposed>::CLASS,
                    #method,
                )
            },
        }
    }

    fn inline(&self, call: &Callable) -> Inline {
        match (&self.class, call.is_async) {
            (_, true) => Inline::Known(false),
            (ClassName::Known(_), false) => Inline::Known(call.inline),
            (ClassName::Exposed(ty), false) => {
                let name = call.ident.to_string();
                Inline::PerImpl(quote! {
                    const {
                        ::pyroxene::__private::is_nonblocking(
                            <#ty as ::pyroxene::__private::Exposed>::NONBLOCKING,
                            #name,
                        )
                    }
                })
            }
        }
    }
}

/// The match of `invoke` on `__pyroxene_call` (an `Invocation`): a `BoxFuture<CallResult>`.
pub fn invoke(class: &Class, target: &Target) -> TokenStream {
    let p = private();
    let arms = class.methods.iter().map(|m| method_arm(m, target));
    let take_call = take_call();
    let class_name = target.class_name();
    let unexposed = &class.unexposed;
    quote! {
        #take_call
        match __pyroxene_method.as_str() {
            #(#arms)*
            _ => #p::ready(::core::result::Result::Err(#p::no_method(
                #class_name,
                &[#(#unexposed),*],
                &__pyroxene_method,
            ))),
        }
    }
}

/// The match of `invoke_now` on `__pyroxene_call`: the arms of the methods that may run at
/// once (`None` when there are none).
pub fn invoke_now(class: &Class, target: &Target) -> Option<TokenStream> {
    let arms: Vec<TokenStream> = class
        .methods
        .iter()
        .filter_map(|m| method_now_arm(m, target))
        .collect();
    if arms.is_empty() {
        return None;
    }
    Some(quote! {
        match __pyroxene_call.method.as_str() {
            #(#arms)*
            _ => ::core::result::Result::Err(__pyroxene_call),
        }
    })
}

/// The match of `get_attr` (`setter` false) or `set_attr` on `__pyroxene_name`.
pub fn attribute(class: &Class, target: &Target, setter: bool) -> TokenStream {
    let p = private();
    let accessors = if setter {
        &class.setters
    } else {
        &class.getters
    };
    let arms = accessors.iter().map(|a| accessor_arm(a, target, setter));
    let class_name = target.class_name();
    let known: Vec<&String> = class
        .unexposed
        .iter()
        .chain(class.methods.iter().map(|m| &m.name))
        .collect();
    quote! {
        match __pyroxene_name.as_str() {
            #(#arms)*
            _ => #p::ready(::core::result::Result::Err(#p::no_attribute(
                #class_name,
                &[#(#known),*],
                &__pyroxene_name,
            ))),
        }
    }
}

/// `Metadata` of the class.
pub fn metadata(class: &Class) -> TokenStream {
    let p = private();
    let methods = class.methods.iter().map(|m| &m.name);
    let oneway = class.methods.iter().filter(|m| m.oneway).map(|m| &m.name);
    let mut attrs: Vec<&String> = class
        .getters
        .iter()
        .chain(&class.setters)
        .map(|a| &a.name)
        .collect();
    attrs.sort();
    attrs.dedup();
    quote!(#p::metadata(&[#(#methods),*], &[#(#oneway),*], &[#(#attrs),*]))
}

fn private() -> TokenStream {
    quote!(::pyroxene::__private)
}

/// `"name" => future,` for an exposed method: binds the arguments, converts them, calls.
fn method_arm(m: &Method, target: &Target) -> TokenStream {
    let name = &m.name;
    let body = method_body(m, target, false);
    let span = m.call.ident.span();
    let boxed = private_at(span, "boxed");
    // The future is spanned at the method's name, where a "not `Send`" error should point.
    let future = quote_spanned! {span=>
        async move {
            #body
        }
    };
    let call = quote_spanned!(span=> #boxed(#future));
    quote!(#name => #call,)
}

/// `"name" => { .. }` for a sync method in `invoke_now` that runs at once: the same body,
/// with no future to box (the daemon's fast path for methods that never wait).
fn method_now_arm(m: &Method, target: &Target) -> Option<TokenStream> {
    let p = private();
    let guard = match target.inline(&m.call) {
        Inline::Known(false) => return None,
        Inline::Known(true) => None,
        Inline::PerImpl(inline) => Some(quote!(if #inline)),
    };
    let name = &m.name;
    let body = method_body(m, target, true);
    let take_call = take_call();
    Some(quote! {
        #name #guard => {
            #take_call
            let __pyroxene_run = || -> #p::CallResult { #body };
            ::core::result::Result::Ok(__pyroxene_run())
        }
    })
}

/// `__pyroxene_call` (an `Invocation`) taken apart into the locals the method bodies use:
/// `__pyroxene_method`, `__pyroxene_args`, `__pyroxene_kwargs`, `__pyroxene_context`.
fn take_call() -> TokenStream {
    let p = private();
    quote! {
        let #p::Invocation {
            method: __pyroxene_method,
            args: __pyroxene_args,
            kwargs: __pyroxene_kwargs,
            context: __pyroxene_context,
            ..
        } = __pyroxene_call;
    }
}

/// Binds the arguments of `__pyroxene_args`/`__pyroxene_kwargs`, converts them and calls the
/// method: statements ending in the `CallResult` (`?` returns the binding errors). `now`: in
/// `invoke_now`, where the method runs right here.
fn method_body(m: &Method, target: &Target, now: bool) -> TokenStream {
    let p = private();
    let qualname = target.qualname(&m.name);
    let specs = m.call.params.iter().map(|param| {
        let (name, required) = (&param.name, !param.optional);
        quote!((#name, #required))
    });
    let bind = quote! {
        #p::bind(#qualname, &[#(#specs),*], __pyroxene_args, __pyroxene_kwargs)?
    };
    let bind = if m.call.params.is_empty() {
        quote!(#bind;)
    } else {
        quote!(let mut __pyroxene_slots = #bind.into_iter();)
    };
    let convert = m.call.params.iter().enumerate().map(|(i, param)| {
        let (local, name, ty) = (format_ident!("__pyroxene_a{i}"), &param.name, &param.ty);
        let helper = if param.optional {
            format_ident!("optional", span = ty.span())
        } else {
            format_ident!("required", span = ty.span())
        };
        quote_spanned! {ty.span()=>
            let #local: #ty =
                ::pyroxene::__private::#helper(#qualname, #name, __pyroxene_slots.next().flatten())?;
        }
    });
    let run = run(&m.call, &m.name, target, now);
    quote! {
        #bind
        #(#convert)*
        #run
    }
}

/// `"name" => future,` for a property getter (`setter` false) or setter.
fn accessor_arm(a: &Accessor, target: &Target, setter: bool) -> TokenStream {
    let name = &a.name;
    let qualname = target.qualname(name);
    let convert = a.call.params.first().filter(|_| setter).map(|param| {
        let (pname, ty) = (&param.name, &param.ty);
        quote_spanned! {ty.span()=>
            let __pyroxene_a0: #ty = ::pyroxene::__private::required(
                #qualname,
                #pname,
                ::core::option::Option::Some(__pyroxene_value),
            )?;
        }
    });
    let run = run(&a.call, name, target, false);
    let span = a.call.ident.span();
    let boxed = private_at(span, "boxed");
    let future = quote_spanned! {span=>
        async move {
            #convert
            #run
        }
    };
    let call = quote_spanned!(span=> #boxed(#future));
    quote!(#name => #call,)
}

/// The expression that calls the method (on the blocking pool, inline, or awaited) and turns
/// what it returns into a `CallResult`; `now`: right here (a sync method in `invoke_now`).
fn run(call: &Callable, name: &str, target: &Target, now: bool) -> TokenStream {
    let p = private();
    let ident = &call.ident;
    let (owner, this) = (&target.owner, &target.this);
    let args = (0..call.params.len()).map(|i| format_ident!("__pyroxene_a{i}"));
    let mut invoke = quote!(#owner::#ident(&*#this, #(#args),*));
    if call.is_async {
        invoke = quote!(#invoke.await);
    }
    let qualname = target.qualname(name);
    // The value gets a local first, so that every token of the conversion can point at the
    // return type when it is not `Serialize` (or its error not `Into<RemoteException>`).
    let output = &call.output;
    let helper = match (output.stream.is_some(), output.result) {
        (false, false) => "output_value",
        (false, true) => "output_result",
        (true, false) => "output_stream",
        (true, true) => "output_stream_result",
    };
    let helper = Ident::new(helper, output.span);
    let convert = quote_spanned!(output.span=>
        ::pyroxene::__private::#helper(__pyroxene_r, &__pyroxene_context, #qualname));
    let output = quote!({
        let __pyroxene_r = #invoke;
        #convert
    });
    match target.inline(call) {
        _ if call.is_async => {
            quote_spanned!(ident.span()=> #p::guard(async move { #output }).await)
        }
        _ if now => quote!(#p::call_inline(move || #output)),
        Inline::Known(true) => quote!(#p::call_inline(move || #output)),
        Inline::Known(false) => quote!(#p::run_blocking(move || #output).await),
        Inline::PerImpl(inline) => quote! {
            if #inline {
                #p::call_inline(move || #output)
            } else {
                #p::run_blocking(move || #output).await
            }
        },
    }
}

/// `::pyroxene::__private::name` with every token at `span`, so that a trait-bound error on the
/// call points at the user's code (a parameter type, a return type, a method name).
fn private_at(span: Span, name: &str) -> TokenStream {
    let name = Ident::new(name, span);
    quote_spanned!(span=> ::pyroxene::__private::#name)
}

/// `ty` unless it is absent: the `()` of a method that returns nothing.
pub fn value_type(ty: Option<&Type>) -> TokenStream {
    match ty {
        Some(ty) => quote!(#ty),
        None => quote!(()),
    }
}
