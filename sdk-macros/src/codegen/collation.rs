//! `#[sqlite_collation]`: `fn(&str, &str) -> Ordering` becomes a collating sequence.

use proc_macro2::TokenStream;
use quote::quote;
use syn::spanned::Spanned;

use super::options::{Options, Target};
use super::params::{Params, check_generics, classify};
use super::{collation_def_ident, doc_line};

pub fn expand(attr: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
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

    let ident = &sig.ident;
    let sql_name = options.sql_name(ident.to_string());
    let doc = doc_line(&function.attrs);
    let def_ident = collation_def_ident(ident);
    let vis = &function.vis;
    Ok(quote! {
        #function

        #[doc(hidden)]
        #[allow(non_upper_case_globals)]
        #vis const #def_ident: ::sqlink_sdk::CollationDef = ::sqlink_sdk::CollationDef {
            name: #sql_name,
            doc: #doc,
            compare: #ident,
        };
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_two_strs_to_ordering_only() {
        let ok = expand(
            quote!(),
            quote!(
                fn snake(a: &str, b: &str) -> std::cmp::Ordering {
                    a.cmp(b)
                }
            ),
        );
        assert!(ok.unwrap().to_string().contains("__sqlink_collation_snake"));
        assert!(
            expand(
                quote!(),
                quote!(
                    fn c(a: &str) -> Ordering {
                        todo!()
                    }
                )
            )
            .is_err()
        );
        assert!(
            expand(
                quote!(),
                quote!(
                    fn c(a: &str, b: &str) {}
                )
            )
            .is_err()
        );
        assert!(
            expand(
                quote!(deterministic),
                quote!(
                    fn c(a: &str, b: &str) -> Ordering {
                        todo!()
                    }
                )
            )
            .is_err()
        );
    }
}
