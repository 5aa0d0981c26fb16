//! `export_extension! { name: "…", scalars: [...], aggregates: [...], collations: [...] }`:
//! the extension's definition and its implementation of every exported WIT interface.

use proc_macro2::TokenStream;
use quote::quote;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Expr, Ident, Path, Token, bracketed};

use super::{collation_def_ident, scalar_def_ident, table_def_ident};

struct ExportInput {
    name: Expr,
    version: Option<Expr>,
    scalars: Vec<Path>,
    aggregates: Vec<Path>,
    collations: Vec<Path>,
    table_functions: Vec<Path>,
}

impl Parse for ExportInput {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let mut name = None;
        let mut version = None;
        let (mut scalars, mut aggregates, mut collations, mut table_functions) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        while !input.is_empty() {
            let key: Ident = input.parse()?;
            input.parse::<Token![:]>()?;
            match key.to_string().as_str() {
                "name" => name = Some(input.parse()?),
                "version" => version = Some(input.parse()?),
                "scalars" => scalars = parse_list(input)?,
                "aggregates" => aggregates = parse_list(input)?,
                "collations" => collations = parse_list(input)?,
                "table_functions" => table_functions = parse_list(input)?,
                _ => {
                    return Err(syn::Error::new(
                        key.span(),
                        "expected `name`, `version`, `scalars`, `aggregates`, `collations` or `table_functions`",
                    ));
                }
            }
            if !input.is_empty() {
                input.parse::<Token![,]>()?;
            }
        }
        let name = name.ok_or_else(|| {
            syn::Error::new(proc_macro2::Span::call_site(), "export_extension! needs the extension's name: `name: \"…\",`")
        })?;
        Ok(ExportInput { name, version, scalars, aggregates, collations, table_functions })
    }
}

fn parse_list(input: ParseStream) -> syn::Result<Vec<Path>> {
    let content;
    bracketed!(content in input);
    Ok(Punctuated::<Path, Token![,]>::parse_terminated(&content)?.into_iter().collect())
}

/// `module::f` → `module::__sqlink_scalar_f` (or the collation twin).
fn def_path(path: &Path, rename: fn(&Ident) -> Ident) -> Path {
    let mut path = path.clone();
    if let Some(last) = path.segments.last_mut() {
        last.ident = rename(&last.ident);
    }
    path
}

pub fn expand(input: TokenStream) -> syn::Result<TokenStream> {
    let input: ExportInput = syn::parse2(input)?;
    let name = &input.name;
    let version = match &input.version {
        Some(version) => quote!(#version),
        None => quote!(env!("CARGO_PKG_VERSION")),
    };
    let scalars = input.scalars.iter().map(|p| def_path(p, scalar_def_ident));
    let aggregates = &input.aggregates;
    let collations = input.collations.iter().map(|p| def_path(p, collation_def_ident));
    let table_functions = input.table_functions.iter().map(|p| def_path(p, table_def_ident));

    Ok(quote! {
        const _: () = {
            use ::sqlink_sdk::bindings::exports::sqlite::extension as exports;
            use ::sqlink_sdk::bindings::sqlite::extension::types;
            use ::sqlink_sdk::__private as sdk;

            static EXTENSION: ::sqlink_sdk::ExtensionDef = ::sqlink_sdk::ExtensionDef {
                name: #name,
                version: #version,
                scalars: &[#(#scalars),*],
                aggregates: &[#(<#aggregates as ::sqlink_sdk::AggregateFunction>::DEF),*],
                collations: &[#(#collations),*],
                table_functions: &[#(#table_functions),*],
            };

            struct Extension;

            impl exports::metadata::Guest for Extension {
                fn describe() -> types::ExtensionInfo {
                    sdk::describe(&EXTENSION)
                }
            }
            impl exports::scalar_function::Guest for Extension {
                fn call(
                    id: u32,
                    args: ::std::vec::Vec<types::Value>,
                ) -> ::core::result::Result<types::Value, types::Error> {
                    sdk::scalar_call(&EXTENSION, id, &args)
                }
            }
            impl exports::aggregate_function::Guest for Extension {
                fn step(
                    id: u32,
                    context: u64,
                    args: ::std::vec::Vec<types::Value>,
                ) -> ::core::result::Result<(), types::Error> {
                    sdk::aggregate_step(&EXTENSION, id, context, &args)
                }
                fn value(id: u32, context: u64) -> ::core::result::Result<types::Value, types::Error> {
                    sdk::aggregate_value(&EXTENSION, id, context)
                }
                fn inverse(
                    id: u32,
                    context: u64,
                    args: ::std::vec::Vec<types::Value>,
                ) -> ::core::result::Result<(), types::Error> {
                    sdk::aggregate_inverse(&EXTENSION, id, context, &args)
                }
                fn finalize(id: u32, context: u64) -> ::core::result::Result<types::Value, types::Error> {
                    sdk::aggregate_finalize(&EXTENSION, id, context)
                }
            }
            impl exports::collation::Guest for Extension {
                fn compare(id: u32, a: ::std::string::String, b: ::std::string::String) -> i32 {
                    sdk::collation_compare(&EXTENSION, id, &a, &b)
                }
            }
            impl exports::table_function::Guest for Extension {
                fn open(id: u32, args: ::std::vec::Vec<types::Value>) -> ::core::result::Result<u64, types::Error> {
                    sdk::table_open(&EXTENSION, id, &args)
                }
                fn next(
                    cursor: u64,
                    max_rows: u32,
                ) -> ::core::result::Result<::std::vec::Vec<::std::vec::Vec<types::Value>>, types::Error> {
                    sdk::table_next(cursor, max_rows)
                }
                fn close(cursor: u64) {
                    sdk::table_close(cursor)
                }
            }

            // The component's exports exist only in the WebAssembly build. Their symbol names
            // (`cabi_post_sqlite:extension/…#finalize`) cannot appear in the linker version
            // script of a native cdylib, so exporting them there would break the host build
            // of an extension crate's `["cdylib", "rlib"]` (and so its unit tests).
            #[cfg(target_family = "wasm")]
            ::sqlink_sdk::bindings::__export_extension_world!(Extension with_types_in ::sqlink_sdk::bindings);
        };
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_become_definitions() {
        let out = expand(quote! {
            name: "demo",
            scalars: [a, m::b],
            aggregates: [Sum],
            collations: [c],
        })
        .unwrap()
        .to_string();
        assert!(out.contains("__sqlink_scalar_a"), "{out}");
        assert!(out.contains("m :: __sqlink_scalar_b"), "{out}");
        assert!(out.contains("< Sum as :: sqlink_sdk :: AggregateFunction > :: DEF"), "{out}");
        assert!(out.contains("__sqlink_collation_c"), "{out}");
        assert!(out.contains("CARGO_PKG_VERSION"), "{out}");
    }

    #[test]
    fn name_is_required_and_keys_are_checked() {
        assert!(expand(quote!(scalars: [a])).is_err());
        assert!(expand(quote!(name: "x", functions: [a])).is_err());
    }
}
