//! Code generation for the SDK's attributes, over `proc_macro2` tokens.
//!
//! Each macro is parse → model → emit: parsing builds a model (`ScalarModel`,
//! `AggregateModel`, …) and does all the checking, so every error is found there, at its
//! span; emission (`ToTokens` on the model) reads only the model and cannot fail.

mod aggregate;
mod collation;
mod export;
mod options;
mod params;
mod returns;
mod scalar;
mod table;

use proc_macro2::TokenStream;
use quote::ToTokens;

pub fn scalar(attr: TokenStream, item: TokenStream) -> TokenStream {
    or_error(scalar::ScalarModel::parse(attr, item.clone()), item)
}

pub fn aggregate(attr: TokenStream, item: TokenStream) -> TokenStream {
    or_error(aggregate::AggregateModel::parse(attr, item.clone()), item)
}

pub fn collation(attr: TokenStream, item: TokenStream) -> TokenStream {
    or_error(collation::CollationModel::parse(attr, item.clone()), item)
}

pub fn table_function(attr: TokenStream, item: TokenStream) -> TokenStream {
    or_error(table::TableFunctionModel::parse(attr, item.clone()), item)
}

/// The model's code; on an error, the item is kept as written beside it: the author's
/// mistake is then the error reported, not every use of an item that has disappeared.
fn or_error(model: syn::Result<impl ToTokens>, item: TokenStream) -> TokenStream {
    model.map_or_else(
        |error| {
            let mut tokens = error.into_compile_error();
            tokens.extend(item);
            tokens
        },
        |model| model.into_token_stream(),
    )
}

pub fn export_extension(input: TokenStream) -> TokenStream {
    syn::parse2::<export::ExportModel>(input).map_or_else(syn::Error::into_compile_error, |model| model.into_token_stream())
}

/// The hidden constant `#[sqlite_scalar] fn f` defines next to `f`, and
/// `export_extension!` refers to. A distinct name keeps the function's own name free
/// (an extension may call its function `uuid` and still use the `uuid` crate).
fn scalar_def_ident(function: &syn::Ident) -> syn::Ident {
    quote::format_ident!("__sqlink_scalar_{}", function)
}

fn collation_def_ident(function: &syn::Ident) -> syn::Ident {
    quote::format_ident!("__sqlink_collation_{}", function)
}

fn table_def_ident(function: &syn::Ident) -> syn::Ident {
    quote::format_ident!("__sqlink_table_{}", function)
}

/// The rule every host checks metadata with, so that what the macros accept loads.
use sqlink_rules::metadata::is_identifier as is_sql_identifier;

/// The doc comment as one line: the first paragraph, lines joined by spaces.
fn doc_line(attrs: &[syn::Attribute]) -> String {
    let mut lines = Vec::new();
    for attr in attrs {
        if !attr.path().is_ident("doc") {
            continue;
        }
        if let syn::Meta::NameValue(nv) = &attr.meta
            && let syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. }) = &nv.value
        {
            let line = s.value();
            let line = line.trim();
            if line.is_empty() && !lines.is_empty() {
                break;
            }
            if !line.is_empty() {
                lines.push(line.to_owned());
            }
        }
    }
    lines.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    #[test]
    fn doc_line_keeps_the_first_paragraph() {
        let item: syn::ItemFn = syn::parse2(quote! {
            /// Hash a value
            /// with md5.
            ///
            /// Details nobody reads.
            fn f() {}
        })
        .unwrap();
        assert_eq!(doc_line(&item.attrs), "Hash a value with md5.");
    }
}
