//! The options of the attributes: `name = "…"`, `deterministic`, `direct_only`, `innocuous`,
//! for scalars `strict`, for table functions `columns(…)`. Each attribute takes some of the
//! [`Key`]s; one it does not take, or one given twice, is an error at its span.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote};
use syn::ext::IdentExt;
use syn::punctuated::Punctuated;
use syn::{LitStr, Token};

use super::is_sql_identifier;

/// An option's key, as written in the attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Name,
    Deterministic,
    DirectOnly,
    Innocuous,
    /// Never called with a NULL argument: NULL in gives NULL out.
    Strict,
    /// Arguments are not converted as SQLite converts them: a parameter's type must match.
    ExactTypes,
    Columns,
}

impl Key {
    const ALL: [Key; 7] = [Key::Name, Key::Deterministic, Key::DirectOnly, Key::Innocuous, Key::Strict, Key::ExactTypes, Key::Columns];

    fn as_str(self) -> &'static str {
        match self {
            Key::Name => "name",
            Key::Deterministic => "deterministic",
            Key::DirectOnly => "direct_only",
            Key::Innocuous => "innocuous",
            Key::Strict => "strict",
            Key::ExactTypes => "exact_types",
            Key::Columns => "columns",
        }
    }
}

/// What the attribute is on, which decides the keys it takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Scalar,
    Aggregate,
    /// A name only.
    Collation,
    TableFunction,
}

impl Target {
    fn takes(self, key: Key) -> bool {
        match key {
            Key::Name => true,
            Key::Deterministic | Key::DirectOnly | Key::Innocuous => matches!(self, Target::Scalar | Target::Aggregate),
            Key::Strict => self == Target::Scalar,
            Key::ExactTypes => self != Target::Collation,
            Key::Columns => self == Target::TableFunction,
        }
    }

    fn expected(self) -> &'static str {
        match self {
            Target::Scalar => "`name = \"…\"`, `deterministic`, `direct_only`, `innocuous`, `strict` or `exact_types`",
            Target::Aggregate => "`name = \"…\"`, `deterministic`, `direct_only`, `innocuous` or `exact_types`",
            Target::Collation => "`name = \"…\"`",
            Target::TableFunction => "`columns(…)`, `name = \"…\"` or `exact_types`",
        }
    }
}

/// The flags that reach `sqlite3_create_function_v2`; emitted as `sqlink_sdk::FunctionFlags`.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Flags {
    pub deterministic: bool,
    pub direct_only: bool,
    pub innocuous: bool,
}

impl ToTokens for Flags {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        let Flags { deterministic, direct_only, innocuous } = self;
        tokens.extend(quote! {
            ::sqlink_sdk::FunctionFlags { deterministic: #deterministic, direct_only: #direct_only, innocuous: #innocuous }
        });
    }
}

/// A table function's column, with the span an error about it points at.
#[derive(Debug, Clone)]
pub struct Column {
    pub name: String,
    pub span: Span,
}

/// The options given, each at most once and each one the target takes.
#[derive(Default)]
pub struct Options {
    pub name: Option<LitStr>,
    pub flags: Flags,
    pub strict: bool,
    /// Arguments must already have their parameters' types (no SQLite conversion).
    pub exact_types: bool,
    /// `None` when `columns(…)` is not given.
    pub columns: Option<Vec<Column>>,
}

impl Options {
    pub fn parse(attr: TokenStream, target: Target) -> syn::Result<Options> {
        let mut options = Options::default();
        let mut seen = Vec::new();
        let parser = syn::meta::parser(|meta| {
            let key = Key::ALL.into_iter().find(|key| meta.path.is_ident(key.as_str()) && target.takes(*key));
            let Some(key) = key else {
                return Err(meta.error(format!("unknown option; expected {}", target.expected())));
            };
            if seen.contains(&key) {
                return Err(meta.error(format!("`{}` is given twice", key.as_str())));
            }
            seen.push(key);
            match key {
                Key::Name => options.name = Some(sql_name(meta.value()?)?),
                Key::Deterministic => options.flags.deterministic = true,
                Key::DirectOnly => options.flags.direct_only = true,
                Key::Innocuous => options.flags.innocuous = true,
                Key::Strict => options.strict = true,
                Key::ExactTypes => options.exact_types = true,
                Key::Columns => {
                    let content;
                    syn::parenthesized!(content in meta.input);
                    options.columns = Some(Punctuated::<Column, Token![,]>::parse_terminated_with(&content, column)?.into_iter().collect());
                }
            }
            Ok(())
        });
        syn::parse::Parser::parse2(parser, attr)?;
        Ok(options)
    }

    /// The SQL name: the one given, or `default`.
    pub fn sql_name(&self, default: String) -> String {
        self.name.as_ref().map_or(default, LitStr::value)
    }
}

fn sql_name(value: syn::parse::ParseStream) -> syn::Result<LitStr> {
    let name: LitStr = value.parse().map_err(|e| syn::Error::new(e.span(), "expected a string: name = \"sql_name\""))?;
    if !is_sql_identifier(&name.value()) {
        return Err(syn::Error::new(name.span(), "a SQL function name must be letters, digits and underscores, not starting with a digit"));
    }
    Ok(name)
}

/// A column name: an identifier (keywords too, e.g. `match`) or a string.
fn column(input: syn::parse::ParseStream) -> syn::Result<Column> {
    if input.peek(LitStr) {
        let lit: LitStr = input.parse()?;
        return Ok(Column { name: lit.value(), span: lit.span() });
    }
    let ident = syn::Ident::parse_any(input)?;
    Ok(Column { name: ident.unraw().to_string(), span: ident.span() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(attr: TokenStream, target: Target) -> Option<String> {
        Options::parse(attr, target).err().map(|e| e.to_string())
    }

    #[test]
    fn parses_name_and_flags() {
        let o = Options::parse(quote!(name = "my_fn", deterministic, innocuous), Target::Scalar).unwrap();
        assert_eq!(o.sql_name("x".into()), "my_fn");
        assert_eq!(o.flags, Flags { deterministic: true, direct_only: false, innocuous: true });
        assert!(!o.strict && o.columns.is_none());
        assert!(Options::parse(quote!(strict), Target::Scalar).unwrap().strict);
        assert_eq!(Options::parse(quote!(), Target::Aggregate).unwrap().sql_name("x".into()), "x");
    }

    #[test]
    fn parses_columns() {
        let o = Options::parse(quote!(columns(match, "end", r#type)), Target::TableFunction).unwrap();
        let names: Vec<_> = o.columns.unwrap().into_iter().map(|c| c.name).collect();
        assert_eq!(names, ["match", "end", "type"]);
    }

    #[test]
    fn rejects_unknown_and_misplaced_options() {
        assert_eq!(
            error(quote!(fast), Target::Scalar).as_deref(),
            Some("unknown option; expected `name = \"…\"`, `deterministic`, `direct_only`, `innocuous`, `strict` or `exact_types`")
        );
        assert!(error(quote!(deterministic), Target::Collation).is_some());
        assert!(error(quote!(strict), Target::Aggregate).is_some(), "strict is for scalars");
        assert!(error(quote!(columns(a)), Target::Scalar).is_some(), "columns are for table functions");
        assert_eq!(
            error(quote!(deterministic), Target::TableFunction).as_deref(),
            Some("unknown option; expected `columns(…)`, `name = \"…\"` or `exact_types`")
        );
    }

    #[test]
    fn rejects_every_repeated_key_on_every_target() {
        for (attr, target, key) in [
            (quote!(deterministic, deterministic), Target::Scalar, "deterministic"),
            (quote!(strict, strict), Target::Scalar, "strict"),
            (quote!(name = "a", name = "b"), Target::Aggregate, "name"),
            (quote!(innocuous, direct_only, innocuous), Target::Aggregate, "innocuous"),
            (quote!(name = "a", name = "a"), Target::Collation, "name"),
            (quote!(columns(a), name = "t", columns(b)), Target::TableFunction, "columns"),
            (quote!(name = "t", columns(a), name = "u"), Target::TableFunction, "name"),
        ] {
            assert_eq!(error(attr, target), Some(format!("`{key}` is given twice")), "{key} on {target:?}");
        }
    }

    #[test]
    fn rejects_bad_names() {
        for target in [Target::Scalar, Target::Aggregate, Target::Collation, Target::TableFunction] {
            assert!(error(quote!(name = "1abc"), target).is_some());
            assert_eq!(error(quote!(name = 3), target).as_deref(), Some("expected a string: name = \"sql_name\""));
        }
    }
}
