//! How a table function's rows cross from the extension, in every host: a page of up to
//! [`PAGE_ROWS`] rows at a time, each exactly as wide as the table's columns, and a page
//! shorter than that is the last (a virtual table's rows page the same way). A host keeps a
//! [`Pages`] per scan, asks the extension for a page when [`Pages::wants_page`] says so, and
//! closes the extension's cursor once [`Pages::is_last`].

use std::fmt;

/// Rows asked for per crossing: enough that a crossing's cost spreads thin, few enough that
/// a query with LIMIT does not make many rows it never reads.
pub const PAGE_ROWS: u32 = 256;

/// A row whose width is not the table's: the extension broke its own declaration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowWidthError {
    /// The table function's name.
    pub function: String,
    pub values: usize,
    pub columns: usize,
}

impl fmt::Display for RowWidthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}(): a row has {} values for {} columns", self.function, self.values, self.columns)
    }
}

impl std::error::Error for RowWidthError {}

/// A scan's rows as they cross a page at a time: the page being read, the row it is at, and
/// whether the extension has given its last page. A new one is at its end, as a cursor
/// before its first scan is. A table function's rows ([`Pages::new`]) are lists of values
/// exactly as wide as its columns; a virtual table's ([`Pages::unchecked`]) are whatever
/// its host makes of them (its schema is SQL the extension declared, so the host does not
/// know its width: a column a row lacks reads as NULL).
#[derive(Debug, Clone)]
pub struct Pages<R> {
    /// The table function's name, for errors.
    function: Box<str>,
    /// The width of every row, where the host knows it.
    columns: Option<usize>,
    rows: Vec<R>,
    index: usize,
    last: bool,
}

impl<V> Pages<Vec<V>> {
    /// Rows of table function `function`, whose rows have `columns` values.
    pub fn new(function: &str, columns: usize) -> Self {
        Pages { function: function.into(), columns: Some(columns), rows: Vec::new(), index: 0, last: true }
    }

    /// Take the page the extension gave, which becomes the one read from its first row. A
    /// row of another width refuses the whole page and leaves the scan as it was.
    pub fn accept(&mut self, page: Vec<Vec<V>>) -> Result<(), RowWidthError> {
        if let Some(columns) = self.columns
            && let Some(row) = page.iter().find(|row| row.len() != columns)
        {
            return Err(RowWidthError { function: self.function.to_string(), values: row.len(), columns });
        }
        self.take(page);
        Ok(())
    }
}

impl<R> Pages<R> {
    /// Rows whose width is not checked (a virtual table's).
    pub fn unchecked() -> Self {
        Pages { function: Box::default(), columns: None, rows: Vec::new(), index: 0, last: true }
    }

    /// Take a page without looking into its rows: it becomes the one read from its first row,
    /// and a short page is the last.
    pub fn take(&mut self, page: Vec<R>) {
        self.last = page.len() < PAGE_ROWS as usize;
        self.rows = page;
        self.index = 0;
    }

    /// Drop the rows left, when there is no extension cursor to read more from.
    pub fn clear(&mut self) {
        self.rows.clear();
    }

    /// The extension has given its last page: its cursor can be closed.
    pub fn is_last(&self) -> bool {
        self.last
    }

    /// The row at the scan's position, None at its end.
    pub fn row(&self) -> Option<&R> {
        self.rows.get(self.index)
    }

    /// Move to the next row; then see [`Pages::wants_page`].
    pub fn advance(&mut self) {
        self.index += 1;
    }

    /// This page is read to its end and the extension has more.
    pub fn wants_page(&self) -> bool {
        self.eof() && !self.last
    }

    pub fn eof(&self) -> bool {
        self.index >= self.rows.len()
    }
}

#[cfg(test)]
mod tests {
    use super::{PAGE_ROWS, Pages, RowWidthError};

    fn page(rows: usize, width: usize) -> Vec<Vec<u32>> {
        (0..rows).map(|r| vec![r as u32; width]).collect()
    }

    #[test]
    fn a_row_of_another_width_is_refused_and_the_scan_stays_as_it_was() {
        let mut pages = Pages::new("series", 2);
        pages.accept(page(3, 2)).unwrap();
        pages.advance();
        let mut bad = page(3, 2);
        bad[1].push(9);
        let error = pages.accept(bad).unwrap_err();
        assert_eq!(error, RowWidthError { function: "series".into(), values: 3, columns: 2 });
        assert_eq!(error.to_string(), "series(): a row has 3 values for 2 columns");
        assert_eq!(pages.row().map(Vec::as_slice), Some(&[1, 1][..]), "still at the second row of the page before");
        assert_eq!(pages.accept(page(1, 0)).unwrap_err().to_string(), "series(): a row has 0 values for 2 columns");
    }

    #[test]
    fn a_full_page_wants_another_and_a_short_one_is_the_last() {
        let full = PAGE_ROWS as usize;
        let mut pages = Pages::new("t", 1);
        assert!(pages.eof() && pages.is_last() && !pages.wants_page(), "nothing to read before the first page");
        pages.accept(page(full, 1)).unwrap();
        assert!(!pages.is_last());
        for _ in 1..full {
            pages.advance();
            assert!(!pages.wants_page());
        }
        assert_eq!(pages.row().map(Vec::as_slice), Some(&[full as u32 - 1][..]));
        pages.advance();
        assert!(pages.eof() && pages.wants_page(), "a full page may not be the last");
        pages.accept(page(full - 1, 1)).unwrap();
        assert!(pages.is_last() && !pages.eof());
        assert_eq!(pages.row().map(Vec::as_slice), Some(&[0][..]), "a new page is read from its first row");
        for _ in 0..full - 1 {
            pages.advance();
        }
        assert!(pages.eof() && !pages.wants_page(), "a short page is the last");
    }

    #[test]
    fn an_empty_page_ends_the_scan() {
        let mut pages: Pages<Vec<u32>> = Pages::new("t", 3);
        pages.accept(Vec::new()).unwrap();
        assert!(pages.eof() && pages.is_last() && !pages.wants_page());
    }

    #[test]
    fn unchecked_rows_of_any_width_page_alike() {
        let mut pages: Pages<Vec<u32>> = Pages::unchecked();
        assert!(pages.eof() && pages.is_last());
        pages.accept(vec![vec![1], vec![2, 3]]).unwrap();
        assert_eq!(pages.row().map(Vec::as_slice), Some(&[1][..]));
        assert!(pages.is_last(), "a short page is the last");
        pages.take(page(PAGE_ROWS as usize, 0));
        assert!(!pages.is_last());
    }
}
