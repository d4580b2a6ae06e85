//! Colour for a terminal, plain text for a pipe or a log (and when `NO_COLOR` is set).

use std::io::IsTerminal;
use std::sync::OnceLock;

fn enabled() -> bool {
    static ENABLED: OnceLock<bool> = OnceLock::new();
    *ENABLED.get_or_init(|| {
        std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal()
    })
}

fn paint(code: &str, text: &str) -> String {
    if enabled() {
        format!("\x1b[{code}m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

pub fn server(text: &str) -> String {
    paint("36", text)
}
pub fn client(text: &str) -> String {
    paint("32", text)
}
pub fn good(text: &str) -> String {
    paint("32;1", text)
}
pub fn error(text: &str) -> String {
    paint("31;1", text)
}
pub fn dim(text: &str) -> String {
    paint("2", text)
}
pub fn bold(text: &str) -> String {
    paint("1", text)
}
