//! String distances over bytes, as sqlean computes them (its versions come from Ross Bayer's
//! libstrcmp), including where they depart from the textbook definitions; each departure
//! is noted where it is reproduced.

/// An allocation the distance matrix needs failed (the inputs are too long).
#[derive(Debug, PartialEq)]
pub struct OutOfMemory;

/// `n` copies of `value`, or `OutOfMemory` instead of aborting the instance.
fn filled<T: Clone>(n: usize, value: T) -> Result<Vec<T>, OutOfMemory> {
    let mut v = Vec::new();
    v.try_reserve_exact(n).map_err(|_| OutOfMemory)?;
    v.resize(n, value);
    Ok(v)
}

/// The byte at `i`, or 0 past the end: sqlean reads C strings, whose terminator is a 0.
fn at(s: &[u8], i: usize) -> u8 {
    s.get(i).copied().unwrap_or(0)
}

/// Both strings without their common prefix.
fn strip_common_prefix<'a>(a: &'a [u8], b: &'a [u8]) -> (&'a [u8], &'a [u8]) {
    let common = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    (&a[common..], &b[common..])
}

/// Damerau-Levenshtein distance (transpositions of non-adjacent characters allowed too).
pub fn damerau_levenshtein(a: &[u8], b: &[u8]) -> Result<usize, OutOfMemory> {
    if a.is_empty() || b.is_empty() {
        return Ok(a.len().max(b.len()));
    }
    let (a, b) = strip_common_prefix(a, b);
    let infinity = a.len() + b.len();
    let rows = a.len() + 2;
    let cols = b.len() + 2;
    let cells = rows.checked_mul(cols).ok_or(OutOfMemory)?;
    let mut m = filled(cells, 0usize)?;
    let idx = |row: usize, col: usize| row * cols + col;
    m[idx(0, 0)] = infinity;
    for row in 1..rows {
        m[idx(row, 0)] = infinity;
        m[idx(row, 1)] = row - 1;
    }
    for col in 1..cols {
        m[idx(0, col)] = infinity;
        m[idx(1, col)] = col - 1;
    }
    // The last row (1-based) where each byte occurred in `a`; 0 for never.
    let mut last_row = [0usize; 256];
    for row in 1..=a.len() {
        // The last column of this row where `a`'s byte matched `b`'s.
        let mut last_match_col = 0;
        for col in 1..=b.len() {
            let i = last_row[usize::from(b[col - 1])];
            let k = last_match_col;
            let cost = usize::from(a[row - 1] != b[col - 1]);
            if cost == 0 {
                last_match_col = col;
            }
            let substitute = m[idx(row, col)] + cost;
            let insert = m[idx(row + 1, col)] + 1;
            let delete = m[idx(row, col + 1)] + 1;
            let transpose = m[idx(i, k)] + (row - i - 1) + (col - k - 1) + 1;
            m[idx(row + 1, col + 1)] = substitute.min(insert).min(delete).min(transpose);
        }
        last_row[usize::from(a[row - 1])] = row;
    }
    Ok(m[idx(rows - 1, cols - 1)])
}

/// Levenshtein distance.
pub fn levenshtein(a: &[u8], b: &[u8]) -> Result<usize, OutOfMemory> {
    if a.is_empty() || b.is_empty() {
        return Ok(a.len().max(b.len()));
    }
    let (a, b) = strip_common_prefix(a, b);
    // One row of the matrix over `a`, rewritten for each byte of `b`.
    let mut row = filled(a.len() + 1, 0usize)?;
    for (col, cell) in row.iter_mut().enumerate() {
        *cell = col;
    }
    for (r, &cb) in b.iter().enumerate() {
        let mut diagonal = row[0];
        row[0] = r + 1;
        for col in 1..=a.len() {
            let above = row[col];
            let cost = usize::from(a[col - 1] != cb);
            row[col] = (above + 1).min(row[col - 1] + 1).min(diagonal + cost);
            diagonal = above;
        }
    }
    Ok(row[a.len()])
}

/// sqlean's "optimal string alignment" distance. Its transposition test looks one byte
/// ahead of the textbook's (`a[i+1] = b[j]` and `a[i] = b[j+1]` rather than `a[i] = b[j-1]`
/// and `a[i-1] = b[j]`, reading the terminating 0 at the end), so 'awesome' / 'aewsme'
/// gives 3 where the textbook gives 2; the same quirk is kept so results agree.
pub fn optimal_string_alignment(a: &[u8], b: &[u8]) -> Result<usize, OutOfMemory> {
    if a.is_empty() || b.is_empty() {
        return Ok(a.len().max(b.len()));
    }
    let (a, b) = strip_common_prefix(a, b);
    // Rows `row - 2`, `row - 1` and `row` of the matrix.
    let mut before = filled(b.len() + 1, 0usize)?;
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = filled(b.len() + 1, 0usize)?;
    for row in 1..=a.len() {
        current[0] = row;
        for col in 1..=b.len() {
            let cost = usize::from(a[row - 1] != b[col - 1]);
            let mut best = (previous[col] + 1).min(current[col - 1] + 1).min(previous[col - 1] + cost);
            if row > 1 && col > 1 && at(a, row) == b[col - 1] && a[row - 1] == at(b, col) {
                best = best.min(before[col - 2] + cost);
            }
            current[col] = best;
        }
        std::mem::swap(&mut before, &mut previous);
        std::mem::swap(&mut previous, &mut current);
    }
    Ok(previous[b.len()])
}

/// The number of positions that differ, or -1 when the lengths do.
pub fn hamming(a: &[u8], b: &[u8]) -> i64 {
    if a.len() != b.len() {
        return -1;
    }
    a.iter().zip(b).filter(|(x, y)| x != y).count() as i64
}

/// sqlean's Jaro similarity. Its match window comes from an unparenthesized `MAX` macro:
/// `(int)MAX(n1, n2) / 2 - 1` reads as `n1 > n2 ? n1 : n2 / 2 - 1`, so the window is all of
/// `a` when `a` is the longer one, and -1 (no match at all) for two 1-byte strings.
fn jaro(a: &[u8], b: &[u8]) -> f64 {
    if a.is_empty() {
        return if b.is_empty() { 1.0 } else { 0.0 };
    }
    // Lengths fit in i64: SQLite caps a value at 2^31 bytes.
    let (n1, n2) = (a.len() as i64, b.len() as i64);
    let window = if n1 > n2 { n1 } else { n2 / 2 - 1 };
    let mut a_matched = vec![false; a.len()];
    let mut b_matched = vec![false; b.len()];
    let mut matches = 0.0;
    for (i, &ca) in a.iter().enumerate() {
        let i = i as i64;
        let start = (i - window).max(0);
        let end = (i + window + 1).min(n2);
        for k in start..end {
            let k = k as usize;
            if !b_matched[k] && b[k] == ca {
                a_matched[i as usize] = true;
                b_matched[k] = true;
                matches += 1.0;
                break;
            }
        }
    }
    if matches == 0.0 {
        return 0.0;
    }
    let mut transpositions = 0.0;
    let mut k = 0;
    for (i, &ca) in a.iter().enumerate() {
        if !a_matched[i] {
            continue;
        }
        while !b_matched[k] {
            k += 1;
        }
        if ca != b[k] {
            transpositions += 1.0;
        }
        k += 1;
    }
    transpositions /= 2.0;
    (matches / n1 as f64 + matches / n2 as f64 + (matches - transpositions) / matches) / 3.0
}

/// Jaro-Winkler similarity: Jaro's, raised by 0.1 of the rest per common leading byte (at
/// most 3). sqlean's prefix count does not stop at the end of the strings: for two equal
/// strings shorter than 3 bytes it goes on comparing the terminating 0 and what follows it
/// in memory. This reads zeros there (sqlean's usual answer, 0.3 for two equal 1-byte
/// strings; it may give 0.2 when the bytes after the terminator differ).
pub fn jaro_winkler(a: &[u8], b: &[u8]) -> f64 {
    let dist = jaro(a, b);
    let mut prefix: u8 = 0;
    if !a.is_empty() && !b.is_empty() {
        while prefix < 3 && at(a, usize::from(prefix)) == at(b, usize::from(prefix)) {
            prefix += 1;
        }
    }
    dist + f64::from(prefix) * 0.1 * (1.0 - dist)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_examples() {
        assert_eq!(damerau_levenshtein(b"awesome", b"aewsme"), Ok(2));
        assert_eq!(hamming(b"awesome", b"aewsome"), 2);
        assert_eq!(levenshtein(b"awesome", b"aewsme"), Ok(3));
        assert_eq!(optimal_string_alignment(b"awesome", b"aewsme"), Ok(3));
        assert!((jaro_winkler(b"awesome", b"aewsme") - 0.907142857142857).abs() < 1e-12);
    }

    #[test]
    fn edge_cases() {
        assert_eq!(levenshtein(b"", b"abc"), Ok(3));
        assert_eq!(levenshtein(b"abc", b"abc"), Ok(0));
        assert_eq!(levenshtein(b"kitten", b"sitting"), Ok(3));
        assert_eq!(damerau_levenshtein(b"ca", b"abc"), Ok(2));
        assert_eq!(damerau_levenshtein(b"abc", b"abc"), Ok(0));
        assert_eq!(optimal_string_alignment(b"", b"ab"), Ok(2));
        assert_eq!(hamming(b"ab", b"abc"), -1);
        assert_eq!(hamming(b"", b""), 0);
        assert_eq!(jaro_winkler(b"", b""), 1.0);
        assert_eq!(jaro_winkler(b"", b"a"), 0.0);
        assert_eq!(jaro_winkler(b"ab", b"ba"), 0.0);
        assert_eq!(jaro_winkler(b"abcd", b"b"), 0.75);
        assert_eq!(jaro_winkler(b"a", b"a"), 0.30000000000000004);
        assert_eq!(jaro_winkler(b"ab", b"ab"), 1.0);
    }
}
