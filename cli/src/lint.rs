//! `.lint fkey-indexes ?-verbose? ?-groupbyparent?`, as the sqlite3 shell 3.40 reports:
//! each foreign key of the main database whose child columns no index serves (so that a
//! DELETE or UPDATE of the parent must scan the child table), with the CREATE INDEX that
//! would serve it. Whether an index serves it is SQLite's own answer: the plan of the lookup
//! the foreign-key check makes.

use crate::format::sql_string;
use crate::shell::Shell;

/// One foreign key: the child table, the parent table, and the column pairs in order.
struct ForeignKey {
    child: String,
    parent: String,
    /// (child column, parent column); the parent's is None when neither the key nor the
    /// parent's primary key names one.
    columns: Vec<(String, Option<String>)>,
}

/// Whether `typed` is a case-insensitive prefix of `word` at least `min` long (sqlite3's
/// `strnicmp` over the typed length).
fn abbreviates(typed: &str, word: &str, min: usize) -> bool {
    typed.len() >= min && word.len() >= typed.len() && word[..typed.len()].eq_ignore_ascii_case(typed)
}

impl Shell {
    /// `.lint` (typed as `typed`): its usage errors are printed but, as in sqlite3, do not
    /// count as errors.
    pub fn lint(&mut self, typed: &str, args: &[String]) {
        let Some(sub) = args.first().filter(|s| abbreviates(s, "fkey-indexes", 1)) else {
            return self.warn(&format!("Usage {typed} sub-command ?switches...?\nWhere sub-commands are:\n    fkey-indexes"));
        };
        let (mut verbose, mut by_parent) = (false, false);
        for option in &args[1..] {
            if abbreviates(option, "-verbose", 2) {
                verbose = true;
            } else if abbreviates(option, "-groupbyparent", 2) {
                by_parent = true;
            } else {
                return self.warn(&format!("Usage: {typed} {sub} ?-verbose? ?-groupbyparent?"));
            }
        }
        if let Err(message) = self.lint_foreign_keys(verbose, by_parent) {
            self.warn(&message);
        }
    }

    fn lint_foreign_keys(&mut self, verbose: bool, by_parent: bool) -> Result<(), String> {
        let indent = if by_parent { "    " } else { "" };
        let keys = self.query_text(&format!(
            "SELECT s.name, f.id FROM sqlite_schema AS s, pragma_foreign_key_list(s.name) AS f \
             LEFT JOIN pragma_table_info AS p ON (pk-1=seq AND p.arg=f.[table]) \
             GROUP BY s.name, f.id ORDER BY (CASE WHEN {} THEN f.[table] ELSE s.name END)",
            i32::from(by_parent)
        ))?;
        let mut previous_parent: Option<String> = None;
        for key in keys {
            let key = self.foreign_key(&key[0], &key[1])?;
            let q = |s: &str| sql_string(s);
            let collate: Vec<String> = key.columns.iter().map(|(from, to)| self.collate_clause(&key, from, to.as_deref())).collect();
            let matches: Vec<String> =
                key.columns.iter().zip(&collate).map(|((from, _), collate)| format!("{}.{}=?{collate}", q(&key.child), q(from))).collect();
            let plan_sql = format!("EXPLAIN QUERY PLAN SELECT 1 FROM {} WHERE {}", q(&key.child), matches.join(" AND "));
            let glob = format!("SEARCH {} USING COVERING INDEX*({})", key.child, vec!["*=?"; key.columns.len()].join(" AND "));
            let froms: Vec<&str> = key.columns.iter().map(|(from, _)| from.as_str()).collect();
            let tos: Vec<&str> = key.columns.iter().filter_map(|(_, to)| to.as_deref()).collect();
            let from_text = format!("{}({})", key.child, froms.join(", "));
            let target = format!("{}({})", key.parent, tos.join(","));
            let index_columns: Vec<String> = froms.iter().zip(&collate).map(|(from, collate)| format!("{}{collate}", q(from))).collect();
            let create = format!(
                "CREATE INDEX {} ON {}({});",
                q(&format!("{}_{}", key.child, froms.join("_"))),
                q(&key.child),
                index_columns.join(", ")
            );
            let plan = self.query_text(&plan_sql)?.into_iter().next().and_then(|row| row.into_iter().nth(3));
            let Some(plan) = plan else { return Err(String::from("Error: internal error")) };
            let served = self.query_text(&format!(
                "SELECT glob({}, {p}) OR glob('SEARCH * USING INTEGER PRIMARY KEY (rowid=?)', {p})",
                q(&glob),
                p = q(&plan)
            ))?;
            let served = served.first().and_then(|r| r.first()).is_some_and(|v| v == "1");
            if by_parent && (verbose || !served) && previous_parent.as_ref().is_none_or(|p| !p.eq_ignore_ascii_case(&key.parent)) {
                self.output.out(&format!("-- Parent table {}\n", key.parent));
                previous_parent = Some(key.parent.clone());
            }
            if !served {
                self.output.out(&format!("{indent}{create} --> {target}\n"));
            } else if verbose {
                self.output.out(&format!("{indent}/* no extra indexes required for {from_text} -> {target} */\n"));
            }
        }
        Ok(())
    }

    /// Foreign key `id` of table `child`, its columns in order.
    fn foreign_key(&mut self, child: &str, id: &str) -> Result<ForeignKey, String> {
        let rows = self.query_text(&format!(
            "SELECT f.[table], f.[from], COALESCE(f.[to], p.[name]), COALESCE(f.[to], p.[name]) IS NULL FROM pragma_foreign_key_list({}) AS f \
             LEFT JOIN pragma_table_info AS p ON (pk-1=seq AND p.arg=f.[table]) WHERE f.id = {} ORDER BY f.seq",
            sql_string(child),
            id.parse::<i64>().unwrap_or(-1)
        ))?;
        let parent = rows.first().map(|r| r[0].clone()).unwrap_or_default();
        let columns = rows.into_iter().map(|mut r| (std::mem::take(&mut r[1]), (r[3] != "1").then(|| std::mem::take(&mut r[2])))).collect();
        Ok(ForeignKey { child: child.to_owned(), parent, columns })
    }

    /// ` COLLATE X` when the parent column's collation X is not the child column's, as the
    /// index must compare as the parent's key does; empty otherwise.
    fn collate_clause(&self, key: &ForeignKey, from: &str, to: Option<&str>) -> String {
        let parent = to.and_then(|to| self.conn.column_collation(&key.parent, to));
        let child = parent.as_ref().and_then(|_| self.conn.column_collation(&key.child, from));
        match (parent, child) {
            (Some(parent), Some(child)) if !parent.eq_ignore_ascii_case(&child) => format!(" COLLATE {parent}"),
            _ => String::new(),
        }
    }
}
