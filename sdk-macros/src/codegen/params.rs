//! SQL arguments from Rust parameters: arity, and the conversion of each argument.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::visit_mut::VisitMut;
use syn::{FnArg, Pat, Type};

/// The SQL-facing parameters of a function (receiver excluded).
pub enum Params {
    /// One Rust parameter per SQL argument.
    Fixed(Vec<Type>),
    /// A single `&[Value]` parameter: any number of arguments.
    Variadic,
}

impl Params {
    pub fn arity(&self) -> i32 {
        match self {
            Params::Fixed(types) => types.len() as i32,
            Params::Variadic => -1,
        }
    }

    /// Statements binding `__sqlink_arg0…` from `args: &[Value]`, and the expressions to pass
    /// to the author's function. Each argument is first converted as SQLite converts it for
    /// a C function asking for the parameter's type (`FromValue::convert`), unless
    /// `exact_types`. A mismatched argument returns the SQL error naming `sql_name` and the
    /// argument's position.
    pub fn conversions(&self, sql_name: &str, exact_types: bool) -> (TokenStream, Vec<TokenStream>) {
        self.conversions_named(sql_name, exact_types, None)
    }

    /// As [`conversions`](Self::conversions), for a function whose arguments have names (a
    /// table function's): NULL for a parameter that is not an `Option`, which is also what
    /// an argument left out arrives as, is "missing argument NAME (takes …)".
    pub fn conversions_named(&self, sql_name: &str, exact_types: bool, names: Option<&[String]>) -> (TokenStream, Vec<TokenStream>) {
        match self {
            Params::Variadic => (quote!(), vec![quote!(args)]),
            Params::Fixed(types) => {
                let mut bindings = TokenStream::new();
                let mut passed = Vec::new();
                for (index, ty) in types.iter().enumerate() {
                    let var = format_ident!("__sqlink_arg{}", index);
                    let converted = format_ident!("__sqlink_converted{}", index);
                    let position = index + 1;
                    let ty = elide_lifetimes(ty.clone());
                    // The converted value lives in this scope, so a `&str` parameter may
                    // borrow SQLite's text of a number.
                    if exact_types {
                        bindings.extend(quote!(let #converted: &::sqlink_sdk::Value = &args[#index];));
                    } else {
                        bindings.extend(quote_spanned! {ty.span()=>
                            let #converted = <#ty as ::sqlink_sdk::FromValue<'_>>::convert(&args[#index]);
                        });
                    }
                    // Spanned on the type, so an unsupported type is what the error points at.
                    let convert = quote_spanned! {ty.span()=>
                        <#ty as ::sqlink_sdk::FromValue<'_>>::from_value(&#converted)
                    };
                    let error = match names.and_then(|names| names.get(index).map(|name| (name, names.join(", ")))) {
                        Some((name, all)) => {
                            let missing = format!("{sql_name}(): missing argument {name} (takes {all})");
                            quote! {
                                if args[#index].is_null() {
                                    ::sqlink_sdk::Error::with_code(::sqlink_sdk::codes::ERROR, #missing)
                                } else {
                                    error.into_error(#sql_name, #position)
                                }
                            }
                        }
                        None => quote!(error.into_error(#sql_name, #position)),
                    };
                    bindings.extend(quote! {
                        let #var = match #convert {
                            ::core::result::Result::Ok(value) => value,
                            ::core::result::Result::Err(error) => {
                                return ::core::result::Result::Err(#error);
                            }
                        };
                    });
                    passed.push(quote!(#var));
                }
                (bindings, passed)
            }
        }
    }
}

/// Read the parameters of a SQL function. `skip_receiver` is true for aggregate methods,
/// whose `self` is the aggregation state.
pub fn classify<'a>(inputs: impl IntoIterator<Item = &'a FnArg>, what: &str, skip_receiver: bool) -> syn::Result<Params> {
    let mut types = Vec::new();
    for input in inputs {
        match input {
            FnArg::Receiver(receiver) => {
                if !skip_receiver {
                    return Err(syn::Error::new_spanned(receiver, format!("{what} cannot take `self`; write a free function")));
                }
            }
            FnArg::Typed(typed) => {
                if !matches!(&*typed.pat, Pat::Ident(_) | Pat::Wild(_)) {
                    return Err(syn::Error::new_spanned(&typed.pat, "SQL function parameters must be plain names, not patterns"));
                }
                check_type(&typed.ty)?;
                types.push((*typed.ty).clone());
            }
        }
    }
    let variadic_at = types.iter().position(is_value_slice);
    match variadic_at {
        Some(_) if types.len() == 1 => Ok(Params::Variadic),
        Some(at) => Err(syn::Error::new_spanned(&types[at], "`&[Value]` takes all the arguments, so it must be the only parameter")),
        None => Ok(Params::Fixed(types)),
    }
}

/// Errors the trait system would report less clearly.
fn check_type(ty: &Type) -> syn::Result<()> {
    match ty {
        Type::Reference(reference) if reference.mutability.is_some() => {
            Err(syn::Error::new_spanned(ty, "SQL arguments are read-only; take `&str`, `&[u8]` or an owned type instead of `&mut`"))
        }
        Type::ImplTrait(_) => Err(syn::Error::new_spanned(ty, "`impl Trait` cannot be a SQL argument; name a concrete type")),
        _ => Ok(()),
    }
}

fn is_value_slice(ty: &Type) -> bool {
    let Type::Reference(reference) = ty else { return false };
    let Type::Slice(slice) = &*reference.elem else { return false };
    let Type::Path(path) = &*slice.elem else { return false };
    path.path.segments.last().is_some_and(|segment| segment.ident == "Value")
}

/// `&'a str` → `&'_ str`: the conversion code has no `'a` in scope.
pub fn elide_lifetimes(mut ty: Type) -> Type {
    struct Elide;
    impl VisitMut for Elide {
        fn visit_lifetime_mut(&mut self, lifetime: &mut syn::Lifetime) {
            *lifetime = syn::Lifetime::new("'_", Span::call_site());
        }
    }
    Elide.visit_type_mut(&mut ty);
    ty
}

/// Only lifetime parameters: SQL cannot choose a type for a generic function.
pub fn check_generics(generics: &syn::Generics, what: &str) -> syn::Result<()> {
    for param in &generics.params {
        if !matches!(param, syn::GenericParam::Lifetime(_)) {
            return Err(syn::Error::new_spanned(param, format!("{what} cannot be generic: SQL has no way to pick a type")));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params_of(item: TokenStream) -> syn::Result<Params> {
        let item: syn::ItemFn = syn::parse2(item).unwrap();
        classify(&item.sig.inputs, "a function", false)
    }

    #[test]
    fn arity_comes_from_the_signature() {
        assert_eq!(
            params_of(quote!(
                fn f() {}
            ))
            .unwrap()
            .arity(),
            0
        );
        assert_eq!(
            params_of(quote!(
                fn f(a: i64, b: &str) {}
            ))
            .unwrap()
            .arity(),
            2
        );
        assert_eq!(
            params_of(quote!(
                fn f(args: &[Value]) {}
            ))
            .unwrap()
            .arity(),
            -1
        );
        assert_eq!(
            params_of(quote!(
                fn f(args: &[sqlink_sdk::Value]) {}
            ))
            .unwrap()
            .arity(),
            -1
        );
    }

    #[test]
    fn rejects_what_sql_cannot_pass() {
        assert!(
            params_of(quote!(
                fn f(a: i64, rest: &[Value]) {}
            ))
            .is_err()
        );
        assert!(
            params_of(quote!(
                fn f(a: &mut str) {}
            ))
            .is_err()
        );
        assert!(
            params_of(quote!(
                fn f(a: impl AsRef<str>) {}
            ))
            .is_err()
        );
        assert!(
            params_of(quote!(
                fn f((a, b): (i64, i64)) {}
            ))
            .is_err()
        );
    }

    #[test]
    fn conversions_name_the_function_and_position() {
        let params = params_of(quote!(
            fn f(a: &'a str) {}
        ))
        .unwrap();
        let (bindings, passed) = params.conversions("my_fn", false);
        let text = bindings.to_string();
        assert!(text.contains("\"my_fn\""), "{text}");
        assert!(text.contains("& '_ str"), "{text}");
        assert!(text.contains(":: convert (& args [0usize])"), "{text}");
        assert_eq!(passed.len(), 1);
        let (exact, _) = params.conversions("my_fn", true);
        assert!(!exact.to_string().contains(":: convert ("), "exact_types converts nothing: {exact}");
    }
}
