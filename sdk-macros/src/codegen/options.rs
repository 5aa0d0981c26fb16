//! `name = "…"`, `deterministic`, `direct_only`, `innocuous`, and for scalars `strict`.

use proc_macro2::TokenStream;
use quote::quote;
use syn::LitStr;

use super::is_sql_identifier;

#[derive(Default)]
pub struct Options {
    pub name: Option<LitStr>,
    pub deterministic: bool,
    pub direct_only: bool,
    pub innocuous: bool,
    /// Never called with a NULL argument: NULL in gives NULL out.
    pub strict: bool,
}

/// What the attribute is on, which decides the options it takes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Scalar,
    Aggregate,
    /// A name only.
    Collation,
}

impl Target {
    fn expected(self) -> &'static str {
        match self {
            Target::Scalar => "`name = \"…\"`, `deterministic`, `direct_only`, `innocuous` or `strict`",
            Target::Aggregate => "`name = \"…\"`, `deterministic`, `direct_only` or `innocuous`",
            Target::Collation => "`name = \"…\"`",
        }
    }
}

impl Options {
    /// Parse the attribute's arguments. An option the target does not take, or one given
    /// twice, is an error at its span.
    pub fn parse(attr: TokenStream, target: Target) -> syn::Result<Options> {
        let mut options = Options::default();
        let with_flags = target != Target::Collation;
        let parser = syn::meta::parser(|meta| {
            if meta.path.is_ident("name") {
                if options.name.is_some() {
                    return Err(meta.error("`name` is given twice"));
                }
                let name: LitStr =
                    meta.value()?.parse().map_err(|e| syn::Error::new(e.span(), "expected a string: name = \"sql_name\""))?;
                if !is_sql_identifier(&name.value()) {
                    return Err(syn::Error::new(
                        name.span(),
                        "a SQL function name must be letters, digits and underscores, not starting with a digit",
                    ));
                }
                options.name = Some(name);
                return Ok(());
            }
            let key = meta.path.get_ident().map(|i| i.to_string());
            let flag = match key.as_deref() {
                Some("deterministic") if with_flags => &mut options.deterministic,
                Some("direct_only") if with_flags => &mut options.direct_only,
                Some("innocuous") if with_flags => &mut options.innocuous,
                Some("strict") if target == Target::Scalar => &mut options.strict,
                _ => return Err(meta.error(format!("unknown option; expected {}", target.expected()))),
            };
            if *flag {
                return Err(meta.error(format!("`{}` is given twice", key.unwrap_or_default())));
            }
            *flag = true;
            Ok(())
        });
        syn::parse::Parser::parse2(parser, attr)?;
        Ok(options)
    }

    pub fn sql_name(&self, default: String) -> String {
        self.name.as_ref().map_or(default, LitStr::value)
    }

    pub fn flags_tokens(&self) -> TokenStream {
        let (d, o, i) = (self.deterministic, self.direct_only, self.innocuous);
        quote! {
            ::sqlink_sdk::FunctionFlags { deterministic: #d, direct_only: #o, innocuous: #i }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_name_and_flags() {
        let o = Options::parse(quote!(name = "my_fn", deterministic, innocuous), Target::Scalar).unwrap();
        assert_eq!(o.sql_name("x".into()), "my_fn");
        assert!(o.deterministic && o.innocuous && !o.direct_only && !o.strict);
        assert!(Options::parse(quote!(strict), Target::Scalar).unwrap().strict);
    }

    #[test]
    fn rejects_unknown_repeated_and_misplaced_options_and_bad_names() {
        let error = |attr, target| Options::parse(attr, target).err().map(|e| e.to_string());
        assert_eq!(
            error(quote!(fast), Target::Scalar).as_deref(),
            Some("unknown option; expected `name = \"…\"`, `deterministic`, `direct_only`, `innocuous` or `strict`")
        );
        assert!(error(quote!(deterministic), Target::Collation).is_some());
        assert!(error(quote!(strict), Target::Aggregate).is_some(), "strict is for scalars");
        assert_eq!(error(quote!(deterministic, deterministic), Target::Scalar).as_deref(), Some("`deterministic` is given twice"));
        assert_eq!(error(quote!(name = "a", name = "b"), Target::Aggregate).as_deref(), Some("`name` is given twice"));
        assert!(error(quote!(name = "1abc"), Target::Scalar).is_some());
        assert!(error(quote!(name = 3), Target::Scalar).is_some());
    }
}
