//! `#[sqlite_aggregate]` on `impl State { fn step…; fn finalize…; [fn value…; fn inverse…] }`.
//!
//! The state type must be `Default`: a fresh state starts each aggregation. States live in
//! a per-aggregate table keyed by the host's aggregation context, so interleaved
//! aggregations (GROUP BY, two aggregates in one query) never share one.

use proc_macro2::TokenStream;
use quote::quote;
use syn::spanned::Spanned;
use syn::{ImplItem, ImplItemFn, ItemImpl};

use super::doc_line;
use super::options::{Options, Target};
use super::params::{check_generics, classify};
use super::returns::{sql_result, step_result};

pub fn expand(attr: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    let options = Options::parse(attr, Target::Aggregate)?;
    let block: ItemImpl =
        syn::parse2(item).map_err(|e| syn::Error::new(e.span(), "#[sqlite_aggregate] goes on an `impl` block of the state type"))?;
    if let Some((_, trait_path, _)) = &block.trait_ {
        return Err(syn::Error::new_spanned(
            trait_path,
            "#[sqlite_aggregate] goes on an inherent `impl State { … }` block, not a trait impl",
        ));
    }
    check_generics(&block.generics, "an aggregate")?;
    if !block.generics.params.is_empty() {
        return Err(syn::Error::new_spanned(&block.generics, "an aggregate's state type cannot have parameters"));
    }
    let self_ty = &*block.self_ty;
    let type_name = match self_ty {
        syn::Type::Path(path) => path.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
    .ok_or_else(|| syn::Error::new_spanned(self_ty, "the state must be a named type"))?;

    let method = |name: &str| {
        block.items.iter().find_map(|item| match item {
            ImplItem::Fn(f) if f.sig.ident == name => Some(f),
            _ => None,
        })
    };
    let missing =
        |name: &str, shape: &str| syn::Error::new_spanned(&block.self_ty, format!("an aggregate needs `{shape}`; `{name}` is missing"));
    let step = method("step").ok_or_else(|| missing("step", "fn step(&mut self, …)"))?;
    let finalize = method("finalize").ok_or_else(|| missing("finalize", "fn finalize(self) -> T"))?;
    let value = method("value");
    let inverse = method("inverse");
    if value.is_some() != inverse.is_some() {
        let present = value.or(inverse).map_or(block.self_ty.span(), |f| f.sig.ident.span());
        return Err(syn::Error::new(present, "a window function needs both `fn value(&self) -> T` and `fn inverse(&mut self, …)`"));
    }

    expect_receiver(step, Receiver::Mut)?;
    expect_receiver(finalize, Receiver::Owned)?;
    let params = classify(&step.sig.inputs, "an aggregate", true)?;
    if let Some(inverse) = inverse {
        expect_receiver(inverse, Receiver::Mut)?;
        let inverse_params = classify(&inverse.sig.inputs, "an aggregate", true)?;
        if inverse_params.arity() != params.arity() {
            return Err(syn::Error::new(inverse.sig.paren_token.span.join(), "`inverse` must take the same arguments as `step`"));
        }
    }
    if let Some(value) = value {
        expect_receiver(value, Receiver::Shared)?;
    }
    let sql_name = options.sql_name(snake_case(&type_name));
    let arity = params.arity();
    let flags = options.flags_tokens();
    let doc = doc_line(&block.attrs);
    let (bindings, passed) = params.conversions(&sql_name);

    let step_call = step_result(&step.sig.ident, &step.sig.output, quote!(state.step(#(#passed),*)))?;
    let finalize_call = sql_result(&finalize.sig.output, quote!(state.finalize()));
    let window_fns = match (value, inverse) {
        (Some(value), Some(inverse)) => {
            let value_call = sql_result(&value.sig.output, quote!(state.value()));
            let (inverse_bindings, inverse_passed) = classify(&inverse.sig.inputs, "an aggregate", true)?.conversions(&sql_name);
            let inverse_call = step_result(&inverse.sig.ident, &inverse.sig.output, quote!(state.inverse(#(#inverse_passed),*)))?;
            quote! {
                fn value(context: u64) -> ::core::result::Result<::sqlink_sdk::Value, ::sqlink_sdk::Error> {
                    STATES.with(|states| states.inspect(context, |state| #value_call))
                }
                fn inverse(
                    context: u64,
                    args: &[::sqlink_sdk::Value],
                ) -> ::core::result::Result<(), ::sqlink_sdk::Error> {
                    #inverse_bindings
                    STATES.with(|states| {
                        states.update(context, |state| #inverse_call)
                    })
                }
                (::core::option::Option::Some(value as _), ::core::option::Option::Some(inverse as _))
            }
        }
        _ => quote!((::core::option::Option::None, ::core::option::Option::None)),
    };

    Ok(quote! {
        #block

        impl ::sqlink_sdk::AggregateFunction for #self_ty {
            const DEF: ::sqlink_sdk::AggregateDef = {
                ::std::thread_local! {
                    static STATES: ::sqlink_sdk::__private::AggregateStates<#self_ty> =
                        ::sqlink_sdk::__private::AggregateStates::new();
                }
                fn step(
                    context: u64,
                    args: &[::sqlink_sdk::Value],
                ) -> ::core::result::Result<(), ::sqlink_sdk::Error> {
                    #bindings
                    STATES.with(|states| states.update(context, |state| #step_call))
                }
                fn finalize(context: u64) -> ::core::result::Result<::sqlink_sdk::Value, ::sqlink_sdk::Error> {
                    let state = STATES.with(|states| states.take(context));
                    #finalize_call
                }
                let (value, inverse) = { #window_fns };
                ::sqlink_sdk::AggregateDef {
                    name: #sql_name,
                    arity: #arity,
                    flags: #flags,
                    doc: #doc,
                    step,
                    finalize,
                    value,
                    inverse,
                }
            };
        }
    })
}

enum Receiver {
    Owned,
    Shared,
    Mut,
}

fn expect_receiver(method: &ImplItemFn, expected: Receiver) -> syn::Result<()> {
    let receiver = method.sig.receiver();
    let ok = match (receiver, &expected) {
        (Some(r), Receiver::Owned) => r.reference.is_none(),
        (Some(r), Receiver::Shared) => r.reference.is_some() && r.mutability.is_none(),
        (Some(r), Receiver::Mut) => r.reference.is_some() && r.mutability.is_some(),
        (None, _) => false,
    };
    if ok {
        return Ok(());
    }
    let shape = match expected {
        Receiver::Owned => "self",
        Receiver::Shared => "&self",
        Receiver::Mut => "&mut self",
    };
    // Point at the receiver that is wrong, or at the parameter list that lacks one.
    let message = format!("`{}` must take `{shape}`", method.sig.ident);
    Err(match receiver {
        Some(receiver) => syn::Error::new_spanned(receiver, message),
        None => syn::Error::new(method.sig.paren_token.span.join(), message),
    })
}

/// `Md5Agg` → `md5_agg`, `HTTPCount` → `http_count`.
fn snake_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_uppercase() {
            let prev_lower = i > 0 && (chars[i - 1].is_lowercase() || chars[i - 1].is_ascii_digit());
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            if i > 0 && (prev_lower || (next_lower && chars[i - 1].is_uppercase())) {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case_names() {
        assert_eq!(snake_case("Md5Agg"), "md5_agg");
        assert_eq!(snake_case("HTTPCount"), "http_count");
        assert_eq!(snake_case("Median"), "median");
    }

    #[test]
    fn window_needs_value_and_inverse() {
        let only_value = quote! {
            impl Sum {
                fn step(&mut self, x: i64) {}
                fn finalize(self) -> i64 { 0 }
                fn value(&self) -> i64 { 0 }
            }
        };
        assert!(expand(quote!(), only_value).is_err());
        let window = quote! {
            impl Sum {
                fn step(&mut self, x: i64) {}
                fn inverse(&mut self, x: i64) {}
                fn value(&self) -> i64 { 0 }
                fn finalize(self) -> i64 { 0 }
            }
        };
        let out = expand(quote!(), window).unwrap().to_string();
        assert!(out.contains("name : \"sum\""), "{out}");
        assert!(out.contains("Some (value as _)"), "{out}");
    }

    #[test]
    fn receivers_are_checked() {
        let bad = quote! {
            impl Sum {
                fn step(&self, x: i64) {}
                fn finalize(self) -> i64 { 0 }
            }
        };
        assert!(expand(quote!(), bad).is_err());
    }
}
