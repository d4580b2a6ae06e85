// ANCHOR: all
//! The capstone's wire format: lesson 7's frames (a 4-byte big-endian length, a
//! JSON header, then `body_size` bytes of body), with more commands than lesson
//! 8's two. The chapter gives every request, reply and error as tables.
//!
//! One `Request` type and one `Reply` type carry every message: each field is
//! optional, and a message fills in the ones its command uses. A client in any
//! language builds the same JSON objects.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The protocol's version, sent in the greeting.
pub const VERSION: u32 = 1;

// ANCHOR: request
/// What the client sends. `command` says which fields matter (the chapter's
/// table of requests).
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    /// Bytes of body after the header: the file's bytes in `data`, 0 otherwise.
    pub body_size: u64,
    /// `login`, `pwd`, `cd`, `ls`, `mkdir`, `rm`, `put`, `data`, `done` or
    /// `get`. A string, not an enum: an unknown command gets an error reply.
    pub command: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// Only in `login`. Sent in clear: the chapter says why that is acceptable
    /// on loopback only. Never printed (see the `Debug` below).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    /// A file or folder, from the home (`/docs/a.txt`) or from the working
    /// folder (`a.txt`, `../b.txt`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// In `put`: the whole file's size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// In `data`: where the body starts in the file. In `get`: how many bytes
    /// of the file the client holds already.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
    /// In `get`: the SHA-256 of the bytes the client holds already.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix_sha256: Option<String>,
    /// In `done`: the SHA-256 of the whole file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
}
// ANCHOR_END: request

/// A request as a log line or a test failure shows it: everything but the
/// password.
impl fmt::Debug for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut shown = self.clone();
        if shown.password.is_some() {
            shown.password = Some("(hidden)".into());
        }
        let json = serde_json::to_string(&shown).map_err(|_| fmt::Error)?;
        f.write_str(&json)
    }
}

// ANCHOR: reply
/// What the server sends: the greeting, one reply per request, and the trailer
/// after a `get`'s body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reply {
    pub body_size: u64,
    pub status: Status,
    /// On an error: which one, for programs (`quota`, `not-found`…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// On an error: why, in words for the user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// In the greeting: `capstone`, and the protocol's version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<u32>,
    /// After `login`: who is logged in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// The folder or file the request was about, from the home: `/docs/a.txt`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// After `login` and `ls`: the user's quota and how much of it is used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quota: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub used: Option<u64>,
    /// After `ls`: entries left out of a very long listing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub omitted: Option<u64>,
    /// The whole file's size (`get`, `done`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// Where a transfer's body starts: what the server holds of an upload
    /// (`put`), or where the bytes sent begin (`get`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
    /// After `put`: the SHA-256 of the `offset` bytes the server holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix_sha256: Option<String>,
    /// The whole file's SHA-256: in `done`'s reply and in `get`'s trailer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    #[default]
    Ok,
    Error,
}
// ANCHOR_END: reply

// ANCHOR: entry
/// One line of `ls`. The listing is the reply's body: a JSON array of these.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub name: String,
    pub kind: Kind,
    /// Bytes: a file's size, or what a kept partial upload holds; 0 otherwise.
    pub size: u64,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    File,
    Folder,
    /// What arrived of an interrupted upload, kept for a resume.
    Partial,
    /// A symbolic link someone made on the server's disk. Followed only when
    /// it leads to a place inside the home.
    Link,
}
// ANCHOR_END: entry

// ANCHOR: codes
/// Why a request was refused: the `code` of an error reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    Full,
    LoginFailed,
    NeedLogin,
    BadPath,
    NotFound,
    WrongKind,
    Exists,
    NotEmpty,
    Quota,
    Busy,
    Damaged,
    BadRequest,
    Timeout,
    ServerError,
}

impl Code {
    pub fn as_str(self) -> &'static str {
        match self {
            Code::Full => "full",
            Code::LoginFailed => "login-failed",
            Code::NeedLogin => "need-login",
            Code::BadPath => "bad-path",
            Code::NotFound => "not-found",
            Code::WrongKind => "wrong-kind",
            Code::Exists => "exists",
            Code::NotEmpty => "not-empty",
            Code::Quota => "quota",
            Code::Busy => "busy",
            Code::Damaged => "damaged",
            Code::BadRequest => "bad-request",
            Code::Timeout => "timeout",
            Code::ServerError => "server-error",
        }
    }
}

/// A refusal: its code and its words. Everything the server refuses is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub code: Code,
    pub error: String,
}

impl Refusal {
    pub fn new(code: Code, error: impl Into<String>) -> Refusal {
        Refusal {
            code,
            error: error.into(),
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.error)
    }
}
// ANCHOR_END: codes

impl Request {
    /// A request with just its command; fill in the fields it needs.
    pub fn new(command: &str) -> Request {
        Request {
            command: command.into(),
            ..Request::default()
        }
    }

    /// The same request about `path`.
    pub fn path(mut self, path: &str) -> Request {
        self.path = Some(path.into());
        self
    }
}

impl Reply {
    /// A successful reply; fill in the fields it needs.
    pub fn ok() -> Reply {
        Reply::default()
    }

    /// The same reply about `path`.
    pub fn path(mut self, path: impl Into<String>) -> Reply {
        self.path = Some(path.into());
        self
    }

    pub fn is_ok(&self) -> bool {
        self.status == Status::Ok
    }
}

impl From<Refusal> for Reply {
    fn from(refusal: Refusal) -> Reply {
        Reply {
            status: Status::Error,
            code: Some(refusal.code.as_str().into()),
            error: Some(refusal.error),
            ..Reply::default()
        }
    }
}

/// The first 16 of a digest's 64 hex digits: enough for a person to compare.
/// A digest the peer sent may hold anything, a newline too: escaped, it cannot
/// start a line of its own in a log or on the screen.
pub fn short(digest: &str) -> String {
    digest
        .chars()
        .take(16)
        .flat_map(char::escape_debug)
        .collect()
}

/// A size for people: `512 B`, `1.5 KiB`, `12.0 MiB`, `1.00 GiB`.
pub fn human(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}
// ANCHOR_END: all

#[cfg(test)]
mod short_tests {
    use super::short;

    #[test]
    fn a_digest_is_cut_to_16_characters_and_escaped() {
        let digest =
            "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
        assert_eq!(short(digest), "9f86d081884c7d65");
        assert_eq!(short("a\nput x: saved"), "a\\nput x: saved");
        assert_eq!(short("é"), "é");
    }
}
