//! `#[sqlite_scalar]`: keeps the function as written and adds a `ScalarDef` beside it.

use proc_macro2::TokenStream;
use quote::quote;
use syn::spanned::Spanned;

use super::options::{Options, Target};
use super::params::{check_generics, classify};
use super::returns::sql_result;
use super::{doc_line, scalar_def_ident};

pub fn expand(attr: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    let options = Options::parse(attr, Target::Scalar)?;
    let function: syn::ItemFn = syn::parse2(item).map_err(|e| syn::Error::new(e.span(), "#[sqlite_scalar] goes on a function"))?;
    let sig = &function.sig;
    if let Some(asyncness) = &sig.asyncness {
        return Err(syn::Error::new(asyncness.span(), "a SQL function cannot be async"));
    }
    if let Some(variadic) = &sig.variadic {
        return Err(syn::Error::new(variadic.span(), "use `&[Value]` for any number of arguments"));
    }
    check_generics(&sig.generics, "a SQL function")?;
    let params = classify(&sig.inputs, "a SQL scalar function", false)?;

    let ident = &sig.ident;
    let sql_name = options.sql_name(ident.to_string());
    let arity = params.arity();
    let flags = options.flags_tokens();
    let doc = doc_line(&function.attrs);
    let (bindings, passed) = params.conversions(&sql_name);
    let result = sql_result(&sig.output, quote!(#ident(#(#passed),*)));
    // `strict`: SQL's NULL in, NULL out, without calling the function.
    let strict = options.strict.then(|| {
        quote! {
            if args.iter().any(|arg| matches!(arg, ::sqlink_sdk::Value::Null)) {
                return ::core::result::Result::Ok(::sqlink_sdk::Value::Null);
            }
        }
    });
    let def_ident = scalar_def_ident(ident);
    let vis = &function.vis;

    Ok(quote! {
        #function

        #[doc(hidden)]
        #[allow(non_upper_case_globals)]
        #vis const #def_ident: ::sqlink_sdk::ScalarDef = {
            fn call(
                args: &[::sqlink_sdk::Value],
            ) -> ::core::result::Result<::sqlink_sdk::Value, ::sqlink_sdk::Error> {
                #strict
                #bindings
                #result
            }
            ::sqlink_sdk::ScalarDef {
                name: #sql_name,
                arity: #arity,
                flags: #flags,
                doc: #doc,
                call,
            }
        };
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emits_the_function_and_its_definition() {
        let out = expand(
            quote!(name = "hash", deterministic),
            quote! {
                /// Hash it.
                pub fn md5(x: Option<&[u8]>) -> Option<String> { None }
            },
        )
        .unwrap()
        .to_string();
        assert!(out.contains("pub fn md5"), "{out}");
        assert!(out.contains("pub const __sqlink_scalar_md5"), "{out}");
        assert!(out.contains("name : \"hash\""), "{out}");
        assert!(out.contains("arity : 1i32"), "{out}");
        assert!(out.contains("deterministic : true"), "{out}");
        assert!(out.contains("doc : \"Hash it.\""), "{out}");
    }

    #[test]
    fn rejects_async_and_generic_functions() {
        assert!(
            expand(
                quote!(),
                quote!(
                    async fn f() {}
                )
            )
            .is_err()
        );
        assert!(
            expand(
                quote!(),
                quote!(
                    fn f<T>(x: T) {}
                )
            )
            .is_err()
        );
        assert!(
            expand(
                quote!(),
                quote!(
                    struct S;
                )
            )
            .is_err()
        );
    }
}
