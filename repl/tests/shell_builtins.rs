//! The functions the sqlite3 shell builds into itself, which the runtime's SQLite carries:
//! through the REPL beside Debian's sqlite3 (3.40) over generated inputs, byte for byte,
//! for every one 3.40 has; the newer ones (base64, base85, sha1) by their definitions; and
//! the override rule, which counts them as SQLite's own.

mod common;

use std::process::Command;

use common::{Run, ok, run_with_stdin, sqlink, test_extension};

/// Inputs from a fixed seed (xorshift64*), so a failure names a reproducible script.
struct Inputs(u64);

impl Inputs {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// A SQL literal of any type: integers small and extreme, reals of every magnitude and
    /// sign, text (ASCII, non-ASCII, empty), blobs, NULL.
    fn value(&mut self) -> String {
        match self.below(9) {
            0 => String::from("NULL"),
            1 => (self.next() as i64).to_string(),
            2 => (self.below(2001) as i64 - 1000).to_string(),
            3 => ["9223372036854775807", "(-9223372036854775807 - 1)", "0"][self.below(3) as usize].to_owned(),
            4 => self.real(),
            5 => format!("'{}'", self.text()),
            6 => self.blob(40),
            7 => ["''", "x''", "'Grüße, 世界'"][self.below(3) as usize].to_owned(),
            _ => format!("{}.{}", self.below(1000), self.below(1000)),
        }
    }

    /// A REAL literal of at most 15 significant digits across the double range: SQLite 3.40
    /// shows a REAL as text with 15 digits and the runtime's with as many as it takes to read
    /// back (up to 17), the same text only for those (sha3 hashes that text).
    fn real(&mut self) -> String {
        let sign = if self.below(2) == 0 { "" } else { "-" };
        match self.below(4) {
            0 => String::from("0.0"),
            1 => format!("{sign}{}.{}e{}", self.below(10), self.below(1_000_000_000), self.below(617) as i64 - 308),
            2 => format!("{sign}{}.5", self.below(100)),
            _ => format!("{sign}{}e{}", self.below(1_000_000_000_000_000), self.below(40) as i64 - 20),
        }
    }

    /// Any double: also 17 significant digits, subnormals and the extremes.
    fn any_real(&mut self) -> String {
        let sign = if self.below(2) == 0 { "" } else { "-" };
        match self.below(5) {
            0 => format!("{sign}4.9406564584124654e-324"),
            1 => format!("{sign}1.7976931348623157e308"),
            2 => format!("{sign}{}e{}", self.below(1 << 53), self.below(660) as i64 - 330),
            _ => self.real(),
        }
    }

    fn text(&mut self) -> String {
        let alphabet = ['a', 'Z', '0', '7', ' ', '-', '.', 'é', '\u{1F600}'];
        (0..self.below(12)).map(|_| alphabet[self.below(alphabet.len() as u64) as usize]).collect()
    }

    /// A blob literal of up to `max` bytes.
    fn blob(&mut self, max: u64) -> String {
        let bytes = self.below(max + 1);
        format!("x'{}'", (0..bytes).map(|_| format!("{:02x}", self.below(256))).collect::<String>())
    }

    /// A decimal number as text: sign, up to 30 integer digits, up to 30 fraction digits.
    fn decimal(&mut self) -> String {
        let sign = ["", "-", "+"][self.below(3) as usize];
        let digits =
            |inputs: &mut Inputs, n: u64| (0..inputs.below(n)).map(|_| char::from(b'0' + inputs.below(10) as u8)).collect::<String>();
        let whole = digits(self, 31);
        let fraction = digits(self, 31);
        let whole = if whole.is_empty() { String::from("0") } else { whole };
        if fraction.is_empty() { format!("'{sign}{whole}'") } else { format!("'{sign}{whole}.{fraction}'") }
    }
}

/// `script` through sqlite3 and through sqlink, each on a fresh in-memory database.
fn both(script: &str) -> (Run, Run) {
    let mut sqlite3 = Command::new("sqlite3");
    sqlite3.arg(":memory:");
    (run_with_stdin(sqlite3, script), sqlink(script))
}

fn same_as_sqlite3(script: &str) {
    let (sqlite3, sqlink) = both(script);
    assert_eq!(sqlite3.stderr, "", "sqlite3 failed on:\n{script}");
    assert_eq!(sqlink.stderr, "", "stderr for:\n{script}");
    // The first line that differs, for a readable failure.
    let first_difference = sqlite3.stdout.lines().zip(sqlink.stdout.lines()).find(|(a, b)| a != b);
    assert_eq!(first_difference, None, "first difference (sqlite3, sqlink) for:\n{script}");
    assert_eq!(sqlink.stdout, sqlite3.stdout, "stdout for:\n{script}");
}

/// A table `name(x)` holding `values`, in order.
fn table(name: &str, values: &[String]) -> String {
    let rows: Vec<String> = values.iter().map(|v| format!("({v})")).collect();
    format!("CREATE TABLE {name}(x);\nINSERT INTO {name} VALUES {};\n", rows.join(", "))
}

#[test]
fn generate_series_sums_to_5050_as_the_issue_asks() {
    assert_eq!(ok("SELECT sum(value) FROM generate_series(1, 100);\n"), "5050\n");
    // Counting down, and the last rows of a long series (no row past the limit).
    let out = ok("SELECT group_concat(value) FROM generate_series(10, 1, -3);\n\
         SELECT group_concat(value) FROM (SELECT value FROM generate_series(1, 1000000, 7) ORDER BY value DESC LIMIT 3);\n");
    assert_eq!(out, "10,7,4,1\n1000000,999993,999986\n");
}

#[test]
fn generate_series_matches_sqlite3() {
    let mut inputs = Inputs(0x5e71e5);
    let mut script = String::from(".mode quote\n");
    for _ in 0..60 {
        // Ascending series only: SQLite 3.40 reads a negative step as the same series
        // backwards, and gives `start` for an empty series under ORDER BY DESC; later
        // versions count down from `start`, and give nothing.
        let (a, b) = (inputs.below(201) as i64 - 100, inputs.below(201) as i64 - 100);
        let (start, stop) = (a.min(b), a.max(b));
        let step = [1, 2, 3, 7, 10, 1000][inputs.below(6) as usize];
        script.push_str(&format!(
            "SELECT count(*), sum(value), group_concat(value) FROM generate_series({start}, {stop}, {step});\n\
             SELECT value FROM generate_series({start}, {stop}, {step}) WHERE value > {} ORDER BY value DESC LIMIT 3;\n",
            inputs.below(201) as i64 - 100
        ));
    }
    // Hidden columns as constraints, one argument, and a join on a table.
    script.push_str(
        "SELECT value FROM generate_series WHERE start = 5 AND stop = 8;\nSELECT value FROM generate_series(3) LIMIT 4;\n\
         SELECT * FROM generate_series(1, 3) AS a, generate_series(10, 12) AS b WHERE b.value - a.value = 10;\n\
         CREATE TABLE n(k); INSERT INTO n VALUES (2), (4);\nSELECT k, (SELECT sum(value) FROM generate_series(1, k)) FROM n;\n",
    );
    same_as_sqlite3(&script);
}

#[test]
fn sha3_and_sha3_query_match_sqlite3() {
    let mut inputs = Inputs(0x5a3);
    let values: Vec<String> = (0..80).map(|_| inputs.value()).collect();
    let mut script = String::from(".mode quote\n");
    for value in &values {
        script.push_str(&format!("SELECT sha3({value}), sha3({value}, 224), sha3({value}, 384), sha3({value}, 512);\n"));
    }
    script.push_str(&table("t", &values));
    script.push_str(
        "SELECT sha3_query('SELECT x FROM t ORDER BY rowid'), sha3_query('SELECT x, typeof(x) FROM t', 512);\n\
         SELECT sha3_query('SELECT 1; SELECT ''a'', x''00''; SELECT NULL, 2.5', 224);\n",
    );
    same_as_sqlite3(&script);
}

#[test]
fn decimal_functions_and_collation_match_sqlite3() {
    let mut inputs = Inputs(0xdec1a1);
    let numbers: Vec<String> = (0..60).map(|_| inputs.decimal()).collect();
    let mut script = String::from(".mode quote\n");
    for pair in numbers.chunks(2) {
        let (a, b) = (&pair[0], &pair[1]);
        script.push_str(&format!(
            "SELECT decimal({a}), decimal_add({a}, {b}), decimal_sub({a}, {b}), decimal_mul({a}, {b}), decimal_cmp({a}, {b});\n"
        ));
    }
    script.push_str(&table("d", &numbers));
    script.push_str(
        "SELECT decimal_sum(x) FROM d;\nSELECT x FROM d ORDER BY x COLLATE decimal, rowid;\n\
         SELECT decimal(NULL), decimal('abc'), decimal_cmp('2', '10'), decimal_mul('0.5', '-0.5');\n",
    );
    same_as_sqlite3(&script);
}

#[test]
fn ieee754_functions_match_sqlite3() {
    let mut inputs = Inputs(0x1eee754);
    let mut script = String::from(".mode quote\n");
    for _ in 0..80 {
        // Results that are REALs are compared by their bits: 3.40 and the runtime's SQLite
        // write a REAL's trailing digits differently (see shell_differential.rs).
        let r = inputs.any_real();
        script.push_str(&format!(
            "SELECT ieee754({r}), ieee754_mantissa({r}), ieee754_exponent({r}), ieee754_to_blob({r}), ieee754_to_blob(ieee754_from_blob(ieee754_to_blob({r})));\n"
        ));
        let (m, e) = (inputs.next() as i64 >> inputs.below(60), inputs.below(2000) as i64 - 1000);
        script.push_str(&format!("SELECT ieee754_to_blob(ieee754({m}, {e}));\n"));
    }
    same_as_sqlite3(&script);
}

#[test]
fn uint_collation_matches_sqlite3() {
    let mut inputs = Inputs(0x0417);
    let texts: Vec<String> = (0..80)
        .map(|_| {
            let parts = ["a", "x", "file", "0", "007", "10", "9", "123456789012345678901234567890", "-", " ", "v1.", "B"];
            let text: String = (0..1 + inputs.below(4)).map(|_| parts[inputs.below(parts.len() as u64) as usize]).collect();
            format!("'{text}'")
        })
        .collect();
    let script =
        format!("{}SELECT x FROM u ORDER BY x COLLATE uint, rowid;\nSELECT count(DISTINCT x COLLATE uint) FROM u;\n", table("u", &texts));
    same_as_sqlite3(&script);
}

/// base64, base85 and sha1 came after 3.40: checked by their definitions (RFC 4648's
/// vectors, round trips over generated blobs, SHA-1's published digests).
#[test]
fn base64_base85_and_sha1_by_their_definitions() {
    let out = ok(".mode quote
SELECT base64(x''), base64(CAST('f' AS BLOB)), base64(CAST('foobar' AS BLOB)), base64('Zm9vYmFy');
SELECT sha1('abc'), sha1('');
SELECT is_base85(base85(x'00ff10')), base85(base85(x'00ff10')) = x'00ff10', is_base85('~');
");
    assert_eq!(
        out,
        "'','Zg==\n','Zm9vYmFy\n',X'666f6f626172'\n\
         'a9993e364706816aba3e25717850c26c9cd0d89d','da39a3ee5e6b4b0d3255bfef95601890afd80709'\n1,1,0\n"
    );
    let mut inputs = Inputs(0xba5e);
    let blobs: Vec<String> = (0..50).map(|_| inputs.blob(200)).collect();
    let out = ok(&format!(
        "{}SELECT count(*) FROM b WHERE base64(base64(x)) = x AND base85(base85(x)) = x AND is_base85(base85(x));\n",
        table("b", &blobs)
    ));
    assert_eq!(out, "50\n");
}

/// The built-ins are SQLite's own names to the override rule: an extension declaring
/// `sha3()`, the `uint` collation and `generate_series` loads with its own name and keeps
/// SQLite's, or replaces them with `--override`.
#[test]
fn an_extension_naming_them_keeps_them_unless_overriding() {
    let path = test_extension("shell-names");
    let path = path.display();
    let kept = sqlink(&format!(
        ".load {path}\nSELECT shell_names_own(), length(sha3('x')), (SELECT sum(value) FROM generate_series(1, 3));\n\
         SELECT column1 FROM (VALUES ('a10'), ('b'), ('a2')) ORDER BY 1 COLLATE uint;\n"
    ));
    assert_eq!(kept.stdout, "1|32|6\na2\na10\nb\n");
    assert!(
        kept.stderr.contains("sha3()") && kept.stderr.contains("collation uint") && kept.stderr.contains("table function generate_series"),
        "{}",
        kept.stderr
    );
    let replaced = sqlink(&format!(
        ".load {path} --override\nSELECT sha3('x'), (SELECT sum(value) FROM generate_series(1, 3));\n\
         SELECT column1 FROM (VALUES ('a10'), ('b'), ('a2')) ORDER BY 1 COLLATE uint;\n"
    ));
    assert_eq!((replaced.stdout.as_str(), replaced.stderr.as_str()), ("not sha3 of x|4\nb\na2\na10\n", ""));
}

/// `.timer on` prints sqlite3's line: elapsed seconds to 3 places, user and system CPU
/// seconds to 6, once per input, before an error message.
#[test]
fn timer_prints_real_user_and_sys_as_sqlite3_does() {
    let run = sqlink(".timer on\nSELECT 1; SELECT 2;\nSELECT nosuch();\n.timer off\nSELECT 3;\n");
    let shape = |line: &str| {
        let fields: Vec<&str> = line.split(' ').collect();
        fields.len() == 8
            && fields[..3] == ["Run", "Time:", "real"]
            && fields[4] == "user"
            && fields[6] == "sys"
            && [(fields[3], 3), (fields[5], 6), (fields[7], 6)].iter().all(|(n, places)| {
                n.split_once('.').is_some_and(|(whole, part)| !whole.is_empty() && part.len() == *places && n.parse::<f64>().is_ok())
            })
    };
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 5, "{}", run.stdout);
    assert_eq!(lines[..2], ["1", "2"]);
    assert!(shape(lines[2]) && shape(lines[3]), "{}", run.stdout);
    assert_eq!(lines[4], "3");
    assert_eq!(run.stderr, "Parse error near line 3: no such function: nosuch\n  SELECT nosuch();\n         ^--- error here\n");
    // The same shape as Debian's sqlite3 prints.
    let (sqlite3, _) = both(".timer on\nSELECT 1;\n");
    assert!(shape(sqlite3.stdout.lines().nth(1).unwrap()), "{}", sqlite3.stdout);
}
