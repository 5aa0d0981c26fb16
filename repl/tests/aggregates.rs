//! Aggregates, window functions and collations from the bundled extensions, end to end
//! through `sqlink`, checked against values computed here.

mod common;

use common::*;

/// A deterministic spread of values (a linear congruential sequence), so the expected
/// statistics are not all round numbers.
fn values(n: usize) -> Vec<f64> {
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    (0..n)
        .map(|_| {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (state >> 40) as f64 / 1024.0 - 4000.0
        })
        .collect()
}

/// As sqlean's stats_stddev: 0.0 for fewer than two values.
fn sample_stddev(xs: &[f64]) -> Option<f64> {
    if xs.len() < 2 {
        return Some(0.0);
    }
    let mean = xs.iter().sum::<f64>() / xs.len() as f64;
    let m2: f64 = xs.iter().map(|x| (x - mean) * (x - mean)).sum();
    Some((m2 / (xs.len() - 1) as f64).sqrt())
}

fn median(xs: &[f64]) -> f64 {
    let mut sorted = xs.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mid = sorted.len() / 2;
    if sorted.len() % 2 == 1 { sorted[mid] } else { (sorted[mid - 1] + sorted[mid]) / 2.0 }
}

fn assert_close(actual: &str, expected: Option<f64>, what: &str) {
    match expected {
        None => assert_eq!(actual, "", "{what}: expected NULL"),
        Some(expected) => {
            let actual: f64 = actual.parse().unwrap_or_else(|_| panic!("{what}: {actual:?} is not a number"));
            let tolerance = 1e-9 * expected.abs().max(1.0);
            assert!((actual - expected).abs() <= tolerance, "{what}: got {actual}, expected {expected}");
        }
    }
}

/// `INSERT INTO t(i, g, x) VALUES …` for the values, `groups` groups by `i % groups`.
fn insert_rows(xs: &[f64], groups: usize) -> String {
    let rows: Vec<String> = xs.iter().enumerate().map(|(i, x)| format!("({i}, {}, {x:?})", i % groups)).collect();
    format!("CREATE TABLE t(i INTEGER PRIMARY KEY, g INTEGER, x REAL);\nINSERT INTO t(i, g, x) VALUES {};\n", rows.join(", "))
}

#[test]
fn group_by_with_many_groups_keeps_every_state_apart() {
    const GROUPS: usize = 250;
    let xs = values(GROUPS * 8);
    let script = format!(
        ".load stats\n.load md5\n{}\
         SELECT g, stddev(x), median(x), md5_agg(CAST(x AS TEXT) ORDER BY i) = md5(group_concat(CAST(x AS TEXT), '' ORDER BY i)) \
         FROM t GROUP BY g ORDER BY g;\n",
        insert_rows(&xs, GROUPS)
    );
    let out = ok_noting(&script, STATS_KEEPS);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), GROUPS);
    for (g, line) in lines.iter().enumerate() {
        let fields: Vec<&str> = line.split('|').collect();
        let group: Vec<f64> = xs.iter().enumerate().filter(|(i, _)| i % GROUPS == g).map(|(_, x)| *x).collect();
        assert_eq!(fields[0], g.to_string());
        assert_close(fields[1], sample_stddev(&group), &format!("stddev of group {g}"));
        assert_close(fields[2], Some(median(&group)), &format!("median of group {g}"));
        assert_eq!(fields[3], "1", "md5_agg of group {g} is the md5 of the concatenation");
    }
}

#[test]
fn two_aggregates_of_one_extension_in_one_query_and_nested() {
    let out = ok_noting(
        ".load stats
SELECT var_pop(x), var_samp(x), (SELECT median(y) FROM (SELECT 10 y UNION ALL SELECT 30)) FROM (SELECT 1 x UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4);
SELECT median(m) FROM (SELECT median(x) m FROM (SELECT 1 x, 1 g UNION ALL SELECT 3, 1 UNION ALL SELECT 10, 2 UNION ALL SELECT 20, 2 UNION ALL SELECT 100, 3) GROUP BY g);
",
        STATS_KEEPS,
    );
    assert_eq!(out, "1.25|1.6666666666666667|20.0\n15.0\n");
}

#[test]
fn window_frames_of_three_rows_match_values_computed_here() {
    let xs = values(200);
    let script = format!(
        ".load stats\n{}SELECT i, stddev(x) OVER w, var_pop(x) OVER w FROM t \
         WINDOW w AS (ORDER BY i ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) ORDER BY i;\n",
        insert_rows(&xs, 1)
    );
    let out = ok_noting(&script, STATS_KEEPS);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), xs.len());
    for (i, line) in lines.iter().enumerate() {
        let fields: Vec<&str> = line.split('|').collect();
        let frame = &xs[i.saturating_sub(2)..=i];
        let mean = frame.iter().sum::<f64>() / frame.len() as f64;
        let var_pop = frame.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / frame.len() as f64;
        assert_eq!(fields[0], i.to_string());
        assert_close(fields[1], sample_stddev(frame), &format!("stddev at row {i}"));
        assert_close(fields[2], Some(var_pop), &format!("var_pop at row {i}"));
    }
}

#[test]
fn md5_agg_is_the_md5_of_the_concatenation() {
    let out = ok(".load md5
SELECT md5_agg(x) = md5('ab'), md5_agg(x) FROM (SELECT 'a' x UNION ALL SELECT NULL UNION ALL SELECT 'b');
SELECT md5_agg(x) IS NULL FROM (SELECT NULL x);
");
    assert_eq!(out, "1|187ef4436122d1cc2f40dc2b92f0eba0\n1\n");
}

#[test]
fn snake_collation_in_order_by_and_a_unique_index() {
    let run = sqlink(
        ".load snake
SELECT 'HelloWorld' = 'hello_world' COLLATE snake, 'HelloWorld' = 'hello_world';
SELECT column1 FROM (VALUES ('b_c'), ('BA'), ('aB'), ('A_a')) ORDER BY column1 COLLATE snake;
CREATE TABLE names(n TEXT COLLATE snake UNIQUE);
INSERT INTO names VALUES ('HelloWorld');
INSERT INTO names VALUES ('hello_world');
INSERT INTO names VALUES ('goodbye-world');
SELECT n FROM names ORDER BY n;
CREATE TABLE tags(t TEXT);
CREATE UNIQUE INDEX tags_by_snake ON tags(t COLLATE snake);
INSERT INTO tags VALUES ('userId'), ('user_id');
SELECT count(*) FROM tags;
",
    );
    assert_eq!(run.stdout, "1|0\nA_a\naB\nb_c\nBA\ngoodbye-world\nHelloWorld\n0\n");
    assert_eq!(
        run.stderr,
        "Runtime error near line 6: UNIQUE constraint failed: names.n (19)\nRuntime error near line 11: UNIQUE constraint failed: tags.t (19)\n"
    );
}

#[test]
fn errors_in_step_reach_the_user_and_the_next_aggregate_starts_clean() {
    let run = sqlink(
        ".load stats
.load md5
SELECT median(x) FROM (SELECT 1 x UNION ALL SELECT 'abc' UNION ALL SELECT 3);
SELECT percentile(x, 200) FROM (SELECT 1 x);
SELECT md5_agg(x) FROM (SELECT 'a' x UNION ALL SELECT 7);
SELECT median(x), md5_agg(CAST(x AS TEXT)) FROM (SELECT 1 x UNION ALL SELECT 2 UNION ALL SELECT 6);
",
    );
    assert_eq!(
        run.stderr,
        format!(
            "{STATS_KEEPS}Runtime error near line 3: median(): argument 1 must be a number, got text (20)
Runtime error near line 4: percentile(): argument 2 must be a number between 0 and 100, got 200
"
        )
    );
    // md5_agg takes the integer 7 as its text, as SQLite's own functions do: md5('a7').
    assert_eq!(run.stdout, "c692562238d8c12c32434c50b96d56ae\n2.0|069059b7ef840f0c74a814ec9237b6ec\n");
    assert_eq!(run.code, 1);
}
