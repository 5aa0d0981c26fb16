//! Statistics aggregates with the names of sqlean's stats extension: `stddev`/`stddev_samp`,
//! `stddev_pop`, `variance`/`var_samp` and `var_pop` (also window functions), `median(x)` and
//! `percentile(x, p)`.
//!
//! NULL values are ignored; any other non-numeric value is an error. An aggregate with too
//! few values gives NULL: the sample statistics need two, everything else one.

use sqlink_sdk::{Error, export_extension, sqlite_aggregate};

/// Count, mean and sum of squared deviations of a multiset of numbers, by Welford's
/// algorithm, with its exact inverse so that values can also leave (window functions).
/// Infinite values are only counted: while one is present every statistic is NULL.
///
/// The values are shifted by the first one, which changes no variance but keeps the mean
/// small, so that rounding in a long run of additions and removals stays small too.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Moments {
    n: u64,
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
        if self.n == 0 {
            self.shift = x;
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

    /// Σ (x - mean)² / (n - ddof), if at least `min_n` values.
    fn variance(&self, ddof: u64, min_n: u64) -> Option<f64> {
        (self.non_finite == 0 && self.n >= min_n).then(|| self.m2 / (self.n - ddof) as f64)
    }

    pub fn var_samp(&self) -> Option<f64> {
        self.variance(1, 2)
    }

    pub fn var_pop(&self) -> Option<f64> {
        self.variance(0, 1)
    }

    pub fn stddev_samp(&self) -> Option<f64> {
        self.var_samp().map(f64::sqrt)
    }

    pub fn stddev_pop(&self) -> Option<f64> {
        self.var_pop().map(f64::sqrt)
    }
}

/// One window aggregate over [`Moments`]: a type, its SQL name, its doc and its statistic.
macro_rules! moment_aggregate {
    ($(#[doc = $type_doc:literal])* $ty:ident, $name:literal, $doc:literal, $statistic:ident) => {
        $(#[doc = $type_doc])*
        #[derive(Debug, Default)]
        pub struct $ty(Moments);

        #[doc = $doc]
        #[sqlite_aggregate(name = $name, deterministic, innocuous)]
        impl $ty {
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
    /// `stddev(x)`, the same as `stddev_samp(x)`.
    Stddev,
    "stddev",
    "The sample standard deviation of the non-NULL values; NULL for fewer than two.",
    stddev_samp
);
moment_aggregate!(
    /// `stddev_samp(x)`.
    StddevSamp,
    "stddev_samp",
    "The sample standard deviation of the non-NULL values; NULL for fewer than two.",
    stddev_samp
);
moment_aggregate!(
    /// `stddev_pop(x)`.
    StddevPop,
    "stddev_pop",
    "The population standard deviation of the non-NULL values; NULL if there are none.",
    stddev_pop
);
moment_aggregate!(
    /// `variance(x)`, the same as `var_samp(x)`.
    Variance,
    "variance",
    "The sample variance of the non-NULL values; NULL for fewer than two.",
    var_samp
);
moment_aggregate!(
    /// `var_samp(x)`.
    VarSamp,
    "var_samp",
    "The sample variance of the non-NULL values; NULL for fewer than two.",
    var_samp
);
moment_aggregate!(
    /// `var_pop(x)`.
    VarPop,
    "var_pop",
    "The population variance of the non-NULL values; NULL if there are none.",
    var_pop
);

/// The non-NULL values seen so far; a percentile needs all of them.
#[derive(Debug, Clone, Default)]
pub struct Sample {
    values: Vec<f64>,
}

impl Sample {
    /// Keep `x` unless NULL; infinity is an error, as in sqlean (and SQLite's percentile.c).
    pub fn push(&mut self, x: Option<f64>, function: &str) -> Result<(), Error> {
        let Some(x) = x else { return Ok(()) };
        if !x.is_finite() {
            return Err(Error::new(format!("{function}(): argument 1 must be a finite number, got {x}")));
        }
        self.values.push(x);
        Ok(())
    }

    /// The `p`th percentile (0 ≤ p ≤ 100), interpolating linearly between the closest ranks:
    /// with the values sorted, rank `p / 100 · (n - 1)`. NULL if there are no values.
    pub fn percentile(mut self, p: f64) -> Option<f64> {
        let n = self.values.len();
        if n == 0 {
            return None;
        }
        let rank = p / 100.0 * (n - 1) as f64;
        let below = (rank.floor() as usize).min(n - 1);
        let fraction = rank - below as f64;
        let (_, &mut low, above) = self.values.select_nth_unstable_by(below, f64::total_cmp);
        if fraction == 0.0 || above.is_empty() {
            return Some(low);
        }
        let high = above.iter().copied().fold(f64::INFINITY, f64::min);
        Some(low + (high - low) * fraction)
    }
}

/// `median(x)`.
#[derive(Debug, Default)]
pub struct Median(Sample);

/// The median (50th percentile) of the non-NULL values; NULL if there are none.
#[sqlite_aggregate(name = "median", deterministic, innocuous)]
impl Median {
    pub fn step(&mut self, x: Option<f64>) -> Result<(), Error> {
        self.0.push(x, "median")
    }
    pub fn finalize(self) -> Option<f64> {
        self.0.percentile(50.0)
    }
}

/// `percentile(x, p)`.
#[derive(Debug, Default)]
pub struct Percentile {
    sample: Sample,
    /// The `p` of the first row; every row must give the same.
    p: Option<f64>,
}

/// The p-th percentile (p from 0 to 100, the same on every row) of the non-NULL values,
/// interpolated between the closest ranks; NULL if there are none.
#[sqlite_aggregate(name = "percentile", deterministic, innocuous)]
impl Percentile {
    pub fn step(&mut self, x: Option<f64>, p: f64) -> Result<(), Error> {
        if !(0.0..=100.0).contains(&p) {
            return Err(Error::new(format!("percentile(): argument 2 must be a number between 0 and 100, got {p}")));
        }
        match self.p {
            None => self.p = Some(p),
            // The tolerance sqlean allows.
            Some(first) if (first - p).abs() <= 0.001 => {}
            Some(first) => {
                return Err(Error::new(format!("percentile(): argument 2 must be the same for all rows, got {first} and {p}")));
            }
        }
        self.sample.push(x, "percentile")
    }

    pub fn finalize(self) -> Option<f64> {
        self.sample.percentile(self.p?)
    }
}

export_extension! {
    name: "stats",
    aggregates: [Stddev, StddevSamp, StddevPop, Variance, VarSamp, VarPop, Median, Percentile],
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlink_sdk::{AggregateFunction, Value};

    /// Two-pass reference: (mean, Σ (x - mean)²).
    fn two_pass(values: &[f64]) -> (f64, f64) {
        let mean = values.iter().sum::<f64>() / values.len() as f64;
        (mean, values.iter().map(|x| (x - mean) * (x - mean)).sum())
    }

    fn var_samp_of(values: &[f64]) -> Option<f64> {
        (values.len() >= 2).then(|| two_pass(values).1 / (values.len() - 1) as f64)
    }

    fn var_pop_of(values: &[f64]) -> Option<f64> {
        (!values.is_empty()).then(|| two_pass(values).1 / values.len() as f64)
    }

    #[track_caller]
    fn assert_close(actual: Option<f64>, expected: Option<f64>) {
        match (actual, expected) {
            (Some(a), Some(e)) => {
                let tolerance = 1e-9 * e.abs().max(1.0);
                assert!((a - e).abs() <= tolerance, "got {a}, expected {e}");
            }
            _ => assert_eq!(actual, expected),
        }
    }

    fn moments(values: &[f64]) -> Moments {
        let mut m = Moments::default();
        for &x in values {
            m.add(Some(x));
        }
        m
    }

    #[test]
    fn textbook_values() {
        let m = moments(&[2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]);
        assert_close(m.var_pop(), Some(4.0));
        assert_close(m.stddev_pop(), Some(2.0));
        assert_close(m.var_samp(), Some(32.0 / 7.0));
        assert_close(m.stddev_samp(), Some((32.0f64 / 7.0).sqrt()));
    }

    #[test]
    fn too_few_values_give_null() {
        let empty = Moments::default();
        assert_eq!((empty.var_samp(), empty.var_pop(), empty.stddev_samp(), empty.stddev_pop()), (None, None, None, None));
        let one = moments(&[42.0]);
        assert_eq!((one.var_samp(), one.stddev_samp()), (None, None));
        assert_eq!((one.var_pop(), one.stddev_pop()), (Some(0.0), Some(0.0)));
        let two = moments(&[1.0, 3.0]);
        assert_close(two.var_samp(), Some(2.0));
        assert_close(two.var_pop(), Some(1.0));
    }

    #[test]
    fn nulls_are_ignored() {
        let mut m = Moments::default();
        for x in [None, Some(1.0), None, Some(3.0), None] {
            m.add(x);
        }
        assert_eq!(m, moments(&[1.0, 3.0]));
        m.remove(None);
        assert_eq!(m, moments(&[1.0, 3.0]));

        let mut only_nulls = VarPop::default();
        only_nulls.step(None);
        only_nulls.step(None);
        assert_eq!(only_nulls.value(), None);
    }

    #[test]
    fn every_function_and_alias() {
        let data = [1.0, 2.0, 3.0, 4.0, 10.0];
        let (samp, pop) = (var_samp_of(&data), var_pop_of(&data));
        macro_rules! run {
            ($ty:ty) => {{
                let mut state = <$ty>::default();
                for x in data {
                    state.step(Some(x));
                }
                state.value()
            }};
        }
        assert_close(run!(Variance), samp);
        assert_close(run!(VarSamp), samp);
        assert_close(run!(VarPop), pop);
        assert_close(run!(Stddev), samp.map(f64::sqrt));
        assert_close(run!(StddevSamp), samp.map(f64::sqrt));
        assert_close(run!(StddevPop), pop.map(f64::sqrt));
    }

    #[test]
    fn window_step_1_to_5_then_remove_the_oldest() {
        let mut samp = VarSamp::default();
        let mut pop = VarPop::default();
        let mut sd = Stddev::default();
        let mut sd_pop = StddevPop::default();
        for x in 1..=5 {
            let x = Some(f64::from(x));
            samp.step(x);
            pop.step(x);
            sd.step(x);
            sd_pop.step(x);
        }
        assert_close(samp.value(), Some(2.5));
        assert_close(pop.value(), Some(2.0));
        for oldest in 1..=5 {
            let x = Some(f64::from(oldest));
            samp.inverse(x);
            pop.inverse(x);
            sd.inverse(x);
            sd_pop.inverse(x);
            let window: Vec<f64> = ((oldest + 1)..=5).map(f64::from).collect();
            assert_close(samp.value(), var_samp_of(&window));
            assert_close(pop.value(), var_pop_of(&window));
            assert_close(sd.value(), var_samp_of(&window).map(f64::sqrt));
            assert_close(sd_pop.value(), var_pop_of(&window).map(f64::sqrt));
        }
        // Empty again, exactly: the state is reusable as if new.
        assert_eq!(samp.0, Moments::default());
        samp.step(Some(7.0));
        samp.step(Some(9.0));
        assert_close(samp.value(), Some(2.0));
    }

    #[test]
    fn window_with_nulls_in_the_frame() {
        let mut pop = VarPop::default();
        for x in [Some(1.0), None, Some(2.0), Some(4.0)] {
            pop.step(x);
        }
        pop.inverse(Some(1.0));
        pop.inverse(None);
        assert_close(pop.value(), Some(1.0));
    }

    #[test]
    fn large_offsets_stay_accurate() {
        // Σx² - (Σx)²/n loses everything here; Welford does not.
        let data = [4.0, 7.0, 13.0, 16.0].map(|x| 1e9 + x);
        assert_close(moments(&data).var_samp(), Some(30.0));

        // A sliding window of 50 over 2,000 values near 1e8, removing with `remove`.
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            1e8 + (seed % 10_000) as f64 / 100.0
        };
        let data: Vec<f64> = (0..2_000).map(|_| next()).collect();
        let mut m = Moments::default();
        for (i, &x) in data.iter().enumerate() {
            m.add(Some(x));
            if i >= 50 {
                m.remove(Some(data[i - 50]));
            }
            let window = &data[i.saturating_sub(49)..=i];
            assert_close(m.var_samp(), var_samp_of(window));
            assert_close(m.var_pop(), var_pop_of(window));
        }
    }

    #[test]
    fn infinity_gives_null_until_it_leaves_the_window() {
        let mut m = moments(&[1.0, 2.0]);
        m.add(Some(f64::INFINITY));
        m.add(Some(3.0));
        assert_eq!((m.var_samp(), m.var_pop()), (None, None));
        m.remove(Some(f64::INFINITY));
        assert_close(m.var_samp(), Some(1.0));
    }

    #[test]
    fn median_of_odd_even_and_unsorted() {
        fn median(values: &[Option<f64>]) -> Option<f64> {
            let mut state = Median::default();
            for &x in values {
                state.step(x).unwrap();
            }
            state.finalize()
        }
        assert_eq!(median(&[Some(3.0), Some(1.0), Some(2.0)]), Some(2.0));
        assert_eq!(median(&[Some(4.0), Some(1.0), Some(3.0), Some(2.0)]), Some(2.5));
        assert_eq!(median(&[Some(5.0)]), Some(5.0));
        assert_eq!(median(&[Some(-1.0), Some(-1.0), Some(7.0)]), Some(-1.0));
        assert_eq!(median(&[None, Some(10.0), None, Some(20.0)]), Some(15.0));
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[None, None]), None);
        let hundred: Vec<Option<f64>> = (1..=100).rev().map(|x| Some(f64::from(x))).collect();
        assert_eq!(median(&hundred), Some(50.5));
    }

    #[test]
    fn median_rejects_infinity() {
        let mut state = Median::default();
        let err = state.step(Some(f64::NEG_INFINITY)).unwrap_err();
        assert_eq!(err.message, "median(): argument 1 must be a finite number, got -inf");
    }

    fn percentile(values: &[Option<f64>], p: f64) -> Result<Option<f64>, Error> {
        let mut state = Percentile::default();
        for &x in values {
            state.step(x, p)?;
        }
        Ok(state.finalize())
    }

    #[test]
    fn percentile_interpolates_between_closest_ranks() {
        let one_to_five: Vec<Option<f64>> = [5.0, 3.0, 1.0, 4.0, 2.0].map(Some).to_vec();
        assert_eq!(percentile(&one_to_five, 0.0).unwrap(), Some(1.0));
        assert_eq!(percentile(&one_to_five, 25.0).unwrap(), Some(2.0));
        assert_eq!(percentile(&one_to_five, 50.0).unwrap(), Some(3.0));
        assert_eq!(percentile(&one_to_five, 100.0).unwrap(), Some(5.0));
        assert_close(percentile(&one_to_five, 90.0).unwrap(), Some(4.6));
        let one_to_four: Vec<Option<f64>> = [1.0, 2.0, 3.0, 4.0].map(Some).to_vec();
        assert_close(percentile(&one_to_four, 10.0).unwrap(), Some(1.3));
        assert_close(percentile(&one_to_four, 50.0).unwrap(), Some(2.5));
        assert_close(percentile(&one_to_four, 75.0).unwrap(), Some(3.25));
        let to_99: Vec<Option<f64>> = (1..=99).map(|x| Some(f64::from(x))).collect();
        assert_eq!(percentile(&to_99, 50.0).unwrap(), Some(50.0));
        assert_eq!(percentile(&to_99, 25.0).unwrap(), Some(25.5));
        assert_close(percentile(&to_99, 95.0).unwrap(), Some(94.1));
    }

    #[test]
    fn percentile_nulls_and_empty() {
        assert_eq!(percentile(&[None, Some(2.0), None, Some(4.0)], 50.0).unwrap(), Some(3.0));
        assert_eq!(percentile(&[], 50.0).unwrap(), None);
        assert_eq!(percentile(&[None], 50.0).unwrap(), None);
        assert_eq!(percentile(&[Some(7.0)], 99.0).unwrap(), Some(7.0));
    }

    #[test]
    fn percentile_p_must_be_in_range_and_constant() {
        for p in [-0.5, 100.5, f64::NAN] {
            let err = percentile(&[Some(1.0)], p).unwrap_err();
            assert!(err.message.contains("between 0 and 100"), "{}", err.message);
        }
        // Checked even on rows whose value is NULL.
        assert!(percentile(&[None], 101.0).is_err());
        let mut state = Percentile::default();
        state.step(Some(1.0), 50.0).unwrap();
        state.step(Some(2.0), 50.0005).unwrap();
        let err = state.step(Some(3.0), 60.0).unwrap_err();
        assert_eq!(err.message, "percentile(): argument 2 must be the same for all rows, got 50 and 60");
        assert!(percentile(&[Some(f64::INFINITY)], 50.0).is_err());
    }

    #[test]
    fn registered_names_arities_and_window_ness() {
        let defs = [
            (Stddev::DEF, "stddev", 1, true),
            (StddevSamp::DEF, "stddev_samp", 1, true),
            (StddevPop::DEF, "stddev_pop", 1, true),
            (Variance::DEF, "variance", 1, true),
            (VarSamp::DEF, "var_samp", 1, true),
            (VarPop::DEF, "var_pop", 1, true),
            (Median::DEF, "median", 1, false),
            (Percentile::DEF, "percentile", 2, false),
        ];
        for (def, name, arity, window) in defs {
            assert_eq!((def.name, def.arity), (name, arity));
            assert_eq!(def.value.is_some() && def.inverse.is_some(), window, "{name}");
            assert!(def.flags.deterministic && def.flags.innocuous, "{name}");
            assert!(!def.doc.is_empty(), "{name}");
        }
    }

    #[test]
    fn generated_entry_points_check_types_and_keep_contexts_apart() {
        let def = Stddev::DEF;
        let (step, value, inverse) = (def.step, def.value.unwrap(), def.inverse.unwrap());
        let err = step(1, &[Value::Text("abc".into())]).unwrap_err();
        assert_eq!(err.code, sqlink_sdk::codes::MISMATCH);
        assert_eq!(err.message, "stddev(): argument 1 must be a number, got text");
        for x in 1..=5 {
            step(1, &[Value::Integer(x)]).unwrap();
        }
        step(2, &[Value::Real(10.0)]).unwrap();
        step(1, &[Value::Null]).unwrap();
        inverse(1, &[Value::Integer(1)]).unwrap();
        inverse(1, &[Value::Integer(2)]).unwrap();
        assert_close(as_real(value(1).unwrap()), Some(1.0));
        assert_eq!(value(2), Ok(Value::Null));
        // No `finalize` of its own: the generated one gives `value`'s result.
        assert_close(as_real((def.finalize)(1).unwrap()), Some(1.0));
        assert_eq!((def.finalize)(2), Ok(Value::Null));

        let def = Percentile::DEF;
        let err = (def.step)(1, &[Value::Integer(1), Value::Integer(200)]).unwrap_err();
        assert!(err.message.starts_with("percentile(): argument 2"), "{}", err.message);
        let err = (def.step)(1, &[Value::Integer(1), Value::Null]).unwrap_err();
        assert_eq!(err.message, "percentile(): argument 2 must be a number, got null");
        (def.finalize)(1).unwrap();
        for x in [3, 1, 2] {
            (def.step)(5, &[Value::Integer(x), Value::Integer(50)]).unwrap();
        }
        assert_eq!((def.finalize)(5), Ok(Value::Real(2.0)));
        assert_eq!((Median::DEF.finalize)(6), Ok(Value::Null));
    }

    fn as_real(value: Value) -> Option<f64> {
        match value {
            Value::Real(r) => Some(r),
            Value::Null => None,
            other => panic!("not a real: {other:?}"),
        }
    }
}
