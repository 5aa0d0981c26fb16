//! `name = "…"`, `deterministic`, `direct_only`, `innocuous`.

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
}

impl Options {
    /// Parse the attribute's arguments; `with_flags` is false for collations, which take
    /// only a name.
    pub fn parse(attr: TokenStream, with_flags: bool) -> syn::Result<Options> {
        let mut options = Options::default();
        let parser = syn::meta::parser(|meta| {
            if meta.path.is_ident("name") {
                let name: LitStr = meta.value()?.parse().map_err(|e| {
                    syn::Error::new(e.span(), "expected a string: name = \"sql_name\"")
                })?;
                if !is_sql_identifier(&name.value()) {
                    return Err(syn::Error::new(
                        name.span(),
                        "a SQL function name must be letters, digits and underscores, not starting with a digit",
                    ));
                }
                options.name = Some(name);
                return Ok(());
            }
            let flag = match meta.path.get_ident().map(|i| i.to_string()).as_deref() {
                Some("deterministic") if with_flags => &mut options.deterministic,
                Some("direct_only") if with_flags => &mut options.direct_only,
                Some("innocuous") if with_flags => &mut options.innocuous,
                _ => {
                    let expected = if with_flags {
                        "`name = \"…\"`, `deterministic`, `direct_only` or `innocuous`"
                    } else {
                        "`name = \"…\"`"
                    };
                    return Err(meta.error(format!("unknown option; expected {expected}")));
                }
            };
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
        let o = Options::parse(quote!(name = "my_fn", deterministic, innocuous), true).unwrap();
        assert_eq!(o.sql_name("x".into()), "my_fn");
        assert!(o.deterministic && o.innocuous && !o.direct_only);
    }

    #[test]
    fn rejects_unknown_options_and_bad_names() {
        assert!(Options::parse(quote!(fast), true).is_err());
        assert!(Options::parse(quote!(deterministic), false).is_err());
        assert!(Options::parse(quote!(name = "1abc"), true).is_err());
        assert!(Options::parse(quote!(name = 3), true).is_err());
    }
}
