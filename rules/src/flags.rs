//! A registered function's flags, as one type whose bits are SQLite's own constants, so
//! that every host hands them to SQLite as they are instead of translating each flag.

use std::ops::{BitOr, BitOrAssign};

/// The flags an extension may give a function: `bits()` is what `sqlite3_create_function_v2`
/// takes (with the text encoding added by the host).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct FunctionFlags(i32);

impl FunctionFlags {
    /// `SQLITE_DETERMINISTIC`: the same arguments always give the same result.
    pub const DETERMINISTIC: FunctionFlags = FunctionFlags(0x800);
    /// `SQLITE_DIRECTONLY`: only top-level SQL may call it, not triggers, views or schema.
    pub const DIRECT_ONLY: FunctionFlags = FunctionFlags(0x80000);
    /// `SQLITE_INNOCUOUS`: harmless even when misused, so schema and triggers may call it.
    pub const INNOCUOUS: FunctionFlags = FunctionFlags(0x200000);

    pub const fn empty() -> FunctionFlags {
        FunctionFlags(0)
    }

    /// The flags by name, as every WIT binding of the contract's `function-flags` spells them.
    pub const fn from_bools(deterministic: bool, direct_only: bool, innocuous: bool) -> FunctionFlags {
        let mut bits = 0;
        if deterministic {
            bits |= FunctionFlags::DETERMINISTIC.0;
        }
        if direct_only {
            bits |= FunctionFlags::DIRECT_ONLY.0;
        }
        if innocuous {
            bits |= FunctionFlags::INNOCUOUS.0;
        }
        FunctionFlags(bits)
    }

    pub const fn bits(self) -> i32 {
        self.0
    }

    /// Whether every flag of `other` is set.
    pub const fn contains(self, other: FunctionFlags) -> bool {
        self.0 & other.0 == other.0
    }
}

impl BitOr for FunctionFlags {
    type Output = FunctionFlags;

    fn bitor(self, other: FunctionFlags) -> FunctionFlags {
        FunctionFlags(self.0 | other.0)
    }
}

impl BitOrAssign for FunctionFlags {
    fn bitor_assign(&mut self, other: FunctionFlags) {
        self.0 |= other.0;
    }
}

#[cfg(test)]
mod tests {
    use super::FunctionFlags;

    #[test]
    fn each_name_sets_its_own_bit() {
        assert_eq!(FunctionFlags::from_bools(false, false, false), FunctionFlags::empty());
        assert_eq!(FunctionFlags::from_bools(true, false, false), FunctionFlags::DETERMINISTIC);
        assert_eq!(FunctionFlags::from_bools(false, true, false), FunctionFlags::DIRECT_ONLY);
        assert_eq!(FunctionFlags::from_bools(false, false, true), FunctionFlags::INNOCUOUS);
        let all = FunctionFlags::from_bools(true, true, true);
        assert_eq!(all, FunctionFlags::DETERMINISTIC | FunctionFlags::DIRECT_ONLY | FunctionFlags::INNOCUOUS);
        assert_eq!(all.bits(), 0x800 | 0x80000 | 0x200000);
    }

    #[test]
    fn contains_asks_for_every_flag_given() {
        let mut flags = FunctionFlags::DETERMINISTIC;
        assert!(flags.contains(FunctionFlags::DETERMINISTIC));
        assert!(!flags.contains(FunctionFlags::INNOCUOUS));
        flags |= FunctionFlags::INNOCUOUS;
        assert!(flags.contains(FunctionFlags::DETERMINISTIC | FunctionFlags::INNOCUOUS));
        assert!(!flags.contains(FunctionFlags::DETERMINISTIC | FunctionFlags::DIRECT_ONLY));
        assert!(flags.contains(FunctionFlags::empty()));
    }
}
