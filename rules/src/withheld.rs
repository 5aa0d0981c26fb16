//! What a failing call's error adds when the call asked for something the sandbox withheld:
//! language runtimes look for files or read the environment and fail for want of them, and
//! the user should learn which grant would have helped. The page says the same in JS
//! (`browser/src/rules.js`); `rules/cases.json` holds the cases both are tested against.

/// What an extension asked for in one call that its grants withheld.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Withheld {
    /// It looked for directories, and none is granted.
    pub files: bool,
    /// It read the environment, which is withheld.
    pub environment: bool,
}

/// How a host grants what an extension may ask for.
#[derive(Debug, Clone, Copy)]
pub enum Grants<'a> {
    /// By these flags or options (`--allow-dir DIR`, `--allow-env`).
    Named { dir: &'a str, env: &'a str },
    /// Not at all: the page gives extensions no files and no environment.
    None,
}

/// The note for a failure of a call that asked for `withheld`, if it asked for anything.
pub fn withheld_note(withheld: Withheld, grants: Grants<'_>) -> Option<String> {
    let mut notes = Vec::new();
    if withheld.files {
        notes.push(match grants {
            Grants::Named { dir, .. } => format!("it looked for files, but no directory is granted: {dir} grants one"),
            Grants::None => String::from("it looked for files, and extensions get none in the page"),
        });
    }
    if withheld.environment {
        notes.push(match grants {
            Grants::Named { env, .. } => format!("it read the environment, which is empty without {env}"),
            Grants::None => String::from("it read the environment, which extensions do not get in the page"),
        });
    }
    (!notes.is_empty()).then(|| notes.join("; "))
}
