//! Mathematical statistics with sqlean's `stats` names: the standard deviation and variance
//! aggregates `stats_stddev` (`stddev`), `stats_stddev_samp` (`stddev_samp`),
//! `stats_stddev_pop` (`stddev_pop`), `stats_var` (`variance`), `stats_var_samp`
//! (`var_samp`), `stats_var_pop` (`var_pop`); the percentiles `stats_median` (`median`),
//! `stats_p25`/`p75`/`p90`/`p95`/`p99` (`percentile_25` ... `percentile_99`) and
//! `stats_perc(x, p)` (`percentile`); and the table function `stats_seq(start, stop, step)`
//! (`generate_series`).
//!
//! As in sqlean: the deviation aggregates take every non-NULL value as SQLite's
//! `sqlite3_value_double` reads it (text by its numeric prefix) and give 0.0 for fewer than
//! two values; the percentiles ignore NULL, refuse any other non-number and infinity, and
//! give NULL for no values. The deviation aggregates are also window functions here (in
//! sqlean they are not); the percentiles are not.

mod series;

pub use series::{Series, stats_seq};
use sqlink_sdk::{ArgError, Error, Value, export_extension, sqlite_aggregate};

/// Count, mean and sum of squared deviations, by Welford's algorithm with sqlean's exact
/// arithmetic (so aggregates give the same bits), and its inverse for window frames.
///
/// Infinite values are only counted: sqlean's arithmetic turns any of them into NaN (NULL)
/// once there are two values, and counting them lets a window recover when they leave.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Moments {
    /// Finite values.
    n: u64,
    /// 0.0 until the first removal, so that `x - shift` is `x` and aggregates keep sqlean's
    /// bits; then the mean at that moment, so that a long run of additions and removals
    /// works with small numbers and its rounding stays small.
    shift: f64,
    /// The mean of `x - shift` over the finite values.
    mean: f64,
    /// Σ (x - mean)² over the finite values.
    m2: f64,
    non_finite: u64,
}

impl Moments {
    pub fn add(&mut self, x: Option<f64>) {
        let Some(x) = x else { return };
        if !x.is_finite() {
            self.non_finite += 1;
            return;
        }
        let x = x - self.shift;
        self.n += 1;
        let delta = x - self.mean;
        self.mean += delta / self.n as f64;
        self.m2 += delta * (x - self.mean);
    }

    /// Undo `add(x)` for an `x` that was added.
    pub fn remove(&mut self, x: Option<f64>) {
        let Some(x) = x else { return };
        if !x.is_finite() {
            self.non_finite = self.non_finite.saturating_sub(1);
            return;
        }
        match self.n {
            0 => {}
            // Back to exactly empty, whatever rounding has accumulated.
            1 => *self = Moments { non_finite: self.non_finite, ..Moments::default() },
            n => {
                if self.shift == 0.0 {
                    // Rebase on the current mean: the spread does not change.
                    self.shift = self.mean;
                    self.mean = 0.0;
                }
                let x = x - self.shift;
                let rest = (n - 1) as f64;
                let old_mean = self.mean;
                self.mean -= (x - old_mean) / rest;
                // add(x) on the smaller set did m2 += (x - mean_before) * (x - mean_after).
                self.m2 -= (x - self.mean) * (x - old_mean);
                self.n -= 1;
                // One value has no spread; rounding must not leave a negative or stray one.
                if self.n == 1 || self.m2 < 0.0 {
                    self.m2 = 0.0;
                }
            }
        }
    }

    /// Σ (x - mean)² / (n - ddof); 0.0 for fewer than two values (sqlean's answer), NULL
    /// where sqlean's arithmetic gives NaN.
    fn variance(&self, ddof: u64) -> Option<f64> {
        if self.n + self.non_finite <= 1 {
            return Some(0.0);
        }
        if self.non_finite > 0 {
            return None;
        }
        let v = self.m2 / (self.n - ddof) as f64;
        (!v.is_nan()).then_some(v)
    }

    pub fn var_samp(&self) -> Option<f64> {
        self.variance(1)
    }

    pub fn var_pop(&self) -> Option<f64> {
        self.variance(0)
    }

    pub fn stddev_samp(&self) -> Option<f64> {
        // sqrt of a negative (an overflow to -inf) is NaN: NULL.
        self.var_samp().map(f64::sqrt).filter(|v| !v.is_nan())
    }

    pub fn stddev_pop(&self) -> Option<f64> {
        self.var_pop().map(f64::sqrt).filter(|v| !v.is_nan())
    }
}

/// One window aggregate over [`Moments`]: a type, its SQL name, its doc and its statistic.
/// Each SQL name has its own type, so that errors name the function that was called.
macro_rules! moment_aggregate {
    ($ty:ident, $name:literal, $doc:literal, $statistic:ident) => {
        #[doc = concat!("`", $name, "(x)`.")]
        #[derive(Debug, Default)]
        pub struct $ty(Moments);

        #[doc = $doc]
        #[sqlite_aggregate(name = $name, deterministic, innocuous)]
        impl $ty {
            // `Option<f64>`: every non-NULL value counts, as `sqlite3_value_double` reads it.
            pub fn step(&mut self, x: Option<f64>) {
                self.0.add(x);
            }
            pub fn inverse(&mut self, x: Option<f64>) {
                self.0.remove(x);
            }
            // Also the final result: the attribute's `finalize` defaults to `value`.
            pub fn value(&self) -> Option<f64> {
                self.0.$statistic()
            }
        }
    };
}

moment_aggregate!(
    StatsStddev,
    "stats_stddev",
    "The sample standard deviation of the non-NULL values; 0.0 for fewer than two.",
    stddev_samp
);
moment_aggregate!(
    StatsStddevSamp,
    "stats_stddev_samp",
    "The sample standard deviation of the non-NULL values; 0.0 for fewer than two.",
    stddev_samp
);
moment_aggregate!(
    StatsStddevPop,
    "stats_stddev_pop",
    "The population standard deviation of the non-NULL values; 0.0 for fewer than two.",
    stddev_pop
);
moment_aggregate!(StatsVar, "stats_var", "The sample variance of the non-NULL values; 0.0 for fewer than two.", var_samp);
moment_aggregate!(StatsVarSamp, "stats_var_samp", "The sample variance of the non-NULL values; 0.0 for fewer than two.", var_samp);
moment_aggregate!(StatsVarPop, "stats_var_pop", "The population variance of the non-NULL values; 0.0 for fewer than two.", var_pop);
moment_aggregate!(Stddev, "stddev", "The sample standard deviation of the non-NULL values; 0.0 for fewer than two.", stddev_samp);
moment_aggregate!(StddevSamp, "stddev_samp", "The sample standard deviation of the non-NULL values; 0.0 for fewer than two.", stddev_samp);
moment_aggregate!(StddevPop, "stddev_pop", "The population standard deviation of the non-NULL values; 0.0 for fewer than two.", stddev_pop);
moment_aggregate!(Variance, "variance", "The sample variance of the non-NULL values; 0.0 for fewer than two.", var_samp);
moment_aggregate!(VarSamp, "var_samp", "The sample variance of the non-NULL values; 0.0 for fewer than two.", var_samp);
moment_aggregate!(VarPop, "var_pop", "The population variance of the non-NULL values; 0.0 for fewer than two.", var_pop);

/// The values of a percentile aggregate and its `p`, kept as sqlean keeps them.
#[derive(Debug, Clone, Default)]
pub struct Sample {
    values: Vec<f64>,
    /// `p + 1.0` of the first row, 0.0 before it: sqlean stores it so, and computes the rank
    /// from `(p + 1.0) - 1.0`, which is not always `p` (0.1 gives 0.10000000000000009).
    p_plus_one: f64,
}

impl Sample {
    /// One row: `x` of `function` (named in errors) at percentile `p`. `p` must be the same
    /// on every row (within 0.001, as in sqlean); NULL is skipped; anything but a finite
    /// integer or real is an error.
    pub fn push(&mut self, x: &Value, function: &str, p: f64) -> Result<(), Error> {
        if self.p_plus_one == 0.0 {
            self.p_plus_one = p + 1.0;
        } else if !((self.p_plus_one - (p + 1.0)) >= -0.001 && (self.p_plus_one - (p + 1.0)) <= 0.001) {
            let first = self.p_plus_one - 1.0;
            return Err(Error::new(format!("{function}(): argument 2 must be the same for all rows, got {first} and {p}")));
        }
        let x = match *x {
            Value::Null => return Ok(()),
            Value::Integer(i) => i as f64,
            Value::Real(r) => r,
            // Text is not read as a number here (sqlean: "not numeric").
            ref other => return Err(ArgError::new("a number", other).into_error(function, 1)),
        };
        if x.is_infinite() {
            return Err(Error::new(format!("{function}(): argument 1 must be a finite number, got {x}")));
        }
        self.values.push(x);
        Ok(())
    }

    /// The percentile, interpolated linearly between the closest ranks of the sorted values
    /// with sqlean's arithmetic; NULL if there are no values.
    pub fn percentile(mut self) -> Option<f64> {
        let n = self.values.len();
        if n == 0 {
            return None;
        }
        // No NaN reaches here (SQLite stores none), so the order is total.
        self.values.sort_unstable_by(f64::total_cmp);
        let rank = (self.p_plus_one - 1.0) * (n - 1) as f64 * 0.01;
        // A truncation, as C's cast; `rank` is never negative.
        let below = (rank as usize).min(n - 1);
        let above = if rank == below as f64 || below == n - 1 { below } else { below + 1 };
        let (low, high) = (self.values[below], self.values[above]);
        Some(low + (high - low) * (rank - below as f64))
    }
}

/// The second argument of `stats_perc`/`percentile` as sqlean reads it: an integer or
/// real, or text that is a number as a whole (`' 50 '`, `'5e1'`), from 0 to 100.
fn percent(p: &Value, function: &str) -> Result<f64, Error> {
    let number = match p {
        Value::Integer(i) => Some(*i as f64),
        Value::Real(r) => Some(*r),
        Value::Text(text) => numeric_text(text),
        Value::Null | Value::Blob(_) => None,
    };
    match number {
        Some(p) if (0.0..=100.0).contains(&p) => Ok(p),
        _ => {
            let got = match p {
                Value::Integer(i) => i.to_string(),
                Value::Real(r) => r.to_string(),
                Value::Text(text) => format!("'{text}'"),
                other => other.type_name().to_owned(),
            };
            Err(Error::new(format!("{function}(): argument 2 must be a number between 0 and 100, got {got}")))
        }
    }
}

/// The value of text that SQLite's numeric affinity turns into a number: a decimal number,
/// optionally signed and with an exponent, between optional white space.
fn numeric_text(text: &str) -> Option<f64> {
    let is_space = |c: char| matches!(c, ' ' | '\t' | '\n' | '\x0b' | '\x0c' | '\r');
    let number = text.trim_matches(is_space);
    let bytes = number.as_bytes();
    let mut i = usize::from(matches!(bytes.first(), Some(b'+' | b'-')));
    let digits = |i: &mut usize| {
        let start = *i;
        while bytes.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - start
    };
    let mut mantissa = digits(&mut i);
    if bytes.get(i) == Some(&b'.') {
        i += 1;
        mantissa += digits(&mut i);
    }
    if mantissa == 0 {
        return None;
    }
    if matches!(bytes.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(bytes.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return None;
        }
    }
    if i != bytes.len() {
        return None;
    }
    number.parse().ok()
}

/// A percentile aggregate at a fixed `p`.
macro_rules! fixed_percentile {
    ($ty:ident, $name:literal, $p:literal, $doc:literal) => {
        #[doc = concat!("`", $name, "(x)`.")]
        #[derive(Debug, Default)]
        pub struct $ty(Sample);

        #[doc = $doc]
        #[sqlite_aggregate(name = $name, deterministic, innocuous)]
        impl $ty {
            // `&Value`: the value's own type decides (text is refused, not converted).
            pub fn step(&mut self, x: &Value) -> Result<(), Error> {
                self.0.push(x, $name, $p)
            }
            pub fn finalize(self) -> Option<f64> {
                self.0.percentile()
            }
        }
    };
}

fixed_percentile!(StatsMedian, "stats_median", 50.0, "The median (50th percentile) of the non-NULL values; NULL if there are none.");
fixed_percentile!(StatsP25, "stats_p25", 25.0, "The 25th percentile of the non-NULL values; NULL if there are none.");
fixed_percentile!(StatsP75, "stats_p75", 75.0, "The 75th percentile of the non-NULL values; NULL if there are none.");
fixed_percentile!(StatsP90, "stats_p90", 90.0, "The 90th percentile of the non-NULL values; NULL if there are none.");
fixed_percentile!(StatsP95, "stats_p95", 95.0, "The 95th percentile of the non-NULL values; NULL if there are none.");
fixed_percentile!(StatsP99, "stats_p99", 99.0, "The 99th percentile of the non-NULL values; NULL if there are none.");
fixed_percentile!(Median, "median", 50.0, "The median (50th percentile) of the non-NULL values; NULL if there are none.");
fixed_percentile!(Percentile25, "percentile_25", 25.0, "The 25th percentile of the non-NULL values; NULL if there are none.");
fixed_percentile!(Percentile75, "percentile_75", 75.0, "The 75th percentile of the non-NULL values; NULL if there are none.");
fixed_percentile!(Percentile90, "percentile_90", 90.0, "The 90th percentile of the non-NULL values; NULL if there are none.");
fixed_percentile!(Percentile95, "percentile_95", 95.0, "The 95th percentile of the non-NULL values; NULL if there are none.");
fixed_percentile!(Percentile99, "percentile_99", 99.0, "The 99th percentile of the non-NULL values; NULL if there are none.");

/// A percentile aggregate whose `p` is its second argument.
macro_rules! custom_percentile {
    ($ty:ident, $name:literal) => {
        #[doc = concat!("`", $name, "(x, p)`.")]
        #[derive(Debug, Default)]
        pub struct $ty(Sample);

        /// The p-th percentile (p from 0 to 100, the same on every row) of the non-NULL
        /// values, interpolated between the closest ranks; NULL if there are none.
        #[sqlite_aggregate(name = $name, deterministic, innocuous)]
        impl $ty {
            pub fn step(&mut self, x: &Value, p: &Value) -> Result<(), Error> {
                let p = percent(p, $name)?;
                self.0.push(x, $name, p)
            }
            pub fn finalize(self) -> Option<f64> {
                self.0.percentile()
            }
        }
    };
}

custom_percentile!(StatsPerc, "stats_perc");
custom_percentile!(Percentile, "percentile");

export_extension! {
    name: "stats",
    aggregates: [
        StatsStddev, StatsStddevSamp, StatsStddevPop, StatsVar, StatsVarSamp, StatsVarPop,
        StatsMedian, StatsPerc, StatsP25, StatsP75, StatsP90, StatsP95, StatsP99,
        Stddev, StddevSamp, StddevPop, Variance, VarSamp, VarPop,
        Median, Percentile, Percentile25, Percentile75, Percentile90, Percentile95, Percentile99,
    ],
    table_functions: [series::stats_seq, series::stats_seq as "generate_series"],
}

#[cfg(test)]
mod tests;
