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

/// `text` without its colours (the `ESC [ … m` sequences that `paint` and
/// cargo's `--color=always` write), for matching what a learner reads.
pub fn plain(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            // Skip `[`, the parameters, and the final letter.
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::plain;

    #[test]
    fn plain_takes_the_colours_out_and_keeps_the_text() {
        assert_eq!(
            plain("\x1b[31;1m✘\x1b[0m 3/7 \x1b[1mmilestones\x1b[0m"),
            "✘ 3/7 milestones"
        );
        assert_eq!(plain("no colour: [1m stays"), "no colour: [1m stays");
    }
}
