//! `.dump`: the database as SQL text that rebuilds it, in the sqlite3 shell's format, so a
//! dump made by either shell reads back in the other.

use crate::bindings::sqlink::wasm::spi;
use crate::format::sql_literal;
use crate::shell::{PAGE_ROWS, Shell};

impl Shell {
    /// Tables (schema, then rows), then indexes, triggers and views, in one transaction.
    /// With `pattern`, only the objects whose name matches it (LIKE).
    pub fn dump(&mut self, pattern: Option<&str>) {
        let filter = pattern.map_or_else(|| String::from("1"), |p| format!("name LIKE {} ESCAPE '\\'", crate::format::sql_string(p)));
        self.output.line("PRAGMA foreign_keys=OFF;");
        self.output.line("BEGIN TRANSACTION;");
        let tables = format!(
            "SELECT name, sql FROM sqlite_schema AS o WHERE ({filter}) AND type == 'table' AND sql NOT NULL \
             ORDER BY tbl_name == 'sqlite_sequence', rowid"
        );
        // A virtual table is written into the schema as it is, with writable_schema on, and
        // not created: creating it would make shadow tables that the dump then creates
        // again, and its rows are those of the shadow tables, dumped as plain tables.
        let mut writable_schema = false;
        let mut ok = match self.query_text(&tables) {
            Ok(rows) => rows.iter().all(|row| {
                if row[1].starts_with("CREATE VIRTUAL TABLE") {
                    if !writable_schema {
                        self.output.line("PRAGMA writable_schema=ON;");
                        writable_schema = true;
                    }
                    self.output.line(&virtual_table_entry(&row[0], &row[1]));
                    true
                } else {
                    self.dump_table(&row[0], &row[1])
                }
            }),
            Err(e) => {
                self.error(&e);
                false
            }
        };
        let others =
            format!("SELECT sql FROM sqlite_schema AS o WHERE ({filter}) AND sql NOT NULL AND type IN ('index', 'trigger', 'view')");
        match self.query_text(&others) {
            Ok(rows) => rows.iter().for_each(|row| self.output.line(&format!("{};", row[0]))),
            Err(e) => {
                self.error(&e);
                ok = false;
            }
        }
        if writable_schema {
            self.output.line("PRAGMA writable_schema=OFF;");
        }
        self.output.line(if ok { "COMMIT;" } else { "ROLLBACK; -- due to errors" });
    }

    /// One table's CREATE statement and an INSERT per row. False after an error.
    fn dump_table(&mut self, name: &str, sql: &str) -> bool {
        if name == "sqlite_sequence" {
            self.output.line("DELETE FROM sqlite_sequence;");
        } else if name == "sqlite_stat1" {
            self.output.line("ANALYZE sqlite_schema;");
        } else if name.starts_with("sqlite_") {
            return true;
        } else {
            self.output.line(&schema_statement(sql));
        }
        let table = spi::sql_identifier(name);
        let select = format!("SELECT * FROM {table}");
        let prepared = match self.conn.prepare(select.as_bytes()) {
            Ok(prepared) => prepared,
            Err(e) => {
                self.error(&e.message);
                return false;
            }
        };
        let Some(statement) = prepared.statement else { return true };
        let mut text = String::new();
        loop {
            let page = match statement.fetch(PAGE_ROWS) {
                Ok(page) => page,
                Err(e) => {
                    self.error(&e.message);
                    return false;
                }
            };
            let done = page.done;
            for row in &crate::rawtext::printable_rows(page) {
                let values: Vec<String> = row.iter().map(|v| sql_literal(v, true)).collect();
                text.push_str(&format!("INSERT INTO {table} VALUES({});\n", values.join(",")));
            }
            self.output.out_rows(&text);
            text.clear();
            if done {
                return true;
            }
        }
    }
}

/// A schema entry as sqlite3's `.schema` and `.dump` print it: with its semicolon, and
/// `IF NOT EXISTS` for a table whose name is quoted (it may clash with one already there).
pub fn schema_statement(sql: &str) -> String {
    match sql.strip_prefix("CREATE TABLE ").filter(|rest| rest.starts_with(['"', '\''])) {
        Some(rest) => format!("CREATE TABLE IF NOT EXISTS {rest};"),
        None => format!("{sql};"),
    }
}

/// A virtual table's schema entry as sqlite3's `.dump` writes it: straight into
/// sqlite_schema, so that reading the dump back does not run the module's xCreate.
fn virtual_table_entry(name: &str, sql: &str) -> String {
    let (name, sql) = (crate::format::sql_string(name), crate::format::sql_string(sql));
    format!("INSERT INTO sqlite_schema(type,name,tbl_name,rootpage,sql)VALUES('table',{name},{name},0,{sql});")
}
