//! `#[sqlite_table_function(columns(a, b))]`: keeps the function as written and adds a
//! `TableFunctionDef` beside it. The function's parameters are the SQL arguments (owned,
//! since rows are made after the call returns); its result is an iterator of rows, or a
//! `Result` of one.

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::visit::Visit;
use syn::{FnArg, Pat, ReturnType, Type};

use super::options::{Column, Options, Target};
use super::params::{Params, check_generics, classify};
use super::{doc_line, is_sql_identifier, table_def_ident};

/// Everything `#[sqlite_table_function]` emits, checked.
pub struct TableFunctionModel {
    /// The function as written, kept.
    pub function: syn::ItemFn,
    pub sql_name: String,
    pub columns: Vec<Column>,
    /// The names of the SQL arguments, the hidden columns after `columns`.
    pub parameters: Vec<String>,
    pub params: Params,
    /// Whether the function returns a `Result` of its rows, rather than the rows.
    pub fallible: bool,
    /// No SQLite conversion of the arguments.
    pub exact_types: bool,
    pub doc: String,
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

impl TableFunctionModel {
    pub fn parse(attr: TokenStream, item: TokenStream) -> syn::Result<TableFunctionModel> {
        let mut options = Options::parse(attr, Target::TableFunction)?;
        let columns = options.columns.take().unwrap_or_default();
        if columns.is_empty() {
            return Err(syn::Error::new(
                proc_macro2::Span::call_site(),
                "a table function needs its columns: #[sqlite_table_function(columns(a, b))]",
            ));
        }
        let function: syn::ItemFn =
            syn::parse2(item).map_err(|e| syn::Error::new(e.span(), "#[sqlite_table_function] goes on a function"))?;
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
                        return Err(syn::Error::new_spanned(
                            other,
                            "a table function's parameters need names: they name its arguments in SQL",
                        ));
                    }
                }
            }
        }
        let params = classify(&sig.inputs, "a table function", false)?;
        if let Params::Variadic = params {
            return Err(syn::Error::new(sig.inputs.span(), "a table function takes named arguments, not `&[Value]`"));
        }
        let mut seen = Vec::new();
        let names = columns.iter().map(|c| (&c.name, c.span)).chain(parameters.iter().map(|p| (p, sig.inputs.span())));
        for (name, span) in names {
            if !is_sql_identifier(name) {
                return Err(syn::Error::new(span, format!("`{name}` is not a SQL column name (letters, digits and underscores)")));
            }
            if seen.contains(&name.to_ascii_lowercase()) {
                return Err(syn::Error::new(span, format!("`{name}` names two columns or arguments")));
            }
            seen.push(name.to_ascii_lowercase());
        }
        let fallible = match &sig.output {
            ReturnType::Type(_, ty) => is_result(ty),
            ReturnType::Default => {
                return Err(syn::Error::new(
                    sig.ident.span(),
                    "a table function returns its rows: an iterator of tuples, one value per column",
                ));
            }
        };
        Ok(TableFunctionModel {
            sql_name: options.sql_name(sig.ident.unraw().to_string()),
            columns,
            parameters,
            params,
            fallible,
            exact_types: options.exact_types,
            doc: doc_line(&function.attrs),
            function,
        })
    }
}

impl ToTokens for TableFunctionModel {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        let TableFunctionModel { function, sql_name, columns, parameters, params, fallible, exact_types, doc } = self;
        let ident = &function.sig.ident;
        let (bindings, passed) = params.conversions_named(sql_name, *exact_types, Some(parameters));
        let width = columns.len();
        let rows = if *fallible {
            quote! {
                match #ident(#(#passed),*) {
                    ::core::result::Result::Ok(rows) => ::core::result::Result::Ok(::sqlink_sdk::__private::rows::<_, #width>(rows)),
                    ::core::result::Result::Err(error) => ::core::result::Result::Err(::core::convert::Into::into(error)),
                }
            }
        } else {
            quote!(::core::result::Result::Ok(::sqlink_sdk::__private::rows::<_, #width>(#ident(#(#passed),*))))
        };
        let columns = columns.iter().map(|c| &c.name);
        let def_ident = table_def_ident(ident);
        let vis = &function.vis;
        tokens.extend(quote! {
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
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(attr: TokenStream, item: TokenStream) -> syn::Result<TableFunctionModel> {
        TableFunctionModel::parse(attr, item)
    }

    #[test]
    fn the_model_has_columns_and_arguments() {
        let m = model(
            quote!(columns(match, start, "end")),
            quote! {
                /// Every match.
                pub fn matches(text: String, r#pattern: Option<String>) -> Vec<(String, i64, i64)> { Vec::new() }
            },
        )
        .unwrap();
        assert_eq!(m.sql_name, "matches");
        assert_eq!(m.columns.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["match", "start", "end"]);
        assert_eq!(m.parameters, ["text", "pattern"]);
        assert_eq!(m.params.arity(), 2);
        assert!(!m.fallible);
        assert_eq!(m.doc, "Every match.");
        let out = m.into_token_stream().to_string();
        assert!(out.contains("pub const __sqlink_table_matches"), "{out}");
        assert!(out.contains("rows :: < _ , 3usize >"), "{out}");
    }

    #[test]
    fn a_named_fallible_table_function() {
        let m = model(
            quote!(name = "checked_range", columns(value)),
            quote!(
                fn range(stop: i64) -> Result<Vec<(i64,)>, Error> {
                    todo!()
                }
            ),
        )
        .unwrap();
        assert_eq!((m.sql_name.as_str(), m.fallible), ("checked_range", true));
    }

    #[test]
    fn rejects_what_cannot_work() {
        let f = quote!(
            fn f(x: String) -> Vec<(i64,)> {
                Vec::new()
            }
        );
        let error = |attr: TokenStream, item: &TokenStream| model(attr, item.clone()).err().map(|e| e.to_string());
        assert!(error(quote!(), &f).is_some_and(|e| e.starts_with("a table function needs its columns")));
        assert!(error(quote!(columns()), &f).is_some_and(|e| e.starts_with("a table function needs its columns")));
        assert_eq!(error(quote!(columns(x)), &f).as_deref(), Some("`x` names two columns or arguments"));
        assert_eq!(error(quote!(columns(a, A)), &f).as_deref(), Some("`A` names two columns or arguments"));
        assert!(error(quote!(columns("a b")), &f).is_some());
        assert!(
            error(
                quote!(columns(a)),
                &quote!(
                    fn f(x: &str) -> Vec<(i64,)> {
                        Vec::new()
                    }
                )
            )
            .is_some(),
            "borrowed argument"
        );
        assert!(
            error(
                quote!(columns(a)),
                &quote!(
                    fn f(x: Option<&str>) -> Vec<(i64,)> {
                        Vec::new()
                    }
                )
            )
            .is_some()
        );
        assert!(
            error(
                quote!(columns(a)),
                &quote!(
                    fn f(args: &[Value]) -> Vec<(i64,)> {
                        Vec::new()
                    }
                )
            )
            .is_some(),
            "variadic"
        );
        assert!(
            error(
                quote!(columns(a)),
                &quote!(
                    fn f(x: String) {}
                )
            )
            .is_some(),
            "no rows"
        );
    }
}
