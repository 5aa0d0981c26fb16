//! The connection's commit, rollback and update events: `hooks: MyHooks` in
//! `export_extension!`, for a type implementing [`Hooks`].
//!
//! ```
//! use sqlink_sdk::{Events, Hooks, RowChange};
//!
//! struct Audit;
//!
//! impl Hooks for Audit {
//!     const EVENTS: Events = Events { update: true, ..Events::NONE };
//!     fn on_update(change: RowChange, database: &str, table: &str, rowid: i64) {
//!         let _ = (change, database, table, rowid);
//!     }
//! }
//!
//! sqlink_sdk::export_extension! {
//!     name: "audit",
//!     hooks: Audit,
//! }
//! # fn main() {}
//! ```
//!
//! A hook runs inside SQLite's own callback: it may not run SQL (`connection` fails there).

pub use crate::bindings::exports::sqlite::extension::hooks::RowChange;
use crate::bindings::sqlite::extension::types::HookKinds;

/// Which events an extension hears.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Events {
    pub commit: bool,
    pub rollback: bool,
    pub update: bool,
}

impl Events {
    pub const NONE: Events = Events { commit: false, rollback: false, update: false };
    pub const ALL: Events = Events { commit: true, rollback: true, update: true };

    pub(crate) fn to_wit(self) -> HookKinds {
        let mut kinds = HookKinds::empty();
        for (on, kind) in [(self.commit, HookKinds::COMMIT), (self.rollback, HookKinds::ROLLBACK), (self.update, HookKinds::UPDATE)] {
            if on {
                kinds = kinds | kind;
            }
        }
        kinds
    }
}

/// The events of the connection an extension is loaded on. Only those in `EVENTS` are
/// delivered; the others keep their default no-op.
pub trait Hooks {
    const EVENTS: Events;

    /// Before a commit: true turns it into a rollback.
    fn on_commit() -> bool {
        false
    }

    /// After a rollback.
    fn on_rollback() {}

    /// After a row of a rowid table changed.
    fn on_update(change: RowChange, database: &str, table: &str, rowid: i64) {
        let _ = (change, database, table, rowid);
    }
}

/// What `export_extension!` keeps of a [`Hooks`] type.
#[derive(Debug, Clone, Copy)]
pub struct HooksDef {
    pub events: Events,
    pub commit: fn() -> bool,
    pub rollback: fn(),
    pub update: fn(RowChange, &str, &str, i64),
}

impl HooksDef {
    pub const NONE: HooksDef = HooksDef { events: Events::NONE, commit: || false, rollback: || {}, update: |_, _, _, _| {} };

    pub const fn of<H: Hooks>() -> HooksDef {
        HooksDef { events: H::EVENTS, commit: H::on_commit, rollback: H::on_rollback, update: H::on_update }
    }
}
