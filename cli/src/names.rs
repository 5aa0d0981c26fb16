//! Which dot command a typed name means. The sqlite3 shell 3.40 accepts any prefix of a
//! command's name that is at least as long as that command's minimum, trying its commands in
//! a fixed order, so `.hea` is `.headers`, `.o` is `.once` and `.c` is `.clone`; a few must be
//! spelled in full (`.cd`, `.nonce`, `.testcase`, `.excel`).

/// How long a prefix of a command's name must be for the name to match it.
#[derive(Clone, Copy)]
enum Spelling {
    /// Any prefix at least this long.
    AtLeast(usize),
    /// Only the whole name.
    Whole,
}

use Spelling::{AtLeast, Whole};

/// The commands of sqlite3 3.40 (as Debian builds it) in the order it tries them, each with
/// the shortest prefix it accepts. Commands sqlink lacks are listed too: their prefixes must
/// not reach a later command that sqlink has.
const ORDER: &[(&str, Spelling)] = &[
    ("auth", AtLeast(1)),
    ("archive", AtLeast(1)),
    ("backup", AtLeast(3)),
    ("save", AtLeast(3)),
    ("bail", AtLeast(3)),
    ("binary", AtLeast(3)),
    ("breakpoint", AtLeast(3)),
    ("cd", Whole),
    ("changes", AtLeast(3)),
    ("check", AtLeast(3)),
    ("clone", AtLeast(1)),
    ("connection", AtLeast(1)),
    ("databases", AtLeast(2)),
    ("dbconfig", AtLeast(3)),
    ("dbinfo", AtLeast(3)),
    ("recover", AtLeast(1)),
    ("dump", AtLeast(1)),
    ("echo", AtLeast(1)),
    ("eqp", AtLeast(1)),
    ("exit", AtLeast(1)),
    ("explain", AtLeast(1)),
    ("expert", AtLeast(1)),
    ("filectrl", AtLeast(1)),
    ("fullschema", AtLeast(1)),
    ("headers", AtLeast(1)),
    ("help", AtLeast(1)),
    ("import", AtLeast(1)),
    ("imposter", AtLeast(1)),
    ("limits", AtLeast(5)),
    ("lint", AtLeast(3)),
    ("load", AtLeast(1)),
    ("log", AtLeast(1)),
    ("mode", AtLeast(1)),
    ("nonce", Whole),
    ("nullvalue", AtLeast(1)),
    ("open", AtLeast(2)),
    // One block in sqlite3: a name matching "output" that also matches "once" is `.once`.
    ("once", AtLeast(1)),
    ("output", AtLeast(1)),
    ("excel", Whole),
    ("parameter", AtLeast(3)),
    ("print", AtLeast(3)),
    ("progress", AtLeast(3)),
    ("prompt", AtLeast(1)),
    ("quit", AtLeast(1)),
    ("read", AtLeast(3)),
    ("restore", AtLeast(3)),
    ("scanstats", AtLeast(1)),
    ("schema", AtLeast(1)),
    ("selecttrace", Whole),
    ("treetrace", Whole),
    ("session", AtLeast(3)),
    ("selftest", AtLeast(4)),
    ("separator", AtLeast(1)),
    ("sha3sum", AtLeast(4)),
    ("shell", AtLeast(1)),
    ("system", AtLeast(1)),
    ("show", AtLeast(1)),
    ("stats", AtLeast(1)),
    ("tables", AtLeast(2)),
    ("indices", AtLeast(1)),
    ("indexes", AtLeast(1)),
    ("testcase", Whole),
    ("testctrl", AtLeast(8)),
    ("timeout", AtLeast(5)),
    ("timer", AtLeast(5)),
    ("trace", AtLeast(1)),
    ("version", AtLeast(1)),
    ("vfsinfo", AtLeast(1)),
    ("vfslist", AtLeast(1)),
    ("vfsname", AtLeast(1)),
    ("wheretrace", AtLeast(1)),
    ("width", AtLeast(1)),
];

/// The command a typed name means, as sqlite3 3.40 decides it, or None when it means none
/// of them (sqlite3: "unknown command or invalid arguments").
/// sqlink's own commands (not sqlite3's) are spelled in full, so that no prefix of one takes
/// a name sqlite3 gives another command.
const OWN: &[&str] = &["extensions", "unload"];

pub fn command(typed: &str) -> Option<&'static str> {
    if typed.is_empty() {
        return None;
    }
    if let Some(own) = OWN.iter().find(|&&own| own == typed) {
        return Some(own);
    }
    ORDER.iter().find_map(|&(name, spelling)| {
        let matches = match spelling {
            Whole => typed == name,
            AtLeast(min) => typed.len() >= min && name.starts_with(typed),
        };
        matches.then_some(name)
    })
}

#[cfg(test)]
mod tests {
    use super::command;

    #[test]
    fn prefixes_resolve_in_sqlite3s_order() {
        let cases = [
            ("hea", Some("headers")),
            ("h", Some("headers")),
            ("hel", Some("help")),
            ("mo", Some("mode")),
            ("o", Some("once")),
            ("ou", Some("output")),
            ("op", Some("open")),
            ("c", Some("clone")),
            ("ch", None),
            ("cha", Some("changes")),
            ("ta", Some("tables")),
            ("t", Some("trace")),
            ("w", Some("wheretrace")),
            ("wi", Some("width")),
            ("time", None),
            ("timer", Some("timer")),
            ("in", Some("indices")),
            ("i", Some("import")),
            ("r", Some("recover")),
            ("rea", Some("read")),
            ("se", Some("separator")),
            ("ses", Some("session")),
            ("nonc", None),
            ("headersx", None),
            ("", None),
        ];
        for (typed, expected) in cases {
            assert_eq!(command(typed), expected, "{typed}");
        }
    }
}
