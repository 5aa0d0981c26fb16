//! `stats_seq(start, stop, step)` (also `generate_series`): a sequence of integers, as
//! sqlean's `series.c` makes it.

use sqlink_sdk::sqlite_table_function;

/// sqlean's `stop` when it is left out (not `i64::MAX` as its docs say).
pub const DEFAULT_STOP: i64 = 0xffff_ffff;

/// The integers from `start` up to `stop` (inclusive) by `step` (1 if left out); a
/// negative step counts down from the last such integer, a step of 0 counts by 1, and a
/// NULL start or stop gives no rows.
///
/// An argument left out arrives as NULL, as the host passes it: a NULL step is therefore
/// taken as left out (sqlean gives no rows for it), and a NULL or left-out stop gives no
/// rows (sqlean counts to 4294967295 when it is left out): a NULL from the data must not
/// start a series of four billion rows.
#[sqlite_table_function(columns(value))]
pub fn stats_seq(start: Option<i64>, stop: Option<i64>, step: Option<i64>) -> Series {
    Series::new(start, Some(stop), step.map(Some))
}

/// The rows of one `stats_seq`, made as they are read. Arithmetic is in i128 so that it
/// cannot overflow; a value outside the i64 range ends the sequence (sqlean's C wraps
/// around there and goes on for ever).
#[derive(Debug, Clone)]
pub struct Series {
    /// The next value; None when done.
    next: Option<i128>,
    start: i128,
    stop: i128,
    step: i128,
    descending: bool,
}

impl Series {
    /// `stop` and `step` are `None` when left out, `Some(None)` when NULL.
    pub fn new(start: Option<i64>, stop: Option<Option<i64>>, step: Option<Option<i64>>) -> Series {
        let empty = Series { next: None, start: 0, stop: 0, step: 1, descending: false };
        let (Some(start), Some(stop), Some(step)) = (start, stop.unwrap_or(Some(DEFAULT_STOP)), step.unwrap_or(Some(1))) else {
            return empty;
        };
        let (start, stop, step) = (i128::from(start), i128::from(stop), i128::from(step));
        let (step, descending) = match step {
            0 => (1, false),
            s if s < 0 => (-s, true),
            s => (s, false),
        };
        // Counting down starts at the last value counting up would reach: `stop` less the
        // remainder, with C's sign (so `start` > `stop` may still give `start`, as there).
        let first = if descending { stop - (stop - start) % step } else { start };
        Series { next: Some(first), start, stop, step, descending }
    }
}

impl Iterator for Series {
    type Item = (i64,);

    fn next(&mut self) -> Option<(i64,)> {
        let value = self.next?;
        let done = if self.descending { value < self.start } else { value > self.stop };
        let Ok(out) = i64::try_from(value) else {
            self.next = None;
            return None;
        };
        if done {
            self.next = None;
            return None;
        }
        self.next = Some(if self.descending { value - self.step } else { value + self.step });
        Some((out,))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(start: Option<i64>, stop: Option<Option<i64>>, step: Option<Option<i64>>) -> Vec<i64> {
        Series::new(start, stop, step).map(|(v,)| v).collect()
    }

    #[test]
    fn counts_up_and_down() {
        assert_eq!(values(Some(1), Some(Some(5)), None), [1, 2, 3, 4, 5]);
        assert_eq!(values(Some(5), Some(Some(20)), Some(Some(5))), [5, 10, 15, 20]);
        assert_eq!(values(Some(1), Some(Some(10)), Some(Some(-3))), [10, 7, 4, 1]);
        assert_eq!(values(Some(1), Some(Some(10)), Some(Some(-4))), [9, 5, 1]);
        assert_eq!(values(Some(1), Some(Some(3)), Some(Some(0))), [1, 2, 3]);
        assert_eq!(values(Some(5), Some(Some(1)), None), Vec::<i64>::new());
        assert_eq!(values(Some(10), Some(Some(1)), Some(Some(-3))), Vec::<i64>::new());
        // sqlean's remainder arithmetic: start > stop with a large negative step gives start.
        assert_eq!(values(Some(10), Some(Some(8)), Some(Some(-5))), [10]);
    }

    #[test]
    fn defaults_and_nulls() {
        let mut tail = Series::new(Some(DEFAULT_STOP - 2), None, None);
        assert_eq!(tail.by_ref().map(|(v,)| v).collect::<Vec<_>>(), [DEFAULT_STOP - 2, DEFAULT_STOP - 1, DEFAULT_STOP]);
        assert_eq!(values(None, Some(Some(10)), None), Vec::<i64>::new());
        assert_eq!(values(Some(1), Some(None), None), Vec::<i64>::new());
        assert_eq!(values(Some(1), Some(Some(10)), Some(None)), Vec::<i64>::new());
        assert_eq!(stats_seq(Some(1), Some(3), Some(1)).count(), 3);
        assert_eq!(stats_seq(Some(1), Some(3), None).count(), 3, "step left out (or NULL): 1");
        assert_eq!(stats_seq(Some(1), None, None).count(), 0, "stop left out (or NULL): no rows");
    }

    #[test]
    fn stops_at_the_ends_of_the_integer_range() {
        assert_eq!(values(Some(i64::MAX - 7), Some(Some(i64::MAX)), Some(Some(5))), [i64::MAX - 7, i64::MAX - 2]);
        assert_eq!(values(Some(i64::MIN), Some(Some(i64::MIN + 7)), Some(Some(-5))), [i64::MIN + 5, i64::MIN]);
        assert_eq!(values(Some(i64::MAX - 1), Some(Some(i64::MAX)), None), [i64::MAX - 1, i64::MAX]);
        assert_eq!(values(Some(i64::MIN), Some(Some(i64::MAX)), Some(Some(i64::MIN))).len(), 2);
        assert_eq!(values(Some(0), Some(Some(i64::MAX)), Some(Some(i64::MAX))), [0, i64::MAX]);
    }
}
