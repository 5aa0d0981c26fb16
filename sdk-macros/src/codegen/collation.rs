//! `#[sqlite_collation]`: `fn(&str, &str) -> Ordering` becomes a collating sequence.

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};
use syn::spanned::Spanned;

use super::options::{Options, Target};
use super::params::{Params, check_generics, classify};
use super::{collation_def_ident, doc_line};

/// Everything `#[sqlite_collation]` emits, checked.
pub struct CollationModel {
    /// The function as written, kept.
    pub function: syn::ItemFn,
    pub sql_name: String,
    pub doc: String,
}

impl CollationModel {
    pub fn parse(attr: TokenStream, item: TokenStream) -> syn::Result<CollationModel> {
        let options = Options::parse(attr, Target::Collation)?;
        let function: syn::ItemFn = syn::parse2(item).map_err(|e| syn::Error::new(e.span(), "#[sqlite_collation] goes on a function"))?;
        let sig = &function.sig;
        check_generics(&sig.generics, "a collation")?;
        // Point at the part that is wrong: `async`, the parameter list, or the whole signature
        // when the return type is missing.
        let wrong_shape = |span: proc_macro2::Span| syn::Error::new(span, "a collation is `fn(a: &str, b: &str) -> std::cmp::Ordering`");
        if let Some(asyncness) = &sig.asyncness {
            return Err(wrong_shape(asyncness.span()));
        }
        match classify(&sig.inputs, "a collation", false)? {
            Params::Fixed(types) if types.len() == 2 => {}
            _ => return Err(wrong_shape(sig.paren_token.span.join())),
        }
        if matches!(sig.output, syn::ReturnType::Default) {
            return Err(syn::Error::new_spanned(sig, "a collation is `fn(a: &str, b: &str) -> std::cmp::Ordering`; add the return type"));
        }
        Ok(CollationModel { sql_name: options.sql_name(sig.ident.to_string()), doc: doc_line(&function.attrs), function })
    }
}

impl ToTokens for CollationModel {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        let CollationModel { function, sql_name, doc } = self;
        let ident = &function.sig.ident;
        let def_ident = collation_def_ident(ident);
        let vis = &function.vis;
        tokens.extend(quote! {
            #function

            #[doc(hidden)]
            #[allow(non_upper_case_globals)]
            #vis const #def_ident: ::sqlink_sdk::CollationDef = ::sqlink_sdk::CollationDef {
                name: #sql_name,
                doc: #doc,
                compare: #ident,
            };
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(attr: TokenStream, item: TokenStream) -> Option<String> {
        CollationModel::parse(attr, item).err().map(|e| e.to_string())
    }

    #[test]
    fn the_model_has_the_name_and_doc() {
        let m = CollationModel::parse(
            quote!(),
            quote! {
                /// Snakes first.
                fn snake(a: &str, b: &str) -> std::cmp::Ordering { a.cmp(b) }
            },
        )
        .unwrap();
        assert_eq!((m.sql_name.as_str(), m.doc.as_str()), ("snake", "Snakes first."));
        let m = CollationModel::parse(
            quote!(name = "nocase_ascii"),
            quote!(
                fn nocase(a: &str, b: &str) -> Ordering {
                    a.cmp(b)
                }
            ),
        )
        .unwrap();
        assert_eq!(m.sql_name, "nocase_ascii");
        assert!(m.into_token_stream().to_string().contains("const __sqlink_collation_nocase"));
    }

    #[test]
    fn accepts_two_strs_to_ordering_only() {
        let shape = Some("a collation is `fn(a: &str, b: &str) -> std::cmp::Ordering`".to_owned());
        assert_eq!(
            error(
                quote!(),
                quote!(
                    fn c(a: &str) -> Ordering {
                        todo!()
                    }
                )
            ),
            shape
        );
        assert_eq!(
            error(
                quote!(),
                quote!(
                    async fn c(a: &str, b: &str) -> Ordering {
                        todo!()
                    }
                )
            ),
            shape
        );
        assert!(
            error(
                quote!(),
                quote!(
                    fn c(a: &str, b: &str) {}
                )
            )
            .is_some_and(|e| e.ends_with("add the return type"))
        );
        assert!(
            error(
                quote!(deterministic),
                quote!(
                    fn c(a: &str, b: &str) -> Ordering {
                        todo!()
                    }
                )
            )
            .is_some()
        );
    }
}
