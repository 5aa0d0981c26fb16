//! `#[sqlite_table_function(columns(a, b))]`: keeps the function as written and adds a
//! `TableFunctionDef` beside it. The function's parameters are the SQL arguments (owned,
//! since rows are made after the call returns); its result is an iterator of rows, or a
//! `Result` of one.

use proc_macro2::TokenStream;
use quote::quote;
use syn::ext::IdentExt;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::visit::Visit;
use syn::{FnArg, LitStr, Pat, ReturnType, Token, Type};

use super::params::{Params, check_generics, classify};
use super::{doc_line, is_sql_identifier, table_def_ident};

struct TableOptions {
    name: Option<LitStr>,
    columns: Vec<(String, proc_macro2::Span)>,
}

/// A column name: an identifier (keywords too, e.g. `match`) or a string.
fn column(input: syn::parse::ParseStream) -> syn::Result<(String, proc_macro2::Span)> {
    if input.peek(LitStr) {
        let lit: LitStr = input.parse()?;
        return Ok((lit.value(), lit.span()));
    }
    let ident = syn::Ident::parse_any(input)?;
    Ok((ident.unraw().to_string(), ident.span()))
}

impl TableOptions {
    fn parse(attr: TokenStream) -> syn::Result<TableOptions> {
        let mut name = None;
        let mut columns = None;
        let parser = syn::meta::parser(|meta| {
            if meta.path.is_ident("name") {
                let value: LitStr = meta.value()?.parse()?;
                if !is_sql_identifier(&value.value()) {
                    return Err(syn::Error::new(
                        value.span(),
                        "a SQL function name must be letters, digits and underscores, not starting with a digit",
                    ));
                }
                name = Some(value);
                return Ok(());
            }
            if meta.path.is_ident("columns") {
                let content;
                syn::parenthesized!(content in meta.input);
                let list = Punctuated::<(String, proc_macro2::Span), Token![,]>::parse_terminated_with(&content, column)?;
                columns = Some(list.into_iter().collect::<Vec<_>>());
                return Ok(());
            }
            Err(meta.error("unknown option; expected `columns(…)` or `name = \"…\"`"))
        });
        syn::parse::Parser::parse2(parser, attr)?;
        let columns = columns.unwrap_or_default();
        if columns.is_empty() {
            return Err(syn::Error::new(
                proc_macro2::Span::call_site(),
                "a table function needs its columns: #[sqlite_table_function(columns(a, b))]",
            ));
        }
        Ok(TableOptions { name, columns })
    }
}

/// Any reference in an argument's type (also inside `Option<&str>`).
fn borrows(ty: &Type) -> Option<&syn::TypeReference> {
    struct Find<'a>(Option<&'a syn::TypeReference>);
    impl<'a> Visit<'a> for Find<'a> {
        fn visit_type_reference(&mut self, reference: &'a syn::TypeReference) {
            self.0.get_or_insert(reference);
        }
    }
    let mut find = Find(None);
    find.visit_type(ty);
    find.0
}

fn is_result(ty: &Type) -> bool {
    matches!(ty, Type::Path(path) if path.qself.is_none() && path.path.segments.last().is_some_and(|s| s.ident == "Result"))
}

pub fn expand(attr: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    let options = TableOptions::parse(attr)?;
    let function: syn::ItemFn = syn::parse2(item).map_err(|e| syn::Error::new(e.span(), "#[sqlite_table_function] goes on a function"))?;
    let sig = &function.sig;
    if let Some(asyncness) = &sig.asyncness {
        return Err(syn::Error::new(asyncness.span(), "a SQL function cannot be async"));
    }
    check_generics(&sig.generics, "a table function")?;
    let mut parameters = Vec::new();
    for input in &sig.inputs {
        if let FnArg::Typed(typed) = input {
            if let Some(reference) = borrows(&typed.ty) {
                return Err(syn::Error::new_spanned(
                    reference,
                    "a table function's arguments must be owned (String, Vec<u8>, i64, f64, Option<…> of those): its rows are made after the call returns",
                ));
            }
            match &*typed.pat {
                Pat::Ident(ident) => parameters.push(ident.ident.unraw().to_string()),
                other => {
                    return Err(syn::Error::new_spanned(other, "a table function's parameters need names: they name its arguments in SQL"));
                }
            }
        }
    }
    let params = classify(&sig.inputs, "a table function", false)?;
    if let Params::Variadic = params {
        return Err(syn::Error::new(sig.inputs.span(), "a table function takes named arguments, not `&[Value]`"));
    }
    let mut seen = Vec::new();
    for (name, span) in options.columns.iter().map(|(n, s)| (n, *s)).chain(parameters.iter().map(|p| (p, sig.inputs.span()))) {
        if !is_sql_identifier(name) {
            return Err(syn::Error::new(span, format!("`{name}` is not a SQL column name (letters, digits and underscores)")));
        }
        if seen.contains(&name.to_ascii_lowercase()) {
            return Err(syn::Error::new(span, format!("`{name}` names two columns or arguments")));
        }
        seen.push(name.to_ascii_lowercase());
    }
    let output = match &sig.output {
        ReturnType::Type(_, ty) => ty,
        ReturnType::Default => {
            return Err(syn::Error::new(
                sig.ident.span(),
                "a table function returns its rows: an iterator of tuples, one value per column",
            ));
        }
    };

    let ident = &sig.ident;
    let sql_name = options.name.as_ref().map_or_else(|| ident.unraw().to_string(), LitStr::value);
    let (bindings, passed) = params.conversions(&sql_name);
    let width = options.columns.len();
    let rows = if is_result(output) {
        quote! {
            match #ident(#(#passed),*) {
                ::core::result::Result::Ok(rows) => ::core::result::Result::Ok(::sqlink_sdk::__private::rows::<_, #width>(rows)),
                ::core::result::Result::Err(error) => ::core::result::Result::Err(::core::convert::Into::into(error)),
            }
        }
    } else {
        quote!(::core::result::Result::Ok(::sqlink_sdk::__private::rows::<_, #width>(#ident(#(#passed),*))))
    };
    let columns = options.columns.iter().map(|(c, _)| c);
    let doc = doc_line(&function.attrs);
    let def_ident = table_def_ident(ident);
    let vis = &function.vis;

    Ok(quote! {
        #function

        #[doc(hidden)]
        #[allow(non_upper_case_globals)]
        #vis const #def_ident: ::sqlink_sdk::TableFunctionDef = {
            fn open(
                args: &[::sqlink_sdk::Value],
            ) -> ::core::result::Result<::sqlink_sdk::Rows, ::sqlink_sdk::Error> {
                #bindings
                #rows
            }
            ::sqlink_sdk::TableFunctionDef {
                name: #sql_name,
                columns: &[#(#columns),*],
                parameters: &[#(#parameters),*],
                doc: #doc,
                open,
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
            quote!(columns(match, start, "end")),
            quote! {
                /// Every match.
                pub fn matches(text: String, pattern: Option<String>) -> Vec<(String, i64, i64)> { Vec::new() }
            },
        )
        .unwrap()
        .to_string();
        assert!(out.contains("pub const __sqlink_table_matches"), "{out}");
        assert!(out.contains("columns : & [\"match\" , \"start\" , \"end\"]"), "{out}");
        assert!(out.contains("parameters : & [\"text\" , \"pattern\"]"), "{out}");
        assert!(out.contains("rows :: < _ , 3usize >"), "{out}");
    }

    #[test]
    fn rejects_what_cannot_work() {
        let f = quote!(
            fn f(x: String) -> Vec<(i64,)> {
                Vec::new()
            }
        );
        assert!(expand(quote!(), f.clone()).is_err(), "no columns");
        assert!(expand(quote!(columns(x)), f.clone()).is_err(), "a column named like an argument");
        assert!(
            expand(
                quote!(columns(a)),
                quote!(
                    fn f(x: &str) -> Vec<(i64,)> {
                        Vec::new()
                    }
                )
            )
            .is_err(),
            "borrowed argument"
        );
        assert!(
            expand(
                quote!(columns(a)),
                quote!(
                    fn f(x: Option<&str>) -> Vec<(i64,)> {
                        Vec::new()
                    }
                )
            )
            .is_err()
        );
        assert!(
            expand(
                quote!(columns(a)),
                quote!(
                    fn f(x: String) {}
                )
            )
            .is_err(),
            "no rows"
        );
        assert!(expand(quote!(columns(a, a)), f).is_err(), "a column twice");
    }
}
