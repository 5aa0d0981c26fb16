//! Reading one field at a time, as sqlean's vsv reads it: RFC 4180 quoting with any one-byte
//! field and record separators, a UTF-8 byte-order mark skipped before the first field, a
//! `\r` before a `\n` separator dropped, and sqlean's handling of stray quotes kept as it is
//! (its tables must read the same rows here).
//!
//! Separators and the byte that ended a field are C `char`s as sqlean compares them: a
//! separator given as one character is that byte, one given as `\xhh` is 0 to 255, and the
//! byte that ended a field is kept signed, so a field ended by a byte of 128 or more never
//! continues the record.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};

/// The end of the input, as C's `EOF`.
pub const EOF: i32 = -1;
const NL: i32 = b'\n' as i32;
const CR: i32 = b'\r' as i32;
const QUOTE: i32 = b'"' as i32;

/// How much of a file one read takes.
const BUFFER: usize = 64 * 1024;

/// A byte as C's `char` holds it (signed), or EOF.
fn as_c_char(c: i32) -> i32 {
    if c == EOF { EOF } else { i32::from(c as u8 as i8) }
}

pub struct Reader {
    file: Option<File>,
    /// The data (`data=`), or the part of the file read last.
    buf: Vec<u8>,
    pos: usize,
    len: usize,
    /// Where `buf` starts in the file.
    base: u64,
    pub fsep: i32,
    pub rsep: i32,
    /// The field read last.
    pub field: Vec<u8>,
    /// The field had content (or quotes): with `nulls`, one without is NULL.
    pub not_null: bool,
    /// What ended the field read last: a separator, another byte, or EOF.
    pub cterm: i32,
    /// A byte was ever kept: until then sqlean's reader keeps a NUL for an empty field, so
    /// that field is one byte long (a NUL), which its blobs show.
    kept: bool,
    not_first: bool,
    line: i32,
    /// sqlean's message for a malformed field, which only a skip reports.
    pub complaint: String,
    /// A read of the file failed: the scan ends with this error.
    pub failed: Option<io::Error>,
}

impl Reader {
    fn new(file: Option<File>, buf: Vec<u8>, fsep: i32, rsep: i32) -> Reader {
        let len = if file.is_some() { 0 } else { buf.len() };
        Reader {
            file,
            buf,
            pos: 0,
            len,
            base: 0,
            fsep,
            rsep,
            field: Vec::new(),
            not_null: false,
            cterm: 0,
            kept: false,
            not_first: false,
            line: 0,
            complaint: String::new(),
            failed: None,
        }
    }

    pub fn of_file(file: File, fsep: i32, rsep: i32) -> Reader {
        Reader::new(Some(file), vec![0; BUFFER], fsep, rsep)
    }

    /// `data=`: as sqlean, a C string, so it ends at a NUL.
    pub fn of_data(data: &[u8], fsep: i32, rsep: i32) -> Reader {
        let end = data.iter().position(|&b| b == 0).unwrap_or(data.len());
        Reader::new(None, data[..end].to_vec(), fsep, rsep)
    }

    /// Where the next byte comes from, in the file or the data.
    pub fn offset(&self) -> u64 {
        self.base + self.pos as u64
    }

    /// Read again from `offset`.
    pub fn seek(&mut self, offset: u64) -> io::Result<()> {
        match &mut self.file {
            Some(file) => {
                file.seek(SeekFrom::Start(offset))?;
                self.base = offset;
                self.pos = 0;
                self.len = 0;
            }
            None => self.pos = usize::try_from(offset).unwrap_or(usize::MAX).min(self.len),
        }
        Ok(())
    }

    #[inline]
    fn getc(&mut self) -> i32 {
        if self.pos < self.len {
            let c = self.buf[self.pos];
            self.pos += 1;
            i32::from(c)
        } else {
            self.refill()
        }
    }

    #[cold]
    fn refill(&mut self) -> i32 {
        let Some(file) = self.file.as_mut() else { return EOF };
        self.base += self.len as u64;
        self.pos = 0;
        self.len = 0;
        loop {
            match file.read(&mut self.buf) {
                Ok(0) => return EOF,
                Ok(got) => {
                    self.len = got;
                    self.pos = 1;
                    return i32::from(self.buf[0]);
                }
                Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                Err(error) => {
                    self.failed.get_or_insert(error);
                    return EOF;
                }
            }
        }
    }

    fn keep(&mut self, c: i32) {
        self.kept = true;
        self.field.push(c as u8);
    }

    /// Read one field into `field`; false at the end of the input.
    pub fn read_field(&mut self) -> bool {
        self.not_null = false;
        self.field.clear();
        let mut c = self.getc();
        if c == EOF {
            self.cterm = EOF;
            return false;
        }
        if c == QUOTE {
            self.read_quoted();
        } else {
            if c == 0xef && !self.not_first {
                self.keep(c);
                c = self.getc();
                if c == 0xbb {
                    self.keep(c);
                    c = self.getc();
                    if c == 0xbf {
                        self.not_first = true;
                        return self.read_field();
                    }
                }
            }
            self.read_plain(c);
        }
        self.not_first = true;
        if !self.kept {
            self.keep(0);
        }
        true
    }

    /// The rest of a field that began with a quote.
    fn read_quoted(&mut self) {
        let start_line = self.line;
        self.not_null = true;
        let (mut pc, mut ppc) = (0, 0);
        loop {
            let c = self.getc();
            if c == NL {
                self.line += 1;
            }
            if c == QUOTE && pc == QUOTE {
                // A doubled quote: the first one is kept.
                pc = ppc;
                ppc = 0;
                continue;
            }
            let closed =
                pc == QUOTE && (c == self.fsep || c == self.rsep || c == EOF) || (self.rsep == NL && c == NL && pc == CR && ppc == QUOTE);
            if closed {
                // Drop the closing quote and what followed it.
                while let Some(last) = self.field.pop() {
                    if last == b'"' {
                        break;
                    }
                }
                self.cterm = as_c_char(c);
                return;
            }
            if pc == QUOTE && self.rsep == NL && c != CR {
                // sqlean stops the field here, and keeps what ended the field before.
                self.complaint = format!("line {}: unescaped \" character", self.line);
                return;
            }
            if c == EOF {
                self.complaint = format!("line {start_line}: unterminated \"-quoted field\n");
                self.cterm = EOF;
                return;
            }
            self.keep(c);
            ppc = pc;
            pc = c;
        }
    }

    /// A field without quotes, from its first byte `c`: up to a separator or the end.
    fn read_plain(&mut self, mut c: i32) {
        let (fsep, rsep) = (self.fsep, self.rsep);
        if c != EOF && c != fsep && c != rsep {
            self.not_null = true;
            self.keep(c);
            loop {
                let chunk = &self.buf[self.pos..self.len];
                if let Some(end) = chunk.iter().position(|&b| i32::from(b) == fsep || i32::from(b) == rsep) {
                    self.field.extend_from_slice(&chunk[..end]);
                    c = i32::from(chunk[end]);
                    self.pos += end + 1;
                    break;
                }
                self.field.extend_from_slice(chunk);
                self.pos = self.len;
                c = self.getc();
                if c == EOF || c == fsep || c == rsep {
                    break;
                }
                self.field.push(c as u8);
            }
            if fsep != NL && rsep != NL {
                self.line += self.field.iter().filter(|&&b| b == b'\n').count() as i32;
            }
        }
        if c == NL {
            self.line += 1;
        }
        if (rsep == NL || fsep == NL) && self.field.last() == Some(&b'\r') {
            self.field.pop();
            if self.field.is_empty() {
                self.not_null = false;
            }
        }
        self.cterm = as_c_char(c);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(data: &str) -> Vec<(Option<String>, i32)> {
        let mut reader = Reader::of_data(data.as_bytes(), i32::from(b','), NL);
        let mut out = Vec::new();
        loop {
            let got = reader.read_field();
            out.push((got.then(|| String::from_utf8_lossy(&reader.field).into_owned()), reader.cterm));
            if reader.cterm == EOF {
                return out;
            }
        }
    }

    #[test]
    fn fields_end_at_separators_and_quotes_are_undone() {
        let comma = i32::from(b',');
        assert_eq!(fields("a,\"b,\"\"c\"\"\"\r\nd"), [(Some("a".into()), comma), (Some("b,\"c\"".into()), NL), (Some("d".into()), EOF)]);
        // An empty first field before any byte was kept is a NUL, as in sqlean.
        assert_eq!(fields(",x")[0], (Some("\0".into()), comma));
        assert_eq!(fields("\u{feff}a")[0], (Some("a".into()), EOF));
    }
}
