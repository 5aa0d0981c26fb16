//! `#[sqlite_aggregate]` on `impl State { fn step…; fn finalize…; [fn value…; fn inverse…] }`;
//! a window function (with `value` and `inverse`) may leave out `finalize`, which then
//! calls `value`.
//!
//! The state type must be `Default`: a fresh state starts each aggregation. States live in
//! a per-aggregate table keyed by the host's aggregation context, so interleaved
//! aggregations (GROUP BY, two aggregates in one query) never share one.

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};
use syn::spanned::Spanned;
use syn::{ImplItem, ImplItemFn, ItemImpl};

use super::doc_line;
use super::options::{Flags, Options, Target};
use super::params::{Params, check_generics, classify};
use super::returns::{Returns, StepReturns};

/// Everything `#[sqlite_aggregate]` emits, checked.
pub struct AggregateModel {
    /// The `impl` block as written, kept.
    pub block: ItemImpl,
    pub sql_name: String,
    pub flags: Flags,
    pub doc: String,
    /// `step`'s SQL arguments, which are also the function's.
    pub params: Params,
    /// No SQLite conversion of the arguments.
    pub exact_types: bool,
    pub step: StepReturns,
    pub kind: Kind,
}

pub enum Kind {
    /// `step` and `finalize`.
    Aggregate { finalize: Returns },
    /// `value` and `inverse` as well. Without `finalize` (`None`), `value` gives the final
    /// result too.
    Window {
        finalize: Option<Returns>,
        value: Returns,
        /// The same arity as `step`'s; converted by their own types.
        inverse_params: Params,
        inverse: StepReturns,
    },
}

impl AggregateModel {
    pub fn parse(attr: TokenStream, item: TokenStream) -> syn::Result<AggregateModel> {
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
        let type_name = match &*block.self_ty {
            syn::Type::Path(path) => path.path.segments.last().map(|s| s.ident.to_string()),
            _ => None,
        }
        .ok_or_else(|| syn::Error::new_spanned(&block.self_ty, "the state must be a named type"))?;

        let method = |name: &str| {
            block.items.iter().find_map(|item| match item {
                ImplItem::Fn(f) if f.sig.ident == name => Some(f),
                _ => None,
            })
        };
        let missing =
            |name: &str, shape: &str| syn::Error::new_spanned(&block.self_ty, format!("an aggregate needs `{shape}`; `{name}` is missing"));
        let step = method("step").ok_or_else(|| missing("step", "fn step(&mut self, …)"))?;
        let (value, inverse, finalize) = (method("value"), method("inverse"), method("finalize"));
        // A window function's `value` stands in for a missing `finalize`; nothing else can.
        if finalize.is_none() && value.is_none() {
            return Err(missing("finalize", "fn finalize(self) -> T"));
        }
        if value.is_some() != inverse.is_some() {
            let present = value.or(inverse).map_or(block.self_ty.span(), |f| f.sig.ident.span());
            return Err(syn::Error::new(present, "a window function needs both `fn value(&self) -> T` and `fn inverse(&mut self, …)`"));
        }

        expect_receiver(step, Receiver::Mut)?;
        let finalize = match finalize {
            Some(finalize) => {
                expect_receiver(finalize, Receiver::Owned)?;
                Some(Returns::of(&finalize.sig.output))
            }
            None => None,
        };
        let params = classify(&step.sig.inputs, "an aggregate", true)?;
        let step_returns = StepReturns::of(&step.sig.ident, &step.sig.output)?;
        let kind = match (value, inverse) {
            (Some(value), Some(inverse)) => {
                expect_receiver(inverse, Receiver::Mut)?;
                let inverse_params = classify(&inverse.sig.inputs, "an aggregate", true)?;
                if inverse_params.arity() != params.arity() {
                    return Err(syn::Error::new(inverse.sig.paren_token.span.join(), "`inverse` must take the same arguments as `step`"));
                }
                expect_receiver(value, Receiver::Shared)?;
                Kind::Window {
                    finalize,
                    value: Returns::of(&value.sig.output),
                    inverse_params,
                    inverse: StepReturns::of(&inverse.sig.ident, &inverse.sig.output)?,
                }
            }
            _ => Kind::Aggregate { finalize: finalize.ok_or_else(|| missing("finalize", "fn finalize(self) -> T"))? },
        };
        Ok(AggregateModel {
            sql_name: options.sql_name(snake_case(&type_name)),
            flags: options.flags,
            doc: doc_line(&block.attrs),
            step: step_returns,
            params,
            exact_types: options.exact_types,
            kind,
            block,
        })
    }
}

impl ToTokens for AggregateModel {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        let AggregateModel { block, sql_name, flags, doc, params, exact_types, step, kind } = self;
        let self_ty = &block.self_ty;
        let arity = params.arity();
        let (bindings, passed) = params.conversions(sql_name, *exact_types);
        let step_call = step.step_result(quote!(state.step(#(#passed),*)));
        let (finalize_call, window_fns) = match kind {
            Kind::Aggregate { finalize } => {
                (finalize.sql_result(quote!(state.finalize())), quote!((::core::option::Option::None, ::core::option::Option::None)))
            }
            Kind::Window { finalize, value, inverse_params, inverse } => {
                let finalize_call = match finalize {
                    Some(finalize) => finalize.sql_result(quote!(state.finalize())),
                    None => value.sql_result(quote!(state.value())),
                };
                let value_call = value.sql_result(quote!(state.value()));
                let (inverse_bindings, inverse_passed) = inverse_params.conversions(sql_name, *exact_types);
                let inverse_call = inverse.step_result(quote!(state.inverse(#(#inverse_passed),*)));
                let window_fns = quote! {
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
                };
                (finalize_call, window_fns)
            }
        };

        tokens.extend(quote! {
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
        });
    }
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

    fn model(attr: TokenStream, item: TokenStream) -> syn::Result<AggregateModel> {
        AggregateModel::parse(attr, item)
    }

    fn error(item: TokenStream) -> Option<String> {
        model(quote!(), item).err().map(|e| e.to_string())
    }

    #[test]
    fn snake_case_names() {
        assert_eq!(snake_case("Md5Agg"), "md5_agg");
        assert_eq!(snake_case("HTTPCount"), "http_count");
        assert_eq!(snake_case("Median"), "median");
    }

    #[test]
    fn a_plain_aggregate() {
        let m = model(
            quote!(name = "total", direct_only),
            quote! {
                /// Add them up.
                impl Sum {
                    fn step(&mut self, x: i64, y: Option<f64>) -> Result<(), Error> { Ok(()) }
                    fn finalize(self) -> i64 { 0 }
                }
            },
        )
        .unwrap();
        assert_eq!((m.sql_name.as_str(), m.params.arity(), m.doc.as_str()), ("total", 2, "Add them up."));
        assert_eq!(m.flags, Flags { deterministic: false, direct_only: true, innocuous: false });
        assert!(matches!(m.step, StepReturns::Result { .. }));
        assert!(matches!(m.kind, Kind::Aggregate { finalize: Returns::Plain(_) }));
    }

    #[test]
    fn a_window_function() {
        let m = model(
            quote!(deterministic),
            quote! {
                impl RunningSum {
                    fn step(&mut self, x: i64) {}
                    fn inverse(&mut self, x: i64) {}
                    fn value(&self) -> i64 { 0 }
                    fn finalize(self) -> Option<i64> { None }
                }
            },
        )
        .unwrap();
        assert_eq!((m.sql_name.as_str(), m.params.arity()), ("running_sum", 1));
        assert!(m.flags.deterministic);
        assert!(matches!(m.step, StepReturns::Unit));
        let Kind::Window { finalize, value, inverse_params, inverse } = m.kind else { panic!("not a window function") };
        assert!(matches!(finalize, Some(Returns::Plain(_))));
        assert!(matches!(value, Returns::Plain(_)));
        assert_eq!(inverse_params.arity(), 1);
        assert!(matches!(inverse, StepReturns::Unit));
    }

    #[test]
    fn a_window_function_without_finalize_finalizes_with_value() {
        let m = model(
            quote!(),
            quote! {
                impl Sum {
                    fn step(&mut self, x: i64) {}
                    fn inverse(&mut self, x: i64) {}
                    fn value(&self) -> Result<i64, Error> { Ok(0) }
                }
            },
        )
        .unwrap();
        // What the generated finalize then returns is checked in tests/pass.
        assert!(matches!(m.kind, Kind::Window { finalize: None, value: Returns::Result { .. }, .. }));
    }

    #[test]
    fn finalize_is_needed_without_value() {
        let missing = Some("an aggregate needs `fn finalize(self) -> T`; `finalize` is missing".to_owned());
        assert_eq!(error(quote!(impl Sum { fn step(&mut self, x: i64) {} })), missing);
        assert_eq!(error(quote!(impl Sum { fn step(&mut self, x: i64) {} fn inverse(&mut self, x: i64) {} })), missing);
    }

    #[test]
    fn window_needs_value_and_inverse_alike() {
        let both = Some("a window function needs both `fn value(&self) -> T` and `fn inverse(&mut self, …)`".to_owned());
        let only_value = quote! {
            impl Sum {
                fn step(&mut self, x: i64) {}
                fn finalize(self) -> i64 { 0 }
                fn value(&self) -> i64 { 0 }
            }
        };
        assert_eq!(error(only_value), both);
        assert_eq!(error(quote!(impl Sum { fn step(&mut self, x: i64) {} fn value(&self) -> i64 { 0 } })), both);
        let other_arity = quote! {
            impl Sum {
                fn step(&mut self, x: i64) {}
                fn inverse(&mut self) {}
                fn value(&self) -> i64 { 0 }
            }
        };
        assert_eq!(error(other_arity).as_deref(), Some("`inverse` must take the same arguments as `step`"));
    }

    #[test]
    fn receivers_and_step_results_are_checked() {
        let shared_step = quote!(impl Sum { fn step(&self, x: i64) {} fn finalize(self) -> i64 { 0 } });
        assert_eq!(error(shared_step).as_deref(), Some("`step` must take `&mut self`"));
        let borrowed_finalize = quote!(impl Sum { fn step(&mut self, x: i64) {} fn finalize(&self) -> i64 { 0 } });
        assert_eq!(error(borrowed_finalize).as_deref(), Some("`finalize` must take `self`"));
        let inverse_value = quote! {
            impl Sum {
                fn step(&mut self, x: i64) {}
                fn inverse(&mut self, x: i64) -> i64 { 0 }
                fn value(&self) -> i64 { 0 }
            }
        };
        assert!(error(inverse_value).is_some_and(|e| e.starts_with("`inverse` cannot return a value")));
    }

    #[test]
    fn rejects_what_is_not_an_inherent_impl_of_a_named_type() {
        for item in [
            quote!(impl Default for Sum {}),
            quote!(
                impl<T> Sum<T> {}
            ),
            quote!(
                fn f() {}
            ),
            quote!(
                impl (i64, i64) {}
            ),
        ] {
            assert!(error(item.clone()).is_some(), "{item}");
        }
    }
}
