//! What an extension that trapped says about why, in every host's error: Rust's panic
//! handler prints the message to stderr before the trap. The page reads it the same way
//! (`browser/src/rules.js`); `rules/cases.json` holds the cases both are tested against.

/// The message of a Rust panic an extension printed to stderr before trapping: the line
/// after "thread '…' panicked at FILE:LINE:COL:", or that line itself when the next is empty
/// or only the backtrace note.
pub fn panic_message(stderr: &str) -> Option<String> {
    let mut lines = stderr.lines().skip_while(|line| !line.contains("panicked at"));
    let first = lines.next()?;
    let message = lines.next().map(str::trim).filter(|line| !line.is_empty() && !line.starts_with("note:"));
    Some(message.unwrap_or(first.trim()).to_owned())
}
