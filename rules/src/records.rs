//! Copies between two types of the same fields: a contract record as two bindings have it
//! (the router's import and export of `dispatch`, which wit-bindgen generates twice), or as a
//! binding and the dispatch bridge have it (`sqlink_dispatch_bridge::contract`'s macros use
//! these). Here, with no dependencies, so that the router (a small wasm component that has
//! no SQLite) and the bridge copy the same way.

/// An index plan field by field into another type of the same fields (the bridge's, or a
/// binding's).
#[doc(hidden)]
#[macro_export]
macro_rules! copy_plan {
    ($plan:expr => $plan_type:path, $usage_type:path) => {{
        type Plan = $plan_type;
        type Usage = $usage_type;
        let plan = $plan;
        Plan {
            usage: plan.usage.iter().map(|u| Usage { argument: u.argument, omit: u.omit }).collect(),
            index_number: plan.index_number,
            index_string: plan.index_string,
            order_by_consumed: plan.order_by_consumed,
            estimated_cost: plan.estimated_cost,
            estimated_rows: plan.estimated_rows,
            unique: plan.unique,
        }
    }};
}

/// A transaction event between two enums of the same variants.
#[doc(hidden)]
#[macro_export]
macro_rules! copy_transaction_event {
    ($event:expr, $from:path => $to:path) => {{
        type Source = $from;
        type Target = $to;
        match $event {
            Source::Begin => Target::Begin,
            Source::Sync => Target::Sync,
            Source::Commit => Target::Commit,
            Source::Rollback => Target::Rollback,
            Source::Savepoint(n) => Target::Savepoint(n),
            Source::Release(n) => Target::Release(n),
            Source::RollbackTo(n) => Target::RollbackTo(n),
        }
    }};
}
