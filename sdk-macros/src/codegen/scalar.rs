//! `#[sqlite_scalar]`: keeps the function as written and adds a `ScalarDef` beside it.

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};
use syn::spanned::Spanned;

use super::options::{Flags, Options, Target};
use super::params::{Params, check_generics, classify};
use super::returns::Returns;
use super::{doc_line, scalar_def_ident};

/// Everything `#[sqlite_scalar]` emits, checked.
pub struct ScalarModel {
    /// The function as written, kept.
    pub function: syn::ItemFn,
    pub sql_name: String,
    pub params: Params,
    pub returns: Returns,
    pub flags: Flags,
    /// SQL's NULL in, NULL out, without calling the function.
    pub strict: bool,
    /// No SQLite conversion of the arguments.
    pub exact_types: bool,
    pub doc: String,
}

impl ScalarModel {
    pub fn parse(attr: TokenStream, item: TokenStream) -> syn::Result<ScalarModel> {
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
        Ok(ScalarModel {
            params: classify(&sig.inputs, "a SQL scalar function", false)?,
            returns: Returns::of(&sig.output),
            sql_name: options.sql_name(sig.ident.to_string()),
            flags: options.flags,
            strict: options.strict,
            exact_types: options.exact_types,
            doc: doc_line(&function.attrs),
            function,
        })
    }
}

impl ToTokens for ScalarModel {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        let ScalarModel { function, sql_name, params, returns, flags, strict, exact_types, doc } = self;
        let ident = &function.sig.ident;
        let arity = params.arity();
        let (bindings, passed) = params.conversions(sql_name, *exact_types);
        let result = returns.sql_result(quote!(#ident(#(#passed),*)));
        let strict = strict.then(|| {
            quote! {
                if args.iter().any(|arg| matches!(arg, ::sqlink_sdk::Value::Null)) {
                    return ::core::result::Result::Ok(::sqlink_sdk::Value::Null);
                }
            }
        });
        let def_ident = scalar_def_ident(ident);
        let vis = &function.vis;
        tokens.extend(quote! {
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
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(attr: TokenStream, item: TokenStream) -> syn::Result<ScalarModel> {
        ScalarModel::parse(attr, item)
    }

    #[test]
    fn the_model_has_the_sql_facing_details() {
        let m = model(
            quote!(name = "hash", deterministic),
            quote! {
                /// Hash it.
                pub fn md5(x: Option<&[u8]>) -> Option<String> { None }
            },
        )
        .unwrap();
        assert_eq!(m.sql_name, "hash");
        assert_eq!(m.function.sig.ident, "md5");
        assert_eq!(m.params.arity(), 1);
        assert!(matches!(m.returns, Returns::Plain(_)));
        assert_eq!(m.flags, Flags { deterministic: true, direct_only: false, innocuous: false });
        assert!(!m.strict);
        assert_eq!(m.doc, "Hash it.");
    }

    #[test]
    fn defaults_strict_and_variadic() {
        let m = model(
            quote!(strict),
            quote!(
                fn reverse_text(s: &str) -> String {
                    s.chars().rev().collect()
                }
            ),
        )
        .unwrap();
        assert_eq!((m.sql_name.as_str(), m.params.arity()), ("reverse_text", 1));
        assert!(m.strict);
        assert_eq!(m.flags, Flags::default());
        assert!(m.doc.is_empty());
        let m = model(
            quote!(),
            quote!(
                fn count(args: &[Value]) -> Result<i64, Error> {
                    Ok(0)
                }
            ),
        )
        .unwrap();
        assert_eq!(m.params.arity(), -1);
        assert!(matches!(m.returns, Returns::Result { err: Some(_), .. }));
    }

    #[test]
    fn emits_the_function_and_its_definition_beside_it() {
        let out = model(
            quote!(),
            quote!(
                pub fn md5(x: &[u8]) -> String {
                    String::new()
                }
            ),
        )
        .unwrap()
        .into_token_stream()
        .to_string();
        assert!(out.contains("pub fn md5"), "{out}");
        assert!(out.contains("pub const __sqlink_scalar_md5"), "{out}");
    }

    #[test]
    fn rejects_async_and_generic_functions_and_other_items() {
        for item in [
            quote!(
                async fn f() {}
            ),
            quote!(
                fn f<T>(x: T) {}
            ),
            quote!(
                struct S;
            ),
        ] {
            assert!(model(quote!(), item.clone()).is_err(), "{item}");
        }
    }
}
