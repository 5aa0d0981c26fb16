//! `export_extension! { name: "…", scalars: [...], aggregates: [...], collations: [...] }`:
//! the extension's definition and its implementation of every exported WIT interface.

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Expr, Ident, LitStr, Path, Token, bracketed};

use super::{collation_def_ident, is_sql_identifier, scalar_def_ident, table_def_ident};

/// One item of a list: a function (or aggregate type), optionally exported again under
/// another SQL name (`crypto_md5 as "md5"`), as sqlean's short aliases are.
pub struct Entry {
    pub path: Path,
    pub alias: Option<LitStr>,
}

impl Parse for Entry {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let path = input.parse()?;
        if !input.peek(Token![as]) {
            return Ok(Entry { path, alias: None });
        }
        input.parse::<Token![as]>()?;
        let alias: LitStr = input.parse()?;
        if !is_sql_identifier(&alias.value()) {
            return Err(syn::Error::new(
                alias.span(),
                "an alias must be a SQL identifier: letters, digits and `_`, not starting with a digit",
            ));
        }
        Ok(Entry { path, alias: Some(alias) })
    }
}

/// The definition an entry exports: `definition` itself, or a copy under the alias.
fn definition(entry: &Entry, definition: TokenStream, def_type: TokenStream) -> TokenStream {
    match &entry.alias {
        None => definition,
        Some(alias) => quote!(#def_type { name: #alias, ..#definition }),
    }
}

/// Everything `export_extension!` emits: the extension's name and version and what it lists.
pub struct ExportModel {
    pub name: Expr,
    /// `None`: the crate's version.
    pub version: Option<Expr>,
    pub scalars: Vec<Entry>,
    pub aggregates: Vec<Entry>,
    pub collations: Vec<Entry>,
    pub table_functions: Vec<Entry>,
    /// Types implementing `VirtualTable`.
    pub modules: Vec<Entry>,
    /// A type implementing `sqlink_sdk::Hooks`.
    pub hooks: Option<Path>,
}

const KEYS: [&str; 8] = ["name", "version", "scalars", "aggregates", "collations", "table_functions", "modules", "hooks"];

impl Parse for ExportModel {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let mut name = None;
        let mut version = None;
        let (mut scalars, mut aggregates, mut collations, mut table_functions, mut modules) = (None, None, None, None, None);
        let mut hooks = None;
        let mut seen = Vec::new();
        while !input.is_empty() {
            let key: Ident = input.parse()?;
            let key_name = key.to_string();
            if !KEYS.contains(&key_name.as_str()) {
                return Err(syn::Error::new(
                    key.span(),
                    "expected `name`, `version`, `scalars`, `aggregates`, `collations`, `table_functions`, `modules` or `hooks`",
                ));
            }
            // A second list would silently replace the first.
            if seen.contains(&key_name) {
                return Err(syn::Error::new(key.span(), format!("`{key_name}` is given twice")));
            }
            input.parse::<Token![:]>()?;
            match key_name.as_str() {
                "name" => name = Some(input.parse()?),
                "version" => version = Some(input.parse()?),
                "scalars" => scalars = Some(parse_list(input)?),
                "aggregates" => aggregates = Some(parse_list(input)?),
                "collations" => collations = Some(parse_list(input)?),
                "modules" => modules = Some(parse_list(input)?),
                "hooks" => hooks = Some(input.parse()?),
                _ => table_functions = Some(parse_list(input)?),
            }
            seen.push(key_name);
            if !input.is_empty() {
                input.parse::<Token![,]>()?;
            }
        }
        let name = name.ok_or_else(|| {
            syn::Error::new(proc_macro2::Span::call_site(), "export_extension! needs the extension's name: `name: \"…\",`")
        })?;
        Ok(ExportModel {
            name,
            version,
            scalars: scalars.unwrap_or_default(),
            aggregates: aggregates.unwrap_or_default(),
            collations: collations.unwrap_or_default(),
            table_functions: table_functions.unwrap_or_default(),
            modules: modules.unwrap_or_default(),
            hooks,
        })
    }
}

fn parse_list(input: ParseStream) -> syn::Result<Vec<Entry>> {
    let content;
    bracketed!(content in input);
    Ok(Punctuated::<Entry, Token![,]>::parse_terminated(&content)?.into_iter().collect())
}

/// `module::f` → `module::__sqlink_scalar_f` (or the collation twin).
fn def_path(path: &Path, rename: fn(&Ident) -> Ident) -> Path {
    let mut path = path.clone();
    if let Some(last) = path.segments.last_mut() {
        last.ident = rename(&last.ident);
    }
    path
}

impl ToTokens for ExportModel {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        let ExportModel { name, version, scalars, aggregates, collations, table_functions, modules, hooks } = self;
        let hooks = match hooks {
            Some(ty) => quote!(::sqlink_sdk::HooksDef::of::<#ty>()),
            None => quote!(::sqlink_sdk::HooksDef::NONE),
        };
        let version = match version {
            Some(version) => quote!(#version),
            None => quote!(env!("CARGO_PKG_VERSION")),
        };
        let scalars = scalars.iter().map(|e| {
            let def = def_path(&e.path, scalar_def_ident);
            definition(e, quote!(#def), quote!(::sqlink_sdk::ScalarDef))
        });
        let aggregates = aggregates.iter().map(|e| {
            let ty = &e.path;
            definition(e, quote!(<#ty as ::sqlink_sdk::AggregateFunction>::DEF), quote!(::sqlink_sdk::AggregateDef))
        });
        let collations = collations.iter().map(|e| {
            let def = def_path(&e.path, collation_def_ident);
            definition(e, quote!(#def), quote!(::sqlink_sdk::CollationDef))
        });
        let table_functions = table_functions.iter().map(|e| {
            let def = def_path(&e.path, table_def_ident);
            definition(e, quote!(#def), quote!(::sqlink_sdk::TableFunctionDef))
        });

        let modules = modules.iter().map(|e| {
            let ty = &e.path;
            definition(e, quote!(::sqlink_sdk::module::<#ty>()), quote!(::sqlink_sdk::ModuleDef))
        });

        tokens.extend(quote! {
            const _: () = {
                use ::sqlink_sdk::bindings::exports::sqlite::extension as exports;
                use ::sqlink_sdk::bindings::sqlite::extension::types;
                use ::sqlink_sdk::__private as sdk;

                static EXTENSION: ::sqlink_sdk::ExtensionDef = ::sqlink_sdk::ExtensionDef {
                    name: #name,
                    version: #version,
                    scalars: &[#(#scalars),*],
                    aggregates: &[#(#aggregates),*],
                    collations: &[#(#collations),*],
                    table_functions: &[#(#table_functions),*],
                    modules: &[#(#modules),*],
                    hooks: #hooks,
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
                impl exports::scalar_by_arity::Guest for Extension {
                    fn call0(id: u32) -> ::core::result::Result<types::Value, types::Error> {
                        sdk::scalar_call(&EXTENSION, id, &[])
                    }
                    fn call1(id: u32, a: types::Value) -> ::core::result::Result<types::Value, types::Error> {
                        sdk::scalar_call(&EXTENSION, id, &[a])
                    }
                    fn call2(id: u32, a: types::Value, b: types::Value) -> ::core::result::Result<types::Value, types::Error> {
                        sdk::scalar_call(&EXTENSION, id, &[a, b])
                    }
                    fn call3(
                        id: u32,
                        a: types::Value,
                        b: types::Value,
                        c: types::Value,
                    ) -> ::core::result::Result<types::Value, types::Error> {
                        sdk::scalar_call(&EXTENSION, id, &[a, b, c])
                    }
                    fn call4(
                        id: u32,
                        a: types::Value,
                        b: types::Value,
                        c: types::Value,
                        d: types::Value,
                    ) -> ::core::result::Result<types::Value, types::Error> {
                        sdk::scalar_call(&EXTENSION, id, &[a, b, c, d])
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

                impl exports::virtual_table::Guest for Extension {
                    fn create(
                        module: u32,
                        args: ::std::vec::Vec<::std::string::String>,
                    ) -> ::core::result::Result<exports::virtual_table::DeclaredTable, types::Error> {
                        sdk::vtab_create(&EXTENSION, module, args)
                    }
                    fn connect(
                        module: u32,
                        args: ::std::vec::Vec<::std::string::String>,
                    ) -> ::core::result::Result<exports::virtual_table::DeclaredTable, types::Error> {
                        sdk::vtab_connect(&EXTENSION, module, args)
                    }
                    fn best_index(
                        table: u64,
                        info: exports::virtual_table::IndexInfo,
                    ) -> ::core::result::Result<exports::virtual_table::IndexPlan, types::Error> {
                        sdk::vtab_best_index(table, info)
                    }
                    fn open(table: u64) -> ::core::result::Result<u64, types::Error> {
                        sdk::vtab_open(table)
                    }
                    fn filter(
                        cursor: u64,
                        index_number: i32,
                        index_string: ::core::option::Option<::std::string::String>,
                        args: ::std::vec::Vec<types::Value>,
                        max_rows: u32,
                    ) -> ::core::result::Result<::std::vec::Vec<exports::virtual_table::Row>, types::Error> {
                        sdk::vtab_filter(cursor, index_number, index_string, args, max_rows)
                    }
                    fn next(
                        cursor: u64,
                        max_rows: u32,
                    ) -> ::core::result::Result<::std::vec::Vec<exports::virtual_table::Row>, types::Error> {
                        sdk::vtab_next(cursor, max_rows)
                    }
                    fn close(cursor: u64) {
                        sdk::vtab_close(cursor)
                    }
                    fn update(
                        table: u64,
                        change: exports::virtual_table::Change,
                    ) -> ::core::result::Result<i64, types::Error> {
                        sdk::vtab_update(table, change)
                    }
                    fn transaction(
                        table: u64,
                        event: exports::virtual_table::TransactionEvent,
                    ) -> ::core::result::Result<(), types::Error> {
                        sdk::vtab_transaction(table, event)
                    }
                    fn rename(table: u64, new_name: ::std::string::String) -> ::core::result::Result<(), types::Error> {
                        sdk::vtab_rename(table, new_name)
                    }
                    fn disconnect(table: u64) {
                        sdk::vtab_disconnect(table)
                    }
                    fn destroy(table: u64) -> ::core::result::Result<(), types::Error> {
                        sdk::vtab_destroy(table)
                    }
                }
                impl exports::dynamic_function::Guest for Extension {
                    fn call(
                        id: u32,
                        args: ::std::vec::Vec<types::Value>,
                    ) -> ::core::result::Result<types::Value, types::Error> {
                        sdk::dynamic_call(id, &args)
                    }
                }
                impl exports::hooks::Guest for Extension {
                    fn on_commit() -> bool {
                        (EXTENSION.hooks.commit)()
                    }
                    fn on_rollback() {
                        (EXTENSION.hooks.rollback)()
                    }
                    fn on_update(
                        change: exports::hooks::RowChange,
                        database: ::std::string::String,
                        table: ::std::string::String,
                        rowid: i64,
                    ) {
                        (EXTENSION.hooks.update)(change, &database, &table, rowid)
                    }
                }

                // The component's exports exist only in the WebAssembly build. Their symbol names
                // (`cabi_post_sqlite:extension/…#finalize`) cannot appear in the linker version
                // script of a native cdylib, so exporting them there would break the host build
                // of an extension crate's `["cdylib", "rlib"]` (and so its unit tests).
                #[cfg(target_family = "wasm")]
                ::sqlink_sdk::bindings::__export_extension_world!(Extension with_types_in ::sqlink_sdk::bindings);
            };
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(input: TokenStream) -> syn::Result<ExportModel> {
        syn::parse2(input)
    }

    fn names(entries: &[Entry]) -> Vec<String> {
        entries
            .iter()
            .map(|e| match &e.alias {
                None => e.path.to_token_stream().to_string(),
                Some(alias) => format!("{} as {}", e.path.to_token_stream(), alias.value()),
            })
            .collect()
    }

    #[test]
    fn the_model_has_each_list() {
        let m = model(quote! {
            name: "demo",
            scalars: [a, m::b],
            aggregates: [Sum],
            collations: [c],
        })
        .unwrap();
        assert_eq!(m.name.to_token_stream().to_string(), "\"demo\"");
        assert!(m.version.is_none());
        assert_eq!(names(&m.scalars), ["a", "m :: b"]);
        assert_eq!(names(&m.aggregates), ["Sum"]);
        assert_eq!(names(&m.collations), ["c"]);
        assert!(m.table_functions.is_empty());
        let m = model(quote!(name: "demo", version: "1.2.3", table_functions: [words])).unwrap();
        assert_eq!(m.version.map(|v| v.to_token_stream().to_string()).as_deref(), Some("\"1.2.3\""));
        assert_eq!(names(&m.table_functions), ["words"]);
    }

    #[test]
    fn lists_become_definitions() {
        let out = model(quote!(name: "demo", scalars: [m::b], aggregates: [Sum], collations: [c], table_functions: [t]))
            .unwrap()
            .into_token_stream()
            .to_string();
        assert!(out.contains("m :: __sqlink_scalar_b"), "{out}");
        assert!(out.contains("< Sum as :: sqlink_sdk :: AggregateFunction > :: DEF"), "{out}");
        assert!(out.contains("__sqlink_collation_c"), "{out}");
        assert!(out.contains("__sqlink_table_t"), "{out}");
        assert!(out.contains("CARGO_PKG_VERSION"), "{out}");
    }

    #[test]
    fn an_alias_exports_the_same_definition_under_another_name() {
        let m = model(quote!(name: "demo", scalars: [f, f as "g"], aggregates: [Sum as "total"])).unwrap();
        assert_eq!(names(&m.scalars), ["f", "f as g"]);
        assert_eq!(names(&m.aggregates), ["Sum as total"]);
        let out = m.into_token_stream().to_string();
        assert!(out.contains(":: sqlink_sdk :: ScalarDef { name : \"g\" , .. __sqlink_scalar_f }"), "{out}");
        assert!(out.contains("name : \"total\" , .. < Sum as :: sqlink_sdk :: AggregateFunction > :: DEF"), "{out}");
        let error = model(quote!(name: "demo", scalars: [f as "not valid"])).err().map(|e| e.to_string());
        assert!(error.is_some_and(|e| e.starts_with("an alias must be a SQL identifier")));
    }

    #[test]
    fn name_is_required_and_keys_are_checked() {
        let error = |input| model(input).err().map(|e| e.to_string());
        assert_eq!(error(quote!(scalars: [a])).as_deref(), Some("export_extension! needs the extension's name: `name: \"…\",`"));
        assert!(error(quote!(name: "x", functions: [a])).is_some_and(|e| e.starts_with("expected `name`")));
        for (input, key) in [
            (quote!(name: "x", scalars: [a], scalars: [b]), "scalars"),
            (quote!(name: "x", name: "y"), "name"),
            (quote!(name: "x", version: "1", aggregates: [], version: "2"), "version"),
            (quote!(name: "x", table_functions: [t], collations: [], table_functions: [u]), "table_functions"),
        ] {
            assert_eq!(error(input), Some(format!("`{key}` is given twice")));
        }
    }
}
