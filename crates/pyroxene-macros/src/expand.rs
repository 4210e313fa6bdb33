//! Writes the `RemoteObject` impl. Every path is absolute (`::pyroxene::__private::...`) and
//! every local starts with `__pyroxene_`, so the user's crate needs no imports and no names of
//! theirs can clash.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Ident, Item, ItemImpl};

use crate::model::{self, Accessor, Callable, Class, Errors, Method};

/// The macro: the impl block (helper attributes removed), then its `RemoteObject` impl, or the
/// impl block and the errors.
pub fn expose(args: TokenStream, input: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    if !args.is_empty() {
        errors.spanned(&args, "`#[pyroxene::expose]` takes no arguments");
    }
    let mut item = match syn::parse2::<Item>(input.clone()) {
        Ok(Item::Impl(ItemImpl {
            trait_: Some((path, ..)),
            ..
        })) => return with_error(input, syn::Error::new_spanned(path, NOT_INHERENT)),
        Ok(Item::Impl(item)) => item,
        Ok(other) => return with_error(input, syn::Error::new_spanned(other, NOT_INHERENT)),
        Err(e) => return with_error(input, e),
    };
    let class = model::read(&mut item, &mut errors);
    match errors.finish() {
        Some(e) => {
            let error = e.into_compile_error();
            quote! { #item #error }
        }
        None => {
            let remote = remote_object(&item, &class);
            quote! { #item #remote }
        }
    }
}

const NOT_INHERENT: &str =
    "`#[pyroxene::expose]` goes on an inherent impl block: `impl MyType { ... }`";

/// The unchanged input and an error (the item still compiles, so the error stands alone).
fn with_error(input: TokenStream, error: syn::Error) -> TokenStream {
    let error = error.into_compile_error();
    quote! { #input #error }
}

/// `impl RemoteObject for Type`.
fn remote_object(item: &ItemImpl, class: &Class) -> TokenStream {
    let p = quote!(::pyroxene::__private);
    let (impl_generics, _, where_clause) = item.generics.split_for_impl();
    let self_ty = &item.self_ty;
    let class_name = &class.name;
    let method_names: Vec<&String> = class.methods.iter().map(|m| &m.name).collect();
    let oneway: Vec<&String> = class
        .methods
        .iter()
        .filter(|m| m.oneway)
        .map(|m| &m.name)
        .collect();
    let mut attrs: Vec<&String> = class
        .getters
        .iter()
        .chain(&class.setters)
        .map(|a| &a.name)
        .collect();
    attrs.sort();
    attrs.dedup();
    let unexposed = &class.unexposed;
    let known: Vec<&String> = class
        .unexposed
        .iter()
        .chain(class.methods.iter().map(|m| &m.name))
        .collect();

    let method_arms = class.methods.iter().map(|m| method_arm(m, class_name, &p));
    let take_call = take_call(&p);
    let now_arms: Vec<TokenStream> = class
        .methods
        .iter()
        .filter(|m| m.call.inline && !m.call.is_async)
        .map(|m| method_now_arm(m, class_name, &p))
        .collect();
    // Only types with `#[nonblocking]` methods answer at once; the others keep the default.
    let invoke_now = (!now_arms.is_empty()).then(|| {
        quote! {
            fn invoke_now(
                &self,
                __pyroxene_call: #p::Invocation,
            ) -> ::core::result::Result<#p::CallResult, #p::Invocation> {
                match __pyroxene_call.method.as_str() {
                    #(#now_arms)*
                    _ => ::core::result::Result::Err(__pyroxene_call),
                }
            }
        }
    });
    let getter_arms = class
        .getters
        .iter()
        .map(|a| accessor_arm(a, class_name, &p, false));
    let setter_arms = class
        .setters
        .iter()
        .map(|a| accessor_arm(a, class_name, &p, true));

    quote! {
        // The closures that run methods return `CallResult`, whose size is not the user's call;
        // a method returning `()` has its `()` in a local like any other value.
        // What registering the type itself needs (`Daemon::register_class`).
        impl #impl_generics #p::RemoteClass for #self_ty #where_clause {
            fn class_metadata() -> #p::Metadata {
                #p::metadata(&[#(#method_names),*], &[#(#oneway),*], &[#(#attrs),*])
            }
        }

        #[allow(clippy::result_large_err, clippy::let_unit_value)]
        impl #impl_generics #p::RemoteObject for #self_ty #where_clause {
            fn metadata(&self) -> #p::Metadata {
                #p::metadata(&[#(#method_names),*], &[#(#oneway),*], &[#(#attrs),*])
            }

            fn invoke(
                self: ::std::sync::Arc<Self>,
                __pyroxene_call: #p::Invocation,
            ) -> #p::BoxFuture<#p::CallResult> {
                #take_call
                match __pyroxene_method.as_str() {
                    #(#method_arms)*
                    _ => #p::ready(::core::result::Result::Err(#p::no_method(
                        #class_name,
                        &[#(#unexposed),*],
                        &__pyroxene_method,
                    ))),
                }
            }

            #invoke_now

            fn get_attr(
                self: ::std::sync::Arc<Self>,
                __pyroxene_name: ::std::string::String,
                __pyroxene_context: ::std::sync::Arc<#p::CallContext>,
            ) -> #p::BoxFuture<#p::CallResult> {
                match __pyroxene_name.as_str() {
                    #(#getter_arms)*
                    _ => #p::ready(::core::result::Result::Err(#p::no_attribute(
                        #class_name,
                        &[#(#known),*],
                        &__pyroxene_name,
                    ))),
                }
            }

            fn set_attr(
                self: ::std::sync::Arc<Self>,
                __pyroxene_name: ::std::string::String,
                __pyroxene_value: #p::Value,
                __pyroxene_context: ::std::sync::Arc<#p::CallContext>,
            ) -> #p::BoxFuture<#p::CallResult> {
                match __pyroxene_name.as_str() {
                    #(#setter_arms)*
                    _ => #p::ready(::core::result::Result::Err(#p::no_attribute(
                        #class_name,
                        &[#(#known),*],
                        &__pyroxene_name,
                    ))),
                }
            }
        }
    }
}

/// `"name" => future,` for an exposed method: binds the arguments, converts them, calls.
fn method_arm(m: &Method, class_name: &str, p: &TokenStream) -> TokenStream {
    let name = &m.name;
    let body = method_body(m, class_name, p);
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

/// `"name" => { .. }` for a `#[nonblocking]` method in `invoke_now`: the same body run at once,
/// with no future to box (the daemon's fast path for methods that never wait).
fn method_now_arm(m: &Method, class_name: &str, p: &TokenStream) -> TokenStream {
    let name = &m.name;
    let body = method_body(m, class_name, p);
    let take_call = take_call(p);
    quote! {
        #name => {
            #take_call
            let __pyroxene_run = || -> #p::CallResult { #body };
            ::core::result::Result::Ok(__pyroxene_run())
        }
    }
}

/// `__pyroxene_call` (an `Invocation`) taken apart into the locals the method bodies use:
/// `__pyroxene_method`, `__pyroxene_args`, `__pyroxene_kwargs`, `__pyroxene_context`.
fn take_call(p: &TokenStream) -> TokenStream {
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
/// method: statements ending in the `CallResult` (`?` returns the binding errors).
fn method_body(m: &Method, class_name: &str, p: &TokenStream) -> TokenStream {
    let name = &m.name;
    let qualname = format!("{class_name}.{name}");
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
    let run = run(&m.call, &qualname, p);
    quote! {
        #bind
        #(#convert)*
        #run
    }
}

/// `"name" => future,` for a property getter (`setter` false) or setter.
fn accessor_arm(a: &Accessor, class_name: &str, p: &TokenStream, setter: bool) -> TokenStream {
    let name = &a.name;
    let qualname = format!("{class_name}.{name}");
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
    let run = run(&a.call, &qualname, p);
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
/// what it returns into a `CallResult`.
fn run(call: &Callable, qualname: &str, p: &TokenStream) -> TokenStream {
    let ident = &call.ident;
    let args = (0..call.params.len()).map(|i| format_ident!("__pyroxene_a{i}"));
    let mut invoke = quote!(<Self>::#ident(&*self, #(#args),*));
    if call.is_async {
        invoke = quote!(#invoke.await);
    }
    // The value gets a local first, so that every token of the conversion can point at the
    // return type when it is not `Serialize` (or its error not `Into<RemoteException>`).
    let convert = if call.returns_result {
        quote_spanned!(call.output_span=>
            ::pyroxene::__private::output_result(__pyroxene_r, &__pyroxene_context, #qualname))
    } else {
        quote_spanned!(call.output_span=>
            ::pyroxene::__private::output_value(__pyroxene_r, &__pyroxene_context, #qualname))
    };
    let output = quote!({
        let __pyroxene_r = #invoke;
        #convert
    });
    if call.is_async {
        quote_spanned!(ident.span()=> #p::guard(async move { #output }).await)
    } else if call.inline {
        quote!(#p::call_inline(move || #output))
    } else {
        quote!(#p::run_blocking(move || #output).await)
    }
}

/// `::pyroxene::__private::name` with every token at `span`, so that a trait-bound error on the
/// call points at the user's code (a parameter type, a return type, a method name).
fn private_at(span: Span, name: &str) -> TokenStream {
    let name = Ident::new(name, span);
    quote_spanned!(span=> ::pyroxene::__private::#name)
}
