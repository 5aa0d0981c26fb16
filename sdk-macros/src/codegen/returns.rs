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

/// What a function returns, classified once while its model is built: it decides the
/// conversion [`Returns::sql_result`] emits.
pub enum Returns {
    /// No return type, or `()`.
    Unit,
    /// `Result<T>` or `Result<T, E>`; `whole` is the written type, where an error about an
    /// `E` that is not written points.
    Result { ok: Box<Type>, err: Option<Box<Type>>, whole: Box<Type> },
    /// Any other type the generated code can name.
    Plain(Box<Type>),
    /// Left to the traits: see the module's documentation.
    Opaque(Box<Type>),
}

impl Returns {
    pub fn of(output: &ReturnType) -> Returns {
        let (written, ty) = match output {
            ReturnType::Default => return Returns::Unit,
            ReturnType::Type(_, ty) => (&**ty, ungroup(ty)),
        };
        if is_unit(ty) {
            return Returns::Unit;
        }
        let opaque = || Returns::Opaque(Box::new(ty.clone()));
        if !nameable(ty.to_token_stream()) {
            return opaque();
        }
        let Type::Path(path) = ty else {
            return match ty {
                Type::Never(_) | Type::Infer(_) | Type::Macro(_) | Type::Verbatim(_) => opaque(),
                _ => Returns::Plain(Box::new(ty.clone())),
            };
        };
        let Some(last) = path.path.segments.last() else { return opaque() };
        let name = last.ident.to_string();
        if path.qself.is_some() || (name != "Result" && name.ends_with("Result")) {
            return opaque();
        }
        if name != "Result" {
            return Returns::Plain(Box::new(ty.clone()));
        }
        let PathArguments::AngleBracketed(arguments) = &last.arguments else { return opaque() };
        let types: Vec<&Type> = arguments
            .args
            .iter()
            .map(|argument| match argument {
                GenericArgument::Type(ty) => Some(ty),
                _ => None,
            })
            .collect::<Option<_>>()
            .unwrap_or_default();
        let whole = Box::new(written.clone());
        match types[..] {
            [ok] => Returns::Result { ok: Box::new(ok.clone()), err: None, whole },
            [ok, err] => Returns::Result { ok: Box::new(ok.clone()), err: Some(Box::new(err.clone())), whole },
            _ => opaque(),
        }
    }

    /// The expression turning `call`, of this type, into `Result<Value, Error>`.
    pub fn sql_result(&self, call: TokenStream) -> TokenStream {
        match self {
            Returns::Unit => quote! {{
                #call;
                ::core::result::Result::Ok(::sqlink_sdk::Value::Null)
            }},
            Returns::Plain(ty) => {
                let to_value = to_value(ty);
                quote!(::core::result::Result::Ok(#to_value(#call)))
            }
            Returns::Result { ok, err, whole } => {
                let (to_value, to_error) = (to_value(ok), to_error(err.as_deref(), whole));
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
            Returns::Opaque(ty) => {
                let convert = quote_spanned! {ty.span()=>
                    ::sqlink_sdk::__private::IntoSqlResult::into_sql_result
                };
                quote!(#convert(#call))
            }
        }
    }
}

/// What an aggregate's `step` or `inverse` returns: nothing, or `Result<(), E>`. Checked
/// while the model is built; it decides the conversion to `Result<(), Error>`.
pub enum StepReturns {
    Unit,
    Result {
        err: Option<Box<Type>>,
        whole: Box<Type>,
    },
    /// Left to the traits: see the module's documentation.
    Opaque(Box<Type>),
}

impl StepReturns {
    /// `method` names the method in the error for a return type that carries a value.
    pub fn of(method: &syn::Ident, output: &ReturnType) -> syn::Result<StepReturns> {
        let returns_value = |ty: &Type| {
            syn::Error::new_spanned(
                ty,
                format!("`{method}` cannot return a value; return nothing, or `Result<(), E>` to fail the statement with `E`"),
            )
        };
        match Returns::of(output) {
            Returns::Unit => Ok(StepReturns::Unit),
            Returns::Result { ok, err, whole } if is_unit(&ok) => Ok(StepReturns::Result { err, whole }),
            Returns::Result { ok, .. } => Err(returns_value(&ok)),
            Returns::Plain(ty) => Err(returns_value(&ty)),
            Returns::Opaque(ty) => Ok(StepReturns::Opaque(ty)),
        }
    }

    /// The expression turning `call` into `Result<(), Error>`.
    pub fn step_result(&self, call: TokenStream) -> TokenStream {
        match self {
            StepReturns::Unit => quote! {{
                #call;
                ::core::result::Result::Ok(())
            }},
            StepReturns::Result { err, whole } => {
                let to_error = to_error(err.as_deref(), whole);
                quote! {
                    match #call {
                        ::core::result::Result::Ok(()) => ::core::result::Result::Ok(()),
                        ::core::result::Result::Err(__sqlink_error) => {
                            ::core::result::Result::Err(#to_error(__sqlink_error))
                        }
                    }
                }
            }
            StepReturns::Opaque(ty) => {
                let convert = quote_spanned! {ty.span()=>
                    ::sqlink_sdk::__private::IntoStepResult::into_step_result
                };
                quote!(#convert(#call))
            }
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn output(tokens: TokenStream) -> ReturnType {
        let item: syn::ItemFn = syn::parse2(quote!(fn f() #tokens {})).unwrap();
        item.sig.output
    }

    fn returns(tokens: TokenStream) -> Returns {
        Returns::of(&output(tokens))
    }

    fn step(tokens: TokenStream) -> syn::Result<StepReturns> {
        StepReturns::of(&quote::format_ident!("step"), &output(tokens))
    }

    #[test]
    fn return_types_are_classified() {
        assert!(matches!(returns(quote!()), Returns::Unit));
        assert!(matches!(returns(quote!(-> ())), Returns::Unit));
        assert!(matches!(returns(quote!(-> Option<String>)), Returns::Plain(_)));
        assert!(matches!(returns(quote!(-> &'a str)), Returns::Plain(_)));
        assert!(matches!(returns(quote!(-> Result<i64, MyError>)), Returns::Result { err: Some(_), .. }));
        assert!(matches!(returns(quote!(-> std::io::Result<Vec<u8>>)), Returns::Result { err: None, .. }));
    }

    #[test]
    fn what_cannot_be_named_is_opaque() {
        for ty in [quote!(-> Self), quote!(-> Option<Self>), quote!(-> impl IntoValue), quote!(-> fmt::Result), quote!(-> SqlResult<i64>)] {
            assert!(matches!(returns(ty.clone()), Returns::Opaque(_)), "{ty}");
        }
    }

    #[test]
    fn step_returns_nothing_or_a_unit_result() {
        assert!(matches!(step(quote!()), Ok(StepReturns::Unit)));
        assert!(matches!(step(quote!(-> Result<(), String>)), Ok(StepReturns::Result { err: Some(_), .. })));
        assert!(matches!(step(quote!(-> fmt::Result)), Ok(StepReturns::Opaque(_))));
        for ty in [quote!(-> i64), quote!(-> Result<i64, String>)] {
            let error = step(ty).err().map(|e| e.to_string());
            assert_eq!(
                error.as_deref(),
                Some("`step` cannot return a value; return nothing, or `Result<(), E>` to fail the statement with `E`")
            );
        }
    }

    /// The emitted conversion names the written types, so that rustc's error for an
    /// unsupported one points at it.
    #[test]
    fn conversions_name_each_side() {
        let out = returns(quote!(-> Result<&'a str, MyError>)).sql_result(quote!(f())).to_string();
        assert!(out.contains("< & '_ str as :: sqlink_sdk :: IntoValue >"), "{out}");
        assert!(out.contains("< MyError as :: core :: convert :: Into < :: sqlink_sdk :: Error >"), "{out}");
        let out = returns(quote!(-> std::io::Result<Vec<u8>>)).sql_result(quote!(f())).to_string();
        assert!(out.contains("Into :: < :: sqlink_sdk :: Error > :: into"), "{out}");
        assert!(returns(quote!(-> Self)).sql_result(quote!(f())).to_string().contains("IntoSqlResult"));
        assert!(returns(quote!()).sql_result(quote!(f())).to_string().contains("Value :: Null"));
        assert!(step(quote!(-> fmt::Result)).unwrap().step_result(quote!(f())).to_string().contains("IntoStepResult"));
    }
}
