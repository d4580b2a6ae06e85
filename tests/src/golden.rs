//! Golden transcripts: the output the book shows is a file, and the tests compare
//! what the programs print with that same file.
//!
//! Ports change from run to run, so output is normalised first: the server's port
//! becomes the lessons' default `9999`, and every other loopback port (a client's
//! ephemeral port) becomes `<port>`. Port 0 ("any free port") stays as it is.
//!
//! To accept new output after an intended change, run the tests with
//! `UPDATE_GOLDEN=1` and review the diff in git.

use std::fs;
use std::net::SocketAddr;
use std::path::Path;

/// The port the book's transcripts show for the server: the lessons' default.
pub const BOOK_PORT: &str = "9999";

/// Replaces the server's port with [`BOOK_PORT`] and any other loopback port with `<port>`.
pub fn normalize(text: &str, server: SocketAddr) -> String {
    const HOST: &str = "127.0.0.1:";
    let server_port = server.port().to_string();
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(HOST) {
        let (before, after) = rest.split_at(at + HOST.len());
        out.push_str(before);
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        let port = &after[..digits];
        out.push_str(match port {
            // No port, or port 0 ("any free port"): nothing to normalise.
            "" => "",
            "0" => "0",
            p if p == server_port => BOOK_PORT,
            _ => "<port>",
        });
        rest = &after[digits..];
    }
    out.push_str(rest);
    out
}

/// Fails, with a line-by-line diff, unless `actual` equals the golden file at `path`.
pub fn assert_golden(path: &Path, actual: &str) {
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        fs::write(path, actual)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
        return;
    }
    let expected = fs::read_to_string(path).unwrap_or_else(|e| {
        panic!(
            "cannot read golden file {}: {e}\n(run with UPDATE_GOLDEN=1 to create it)",
            path.display()
        )
    });
    // Git on Windows may check text files out with CRLF line endings.
    let expected = expected.replace("\r\n", "\n");
    if expected != actual {
        panic!(
            "output differs from the golden transcript {}\n{}\n(if the change is intended: UPDATE_GOLDEN=1 cargo test, then review the diff)",
            path.display(),
            pretty_assertions::StrComparison::new(&expected, &actual),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_server_and_client_ports() {
        let server: SocketAddr = "127.0.0.1:41234".parse().unwrap();
        let text = "listening on 127.0.0.1:41234\nclient 127.0.0.1:50000 connected\n127.0.0.1:";
        assert_eq!(
            normalize(text, server),
            "listening on 127.0.0.1:9999\nclient 127.0.0.1:<port> connected\n127.0.0.1:"
        );
    }

    #[test]
    fn leaves_other_text_alone() {
        let server: SocketAddr = "127.0.0.1:1".parse().unwrap();
        assert_eq!(
            normalize("port 1 and 10.0.0.1:1", server),
            "port 1 and 10.0.0.1:1"
        );
    }
}
