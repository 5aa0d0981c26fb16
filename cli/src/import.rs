//! `.import FILE TABLE`: rows of a CSV file (RFC 4180, through the `csv` crate) into a
//! table, as the sqlite3 shell imports them: a missing table is created from the header row
//! with TEXT columns, every field is inserted as text (empty fields as ''), a short row is
//! filled with NULL and a long one cut, each with a warning naming the line.

use crate::bindings::sqlink::wasm::spi;
use crate::format::sql_string;
use crate::shell::Shell;

const USAGE: &str = "usage: .import [--csv] [--skip N] [--schema S] FILE TABLE";

impl Shell {
    pub fn import(&mut self, args: &[String]) {
        let mut csv_mode = self.settings.mode == crate::format::Mode::Csv;
        let mut skip = 0usize;
        let mut positional = Vec::new();
        let mut iter = args.iter();
        let mut schema = None;
        while let Some(arg) = iter.next() {
            // As sqlite3, an option may be written with one dash or two.
            match arg.strip_prefix("--").or_else(|| arg.strip_prefix('-')).unwrap_or("") {
                "csv" => csv_mode = true,
                "skip" => match iter.next().and_then(|n| n.parse().ok()) {
                    Some(n) => skip = n,
                    None => return self.error(USAGE),
                },
                "schema" => match iter.next() {
                    Some(name) => schema = Some(name.clone()),
                    None => return self.error(USAGE),
                },
                _ if arg.starts_with('-') && arg.len() > 1 => {
                    return self.error(&format!("unknown option for .import: {arg}\n{USAGE}"));
                }
                _ => positional.push(arg),
            }
        }
        let [file, table] = positional[..] else { return self.error(USAGE) };
        let delimiter = if csv_mode {
            b','
        } else {
            match self.settings.column_separator.as_bytes() {
                [byte] => *byte,
                [] => return self.error("non-null column separator required for import"),
                _ => return self.error("multi-character column separators not allowed for import"),
            }
        };
        let content = match std::fs::read(self.resolve(file)) {
            Ok(content) => content,
            Err(e) => return self.error(&format!("cannot open \"{file}\": {e}")),
        };
        let reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(delimiter).from_reader(&content[..]);
        let mut records = Records { reader, content: &content, counted: 0, line: 1 }.skip(skip);
        if let Err(message) = self.import_records(file, schema.as_deref().unwrap_or("main"), table, &mut records) {
            self.error(&message);
        }
    }

    fn import_records(
        &mut self,
        file: &str,
        schema: &str,
        table: &str,
        records: &mut impl Iterator<Item = Result<(csv::StringRecord, usize), String>>,
    ) -> Result<(), String> {
        // `--schema S`: the table in attached database S.
        let quoted = format!("{}.{}", spi::sql_identifier(schema), spi::sql_identifier(table));
        let info = format!("pragma_table_info({}, {})", sql_string(table), sql_string(schema));
        let exists = !self.query_text(&format!("SELECT 1 FROM {info}"))?.is_empty();
        let columns = if exists {
            self.query_text(&format!("SELECT count(*) FROM {info}"))?[0][0].parse::<usize>().unwrap_or(0)
        } else {
            let Some(header) = records.next() else { return Ok(()) };
            let (header, _) = header.map_err(|e| format!("{file}: {e}"))?;
            let names: Vec<String> = header.iter().map(|name| format!("\"{}\" TEXT", name.replace('"', "\"\""))).collect();
            self.query_text(&format!(
                "CREATE TABLE IF NOT EXISTS \"{}\".\"{}\"(\n{})",
                schema.replace('"', "\"\""),
                table.replace('"', "\"\""),
                names.join(", ")
            ))?;
            header.len()
        };
        let own_transaction = self.conn.is_autocommit();
        if own_transaction {
            self.query_text("BEGIN")?;
        }
        let result = self.insert_records(file, &quoted, columns, records);
        if own_transaction {
            self.query_text(if result.is_ok() { "COMMIT" } else { "ROLLBACK" })?;
        }
        result
    }

    fn insert_records(
        &mut self,
        file: &str,
        table: &str,
        columns: usize,
        records: &mut impl Iterator<Item = Result<(csv::StringRecord, usize), String>>,
    ) -> Result<(), String> {
        for record in records {
            let (record, line) = record.map_err(|e| format!("{file}: {e}"))?;
            if record.len() < columns {
                self.warn(&format!("{file}:{line}: expected {columns} columns but found {} - filling the rest with NULL", record.len()));
            } else if record.len() > columns {
                self.warn(&format!("{file}:{line}: expected {columns} columns but found {} - extras ignored", record.len()));
            }
            let values: Vec<String> = (0..columns).map(|i| record.get(i).map_or_else(|| String::from("NULL"), sql_string)).collect();
            self.query_text(&format!("INSERT INTO {table} VALUES({})", values.join(",")))?;
        }
        Ok(())
    }
}

/// The CSV records of a file, each with the line it ends on (counting every newline, those
/// inside quoted fields too, as sqlite3 numbers lines in its warnings).
struct Records<'a> {
    reader: csv::Reader<&'a [u8]>,
    content: &'a [u8],
    /// Bytes whose newlines are counted in `line`.
    counted: usize,
    line: usize,
}

impl Iterator for Records<'_> {
    type Item = Result<(csv::StringRecord, usize), String>;

    fn next(&mut self) -> Option<Self::Item> {
        let mut record = csv::StringRecord::new();
        match self.reader.read_record(&mut record) {
            Ok(false) => None,
            Err(e) => Some(Err(e.to_string())),
            Ok(true) => {
                // The reader now stands after the record's terminator; the record ends on
                // the line of that terminator.
                let end = usize::try_from(self.reader.position().byte()).unwrap_or(self.content.len()).min(self.content.len());
                let last = end.saturating_sub(1).max(self.counted);
                self.line += self.content[self.counted..last].iter().filter(|&&b| b == b'\n').count();
                self.counted = last;
                Some(Ok((record, self.line)))
            }
        }
    }
}
