//! Not an extension: a plain WASI command (it exports `wasi:cli/run`), which `.load` must
//! refuse with a clear message.

fn main() {
    println!("hello from a command");
}
