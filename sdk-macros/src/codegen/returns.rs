//! What the author's function returns, as what SQLite receives: `Result<Value, Error>` for a
//! function's result, `Result<(), Error>` for an aggregate's `step` / `inverse`.
//!
//! `sqlink_sdk::__private::{IntoSqlResult, IntoStepResult}` convert any supported type, but
//! when a type is not supported rustc reports that private trait, on the attribute. So where
//! the return type can be named in the generated code, the conversion names `IntoValue`
//! (whose message lists what is supported) or `Into<Error>` on the offending type itself,
//! and the private traits remain only for types that cannot be named there (`Self`,
//! `impl Trait`) or may hide a `Result` (an alias such as `fmt::Result` or `io::Result`).

use proc_macro2::{TokenStream, TokenTree};
use quote::{ToTokens, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{GenericArgument, PathArguments, ReturnType, Type};

use super::params::elide_lifetimes;

enum Shape<'a> {
    /// No return type, or `()`.
    Unit,
    /// `Result<T>` or `Result<T, E>`.
    Result { ok: &'a Type, err: Option<&'a Type> },
    /// Any other type the generated code can name.
    Plain(&'a Type),
    /// Left to the traits: see the module's documentation.
    Opaque(&'a Type),
}

fn shape(output: &ReturnType) -> Shape<'_> {
    let ty = match output {
        ReturnType::Default => return Shape::Unit,
        ReturnType::Type(_, ty) => ungroup(ty),
    };
    if is_unit(ty) {
        return Shape::Unit;
    }
    if !nameable(ty.to_token_stream()) {
        return Shape::Opaque(ty);
    }
    let Type::Path(path) = ty else {
        return match ty {
            Type::Never(_) | Type::Infer(_) | Type::Macro(_) | Type::Verbatim(_) => Shape::Opaque(ty),
            _ => Shape::Plain(ty),
        };
    };
    let Some(last) = path.path.segments.last() else { return Shape::Opaque(ty) };
    let name = last.ident.to_string();
    if path.qself.is_some() || (name != "Result" && name.ends_with("Result")) {
        return Shape::Opaque(ty);
    }
    if name != "Result" {
        return Shape::Plain(ty);
    }
    let PathArguments::AngleBracketed(arguments) = &last.arguments else { return Shape::Opaque(ty) };
    let types: Vec<&Type> = arguments
        .args
        .iter()
        .map(|argument| match argument {
            GenericArgument::Type(ty) => Some(ty),
            _ => None,
        })
        .collect::<Option<_>>()
        .unwrap_or_default();
    match types[..] {
        [ok] => Shape::Result { ok, err: None },
        [ok, err] => Shape::Result { ok, err: Some(err) },
        _ => Shape::Opaque(ty),
    }
}

/// `(T)` and the invisible groups of `macro_rules!` fragments, unwrapped.
fn ungroup(ty: &Type) -> &Type {
    match ty {
        Type::Group(group) => ungroup(&group.elem),
        Type::Paren(paren) => ungroup(&paren.elem),
        _ => ty,
    }
}

fn is_unit(ty: &Type) -> bool {
    matches!(ungroup(ty), Type::Tuple(tuple) if tuple.elems.is_empty())
}

/// Whether the type can be written inside the generated functions: not `Self` (they are
/// not in the `impl`), not `impl Trait`, not a macro.
fn nameable(tokens: TokenStream) -> bool {
    tokens.into_iter().all(|token| match token {
        TokenTree::Ident(ident) => ident != "Self" && ident != "impl",
        TokenTree::Group(group) => nameable(group.stream()),
        TokenTree::Punct(punct) => punct.as_char() != '!',
        TokenTree::Literal(_) => true,
    })
}

/// `<T as IntoValue>::into_value`, spanned on `T` so an unsupported type is what the error
/// points at.
fn to_value(ty: &Type) -> TokenStream {
    let ty = elide_lifetimes(ty.clone());
    quote_spanned! {ty.span()=> <#ty as ::sqlink_sdk::IntoValue>::into_value }
}

/// `<E as Into<Error>>::into`, spanned on `E`; without `E` (`io::Result<T>`), on `whole`.
fn to_error(err: Option<&Type>, whole: &Type) -> TokenStream {
    match err {
        Some(err) => {
            let err = elide_lifetimes(err.clone());
            quote_spanned! {err.span()=> <#err as ::core::convert::Into<::sqlink_sdk::Error>>::into }
        }
        None => quote_spanned! {whole.span()=> ::core::convert::Into::<::sqlink_sdk::Error>::into },
    }
}

/// The expression turning `call`, of the type `output` declares, into
/// `Result<Value, Error>`.
pub fn sql_result(output: &ReturnType, call: TokenStream) -> TokenStream {
    match shape(output) {
        Shape::Unit => quote! {{
            #call;
            ::core::result::Result::Ok(::sqlink_sdk::Value::Null)
        }},
        Shape::Plain(ty) => {
            let to_value = to_value(ty);
            quote!(::core::result::Result::Ok(#to_value(#call)))
        }
        Shape::Result { ok, err } => {
            let whole = match output {
                ReturnType::Type(_, ty) => &**ty,
                ReturnType::Default => unreachable!("a Result shape has a type"),
            };
            let (to_value, to_error) = (to_value(ok), to_error(err, whole));
            quote! {
                match #call {
                    ::core::result::Result::Ok(__sqlink_value) => {
                        ::core::result::Result::Ok(#to_value(__sqlink_value))
                    }
                    ::core::result::Result::Err(__sqlink_error) => {
                        ::core::result::Result::Err(#to_error(__sqlink_error))
                    }
                }
            }
        }
        Shape::Opaque(ty) => {
            let convert = quote_spanned! {ty.span()=>
                ::sqlink_sdk::__private::IntoSqlResult::into_sql_result
            };
            quote!(#convert(#call))
        }
    }
}

/// The expression turning `call`, the result of the aggregate method `method`, into
/// `Result<(), Error>`. Such a method returns nothing, or `Result<(), E>`.
pub fn step_result(method: &syn::Ident, output: &ReturnType, call: TokenStream) -> syn::Result<TokenStream> {
    let returns_value = |ty: &Type| {
        syn::Error::new_spanned(
            ty,
            format!("`{method}` cannot return a value; return nothing, or `Result<(), E>` to fail the statement with `E`"),
        )
    };
    match shape(output) {
        Shape::Unit => Ok(quote! {{
            #call;
            ::core::result::Result::Ok(())
        }}),
        Shape::Result { ok, err } if is_unit(ok) => {
            let whole = match output {
                ReturnType::Type(_, ty) => &**ty,
                ReturnType::Default => unreachable!("a Result shape has a type"),
            };
            let to_error = to_error(err, whole);
            Ok(quote! {
                match #call {
                    ::core::result::Result::Ok(()) => ::core::result::Result::Ok(()),
                    ::core::result::Result::Err(__sqlink_error) => {
                        ::core::result::Result::Err(#to_error(__sqlink_error))
                    }
                }
            })
        }
        Shape::Result { ok, .. } => Err(returns_value(ok)),
        Shape::Plain(ty) => Err(returns_value(ty)),
        Shape::Opaque(ty) => {
            let convert = quote_spanned! {ty.span()=>
                ::sqlink_sdk::__private::IntoStepResult::into_step_result
            };
            Ok(quote!(#convert(#call)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn output(tokens: TokenStream) -> ReturnType {
        let item: syn::ItemFn = syn::parse2(quote!(fn f() #tokens {})).unwrap();
        item.sig.output
    }

    fn sql(tokens: TokenStream) -> String {
        sql_result(&output(tokens), quote!(f())).to_string()
    }

    #[test]
    fn named_types_convert_through_into_value() {
        assert!(sql(quote!(-> Option<String>)).contains("< Option < String > as :: sqlink_sdk :: IntoValue >"));
        assert!(sql(quote!(-> &'a str)).contains("< & '_ str as :: sqlink_sdk :: IntoValue >"));
        assert!(sql(quote!()).contains("Value :: Null"));
        assert!(sql(quote!(-> ())).contains("Value :: Null"));
    }

    #[test]
    fn results_convert_each_side() {
        let out = sql(quote!(-> Result<i64, MyError>));
        assert!(out.contains("< i64 as :: sqlink_sdk :: IntoValue >"), "{out}");
        assert!(out.contains("< MyError as :: core :: convert :: Into < :: sqlink_sdk :: Error >"), "{out}");
        let out = sql(quote!(-> std::io::Result<Vec<u8>>));
        assert!(out.contains("< Vec < u8 > as :: sqlink_sdk :: IntoValue >"), "{out}");
        assert!(out.contains("Into :: < :: sqlink_sdk :: Error > :: into"), "{out}");
    }

    #[test]
    fn what_cannot_be_named_uses_the_traits() {
        for ty in [quote!(-> Self), quote!(-> Option<Self>), quote!(-> impl IntoValue), quote!(-> fmt::Result), quote!(-> SqlResult<i64>)] {
            assert!(sql(ty.clone()).contains("IntoSqlResult"), "{ty}");
        }
    }

    #[test]
    fn step_returns_nothing_or_a_unit_result() {
        let step = |tokens| step_result(&quote::format_ident!("step"), &output(tokens), quote!(f()));
        assert!(step(quote!()).is_ok());
        assert!(step(quote!(-> Result<(), String>)).unwrap().to_string().contains("Into < :: sqlink_sdk :: Error >"));
        assert!(step(quote!(-> i64)).is_err());
        assert!(step(quote!(-> Result<i64, String>)).is_err());
        assert!(step(quote!(-> fmt::Result)).unwrap().to_string().contains("IntoStepResult"));
    }
}
