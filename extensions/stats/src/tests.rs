use super::*;
use sqlink_sdk::{AggregateFunction, Value};

/// Two-pass reference: (mean, Σ (x - mean)²).
fn two_pass(values: &[f64]) -> (f64, f64) {
    let mean = values.iter().sum::<f64>() / values.len() as f64;
    (mean, values.iter().map(|x| (x - mean) * (x - mean)).sum())
}

fn var_samp_of(values: &[f64]) -> Option<f64> {
    Some(if values.len() >= 2 { two_pass(values).1 / (values.len() - 1) as f64 } else { 0.0 })
}

fn var_pop_of(values: &[f64]) -> Option<f64> {
    Some(if values.len() >= 2 { two_pass(values).1 / values.len() as f64 } else { 0.0 })
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

/// sqlean's loop, for bit-for-bit comparison: (mean, m2, count).
fn sqlean_welford(values: &[f64]) -> (f64, f64, u64) {
    let (mut mean, mut m2, mut n) = (0.0f64, 0.0f64, 0u64);
    for &x in values {
        n += 1;
        let delta = x - mean;
        mean += delta / n as f64;
        m2 += delta * (x - mean);
    }
    (mean, m2, n)
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
fn the_same_bits_as_sqlean() {
    let data = [0.1, 1e9 + 0.3, -7.25, 3.0, 1e-12, 42.0, 0.1];
    let (_, m2, n) = sqlean_welford(&data);
    let m = moments(&data);
    assert_eq!(m.var_samp(), Some(m2 / (n - 1) as f64));
    assert_eq!(m.var_pop(), Some(m2 / n as f64));
    assert_eq!(m.stddev_samp(), Some((m2 / (n - 1) as f64).sqrt()));
}

#[test]
fn fewer_than_two_values_give_zero() {
    let empty = Moments::default();
    assert_eq!((empty.var_samp(), empty.var_pop(), empty.stddev_samp(), empty.stddev_pop()), (Some(0.0), Some(0.0), Some(0.0), Some(0.0)));
    let one = moments(&[42.0]);
    assert_eq!((one.var_samp(), one.stddev_samp(), one.var_pop(), one.stddev_pop()), (Some(0.0), Some(0.0), Some(0.0), Some(0.0)));
    let two = moments(&[1.0, 3.0]);
    assert_close(two.var_samp(), Some(2.0));
    assert_close(two.var_pop(), Some(1.0));
}

#[test]
fn infinity_is_counted_and_gives_null() {
    let mut m = Moments::default();
    m.add(Some(f64::INFINITY));
    assert_eq!(m.var_samp(), Some(0.0), "one value, even infinite, has no spread (sqlean)");
    m.add(Some(1.0));
    assert_eq!((m.var_samp(), m.stddev_pop()), (None, None));
    m.remove(Some(f64::INFINITY));
    m.add(Some(3.0));
    assert_close(m.var_samp(), Some(2.0));
    // Finite values whose spread overflows: sqlean's arithmetic gives -inf, whose root is NULL.
    let huge = moments(&[1e308, -1e308]);
    assert_eq!(huge.var_samp(), Some(f64::NEG_INFINITY));
    assert_eq!(huge.stddev_samp(), None);
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
}

#[test]
fn every_deviation_function() {
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
    for (value, expected) in [
        (run!(StatsVar), samp),
        (run!(StatsVarSamp), samp),
        (run!(StatsVarPop), pop),
        (run!(StatsStddev), samp.map(f64::sqrt)),
        (run!(StatsStddevSamp), samp.map(f64::sqrt)),
        (run!(StatsStddevPop), pop.map(f64::sqrt)),
        (run!(Variance), samp),
        (run!(VarSamp), samp),
        (run!(VarPop), pop),
        (run!(Stddev), samp.map(f64::sqrt)),
        (run!(StddevSamp), samp.map(f64::sqrt)),
        (run!(StddevPop), pop.map(f64::sqrt)),
    ] {
        assert_close(value, expected);
    }
}

#[test]
fn window_step_1_to_5_then_remove_the_oldest() {
    let mut samp = VarSamp::default();
    let mut pop = VarPop::default();
    let mut sd = Stddev::default();
    for x in 1..=5 {
        let x = Some(f64::from(x));
        samp.step(x);
        pop.step(x);
        sd.step(x);
    }
    assert_close(samp.value(), Some(2.5));
    assert_close(pop.value(), Some(2.0));
    for oldest in 1..=5 {
        let x = Some(f64::from(oldest));
        samp.inverse(x);
        pop.inverse(x);
        sd.inverse(x);
        let window: Vec<f64> = ((oldest + 1)..=5).map(f64::from).collect();
        assert_close(samp.value(), var_samp_of(&window));
        assert_close(pop.value(), var_pop_of(&window));
        assert_close(sd.value(), var_samp_of(&window).map(f64::sqrt));
    }
    // Empty again, exactly: the state is reusable as if new.
    assert_eq!(samp.0, Moments::default());
    samp.step(Some(7.0));
    samp.step(Some(9.0));
    assert_close(samp.value(), Some(2.0));
}

#[test]
fn large_offsets_stay_accurate_in_sliding_windows() {
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

fn percentile_of(values: &[Value], p: f64) -> Result<Option<f64>, Error> {
    let mut sample = Sample::default();
    for x in values {
        sample.push(x, "percentile", p)?;
    }
    Ok(sample.percentile())
}

fn reals(values: &[f64]) -> Vec<Value> {
    values.iter().map(|&x| Value::Real(x)).collect()
}

#[test]
fn percentile_interpolates_between_closest_ranks() {
    let one_to_five = reals(&[5.0, 3.0, 1.0, 4.0, 2.0]);
    assert_eq!(percentile_of(&one_to_five, 0.0).unwrap(), Some(1.0));
    assert_eq!(percentile_of(&one_to_five, 25.0).unwrap(), Some(2.0));
    assert_eq!(percentile_of(&one_to_five, 50.0).unwrap(), Some(3.0));
    assert_eq!(percentile_of(&one_to_five, 100.0).unwrap(), Some(5.0));
    assert_close(percentile_of(&one_to_five, 90.0).unwrap(), Some(4.6));
    let one_to_four = reals(&[1.0, 2.0, 3.0, 4.0]);
    assert_close(percentile_of(&one_to_four, 10.0).unwrap(), Some(1.3));
    assert_eq!(percentile_of(&one_to_four, 50.0).unwrap(), Some(2.5));
    // sqlean's arithmetic, to the bit: (0.1 + 1) - 1 is not 0.1.
    assert_eq!(percentile_of(&reals(&[1.0, 2.0, 3.0, 10.0]), 0.1).unwrap(), Some(1.0030000000000001));
    let quartiles = [Value::Integer(1), Value::Integer(7), Value::Integer(3), Value::Integer(100)];
    assert_eq!(percentile_of(&quartiles, 90.0).unwrap(), Some(72.10000000000002));
    assert_eq!(percentile_of(&quartiles, 99.0).unwrap(), Some(97.21000000000002));
}

#[test]
fn percentile_nulls_types_and_empty() {
    assert_eq!(percentile_of(&[Value::Null, Value::Integer(2), Value::Null, Value::Integer(4)], 50.0).unwrap(), Some(3.0));
    assert_eq!(percentile_of(&[], 50.0).unwrap(), None);
    assert_eq!(percentile_of(&[Value::Null], 50.0).unwrap(), None);
    let err = percentile_of(&[Value::Integer(1), Value::Text("2".into())], 50.0).unwrap_err();
    assert_eq!(err.message, "percentile(): argument 1 must be a number, got text");
    assert_eq!(err.code, sqlink_sdk::codes::MISMATCH);
    let err = percentile_of(&[Value::Real(f64::NEG_INFINITY)], 50.0).unwrap_err();
    assert_eq!(err.message, "percentile(): argument 1 must be a finite number, got -inf");
}

#[test]
fn percent_is_a_number_from_0_to_100() {
    for (p, expected) in [
        (Value::Integer(50), Some(50.0)),
        (Value::Real(-0.0), Some(0.0)),
        (Value::Text(" 50 ".into()), Some(50.0)),
        (Value::Text("5e1".into()), Some(50.0)),
        (Value::Text("-0".into()), Some(0.0)),
        (Value::Text("100.".into()), Some(100.0)),
        (Value::Text(".5".into()), Some(0.5)),
        (Value::Text("50abc".into()), None),
        (Value::Text("0x10".into()), None),
        (Value::Text("".into()), None),
        (Value::Text("1e".into()), None),
        (Value::Text("inf".into()), None),
        (Value::Blob(b"50".to_vec()), None),
        (Value::Null, None),
        (Value::Real(100.0000001), None),
        (Value::Integer(-1), None),
    ] {
        assert_eq!(percent(&p, "percentile").ok(), expected, "{p:?}");
    }
    let err = percent(&Value::Text("abc".into()), "stats_perc").unwrap_err();
    assert_eq!(err.message, "stats_perc(): argument 2 must be a number between 0 and 100, got 'abc'");
}

#[test]
fn percent_must_stay_the_same() {
    let mut sample = Sample::default();
    sample.push(&Value::Integer(1), "percentile", 50.0).unwrap();
    sample.push(&Value::Integer(2), "percentile", 50.0005).unwrap();
    let err = sample.push(&Value::Integer(3), "percentile", 60.0).unwrap_err();
    assert_eq!(err.message, "percentile(): argument 2 must be the same for all rows, got 50 and 60");
    // Checked before the value, so also on a NULL row.
    let mut sample = Sample::default();
    sample.push(&Value::Null, "percentile", 10.0).unwrap();
    assert!(sample.push(&Value::Null, "percentile", 20.0).is_err());
}

#[test]
fn registered_names_arities_and_window_ness() {
    let defs = [
        (StatsStddev::DEF, "stats_stddev", 1, true),
        (StatsStddevSamp::DEF, "stats_stddev_samp", 1, true),
        (StatsStddevPop::DEF, "stats_stddev_pop", 1, true),
        (StatsVar::DEF, "stats_var", 1, true),
        (StatsVarSamp::DEF, "stats_var_samp", 1, true),
        (StatsVarPop::DEF, "stats_var_pop", 1, true),
        (StatsMedian::DEF, "stats_median", 1, false),
        (StatsPerc::DEF, "stats_perc", 2, false),
        (StatsP25::DEF, "stats_p25", 1, false),
        (StatsP75::DEF, "stats_p75", 1, false),
        (StatsP90::DEF, "stats_p90", 1, false),
        (StatsP95::DEF, "stats_p95", 1, false),
        (StatsP99::DEF, "stats_p99", 1, false),
        (Stddev::DEF, "stddev", 1, true),
        (StddevSamp::DEF, "stddev_samp", 1, true),
        (StddevPop::DEF, "stddev_pop", 1, true),
        (Variance::DEF, "variance", 1, true),
        (VarSamp::DEF, "var_samp", 1, true),
        (VarPop::DEF, "var_pop", 1, true),
        (Median::DEF, "median", 1, false),
        (Percentile::DEF, "percentile", 2, false),
        (Percentile25::DEF, "percentile_25", 1, false),
        (Percentile75::DEF, "percentile_75", 1, false),
        (Percentile90::DEF, "percentile_90", 1, false),
        (Percentile95::DEF, "percentile_95", 1, false),
        (Percentile99::DEF, "percentile_99", 1, false),
    ];
    for (def, name, arity, window) in defs {
        assert_eq!((def.name, def.arity), (name, arity));
        assert_eq!(def.value.is_some() && def.inverse.is_some(), window, "{name}");
        assert!(def.flags.deterministic && def.flags.innocuous, "{name}");
        assert!(!def.doc.is_empty(), "{name}");
    }
}

#[test]
fn generated_entry_points_convert_and_keep_contexts_apart() {
    let def = Stddev::DEF;
    let (step, value, inverse) = (def.step, def.value.unwrap(), def.inverse.unwrap());
    // Text counts as its numeric prefix, as sqlite3_value_double reads it ('abc' is 0).
    for x in [Value::Text("abc".into()), Value::Text("2xyz".into())] {
        step(9, &[x]).unwrap();
    }
    assert_close(as_real(value(9).unwrap()), Some(2f64.sqrt()));
    for x in 1..=5 {
        step(1, &[Value::Integer(x)]).unwrap();
    }
    step(2, &[Value::Real(10.0)]).unwrap();
    step(1, &[Value::Null]).unwrap();
    inverse(1, &[Value::Integer(1)]).unwrap();
    inverse(1, &[Value::Integer(2)]).unwrap();
    assert_close(as_real(value(1).unwrap()), Some(1.0));
    assert_eq!(value(2), Ok(Value::Real(0.0)));
    // No `finalize` of its own: the generated one gives `value`'s result.
    assert_close(as_real((def.finalize)(1).unwrap()), Some(1.0));
    assert_eq!((def.finalize)(2), Ok(Value::Real(0.0)));
    (def.finalize)(9).unwrap();

    let def = Percentile::DEF;
    let err = (def.step)(1, &[Value::Integer(1), Value::Integer(200)]).unwrap_err();
    assert!(err.message.starts_with("percentile(): argument 2"), "{}", err.message);
    let err = (def.step)(1, &[Value::Integer(1), Value::Null]).unwrap_err();
    assert_eq!(err.message, "percentile(): argument 2 must be a number between 0 and 100, got null");
    (def.finalize)(1).unwrap();
    for x in [3, 1, 2] {
        (def.step)(5, &[Value::Integer(x), Value::Integer(50)]).unwrap();
    }
    assert_eq!((def.finalize)(5), Ok(Value::Real(2.0)));
    assert_eq!((Median::DEF.finalize)(6), Ok(Value::Null));
    let err = (Median::DEF.step)(7, &[Value::Text("abc".into())]).unwrap_err();
    assert_eq!(err.message, "median(): argument 1 must be a number, got text");
    (Median::DEF.finalize)(7).unwrap();
}

fn as_real(value: Value) -> Option<f64> {
    match value {
        Value::Real(r) => Some(r),
        Value::Null => None,
        other => panic!("not a real: {other:?}"),
    }
}
