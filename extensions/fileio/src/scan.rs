//! `fileio_scan(path)`: a file's lines, read as SQLite asks for them.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};

use sqlink_sdk::{Error, Value};

/// The lines of one file. A line ends at `\n`, which is not part of it, nor is a `\r`
/// right before it; the last line needs no `\n`.
pub struct Lines<R> {
    reader: BufReader<R>,
    /// The name the user gave, for errors.
    name: String,
    done: bool,
}

impl Lines<File> {
    pub fn new(file: File, name: String) -> Self {
        Lines::from_reader(file, name)
    }
}

impl<R: Read> Lines<R> {
    pub fn from_reader(reader: R, name: String) -> Self {
        Lines { reader: BufReader::new(reader), name, done: false }
    }
}

/// A line as a value: text, or a blob when its bytes are not UTF-8 (a text value here must
/// be UTF-8, and a blob keeps every byte).
fn value(mut line: Vec<u8>) -> Value {
    if line.last() == Some(&b'\n') {
        line.pop();
        if line.last() == Some(&b'\r') {
            line.pop();
        }
    }
    match String::from_utf8(line) {
        Ok(text) => Value::Text(text),
        Err(e) => Value::Blob(e.into_bytes()),
    }
}

impl<R: Read> Iterator for Lines<R> {
    type Item = Result<(Value,), Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let mut line = Vec::new();
        match self.reader.read_until(b'\n', &mut line) {
            Ok(0) => {
                self.done = true;
                None
            }
            Ok(_) => Some(Ok((value(line),))),
            Err(e) => {
                self.done = true;
                Some(Err(Error::new(format!("fileio_scan(): cannot read {}: {e}", self.name))))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(bytes: &[u8]) -> Vec<Value> {
        Lines::from_reader(bytes, "x".into()).map(|r| r.unwrap().0).collect()
    }

    fn text(lines: &[&str]) -> Vec<Value> {
        lines.iter().map(|l| Value::Text((*l).to_owned())).collect()
    }

    #[test]
    fn splits_at_newlines() {
        assert_eq!(lines(b"one\ntwo\nthree\n"), text(&["one", "two", "three"]));
        assert_eq!(lines(b"one\r\ntwo\r\nthree"), text(&["one", "two", "three"]), "CRLF, no final newline");
        assert_eq!(lines(b""), text(&[]));
        assert_eq!(lines(b"\n\n"), text(&["", ""]));
        assert_eq!(lines(b"a\rb\nc\r"), text(&["a\rb", "c\r"]), "a \\r elsewhere stays");
        assert_eq!(lines(b"x\r\r\n"), text(&["x\r"]));
    }

    #[test]
    fn keeps_bytes_that_are_not_utf8() {
        assert_eq!(lines(b"ok\n\xff\xfe\n"), vec![Value::Text("ok".into()), Value::Blob(vec![0xff, 0xfe])]);
        assert_eq!(lines(b"a\0b\n"), text(&["a\0b"]));
    }
}
