// ANCHOR: all
//! The wire format. Every message is one of lesson 7's frames: a 4-byte big-endian
//! length, a JSON header, then `body_size` bytes of body. Only the header's fields
//! are new:
//!
//! | message      | header                                          | body     |
//! |--------------|-------------------------------------------------|----------|
//! | put request  | `command: "put"`, `name`, `sha256`, `body_size` | the file |
//! | get request  | `command: "get"`, `name`, `body_size: 0`        | none     |
//! | reply to put | `status: "ok"`, `body_size: 0`                  | none     |
//! | reply to get | `status: "ok"`, `sha256`, `body_size`           | the file |
//! | refusal      | `status: "error"`, `error`, `body_size: 0`      | none     |
//!
//! `sha256` is the SHA-256 of the whole file, 64 lowercase hex digits. Each request
//! gets exactly one reply, and the connection stays open for the next request.

use serde::{Deserialize, Serialize};

// ANCHOR: request
/// What the client asks for. `body_size` comes first, as in every frame of
/// lesson 7: a receiver that does not know a command can still skip its body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    /// How many bytes of body follow: the file's size for `put`, 0 for `get`.
    pub body_size: u64,
    /// `"put"` or `"get"`. A string, not an enum: a later client may send a
    /// command this server does not know, and gets an error reply, not a hang-up.
    pub command: String,
    /// The file's name in the server's folder, e.g. `notes.txt` or `docs/a.txt`.
    pub name: String,
    /// For `put`: the SHA-256 of the body, so the server can check what arrived.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
}
// ANCHOR_END: request

// ANCHOR: reply
/// The server's answer to one request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reply {
    /// For a successful `get`: the file's size. Otherwise 0.
    pub body_size: u64,
    pub status: Status,
    /// For a successful `get`: the SHA-256 of the body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// For a refusal: why, in words for the user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    #[default]
    Ok,
    Error,
}
// ANCHOR_END: reply

impl Request {
    /// A request to download `name`.
    pub fn get(name: &str) -> Request {
        Request {
            command: "get".into(),
            name: name.into(),
            ..Request::default()
        }
    }

    /// A request to upload `body_size` bytes as `name`, whose SHA-256 is `sha256`.
    pub fn put(name: &str, body_size: u64, sha256: String) -> Request {
        Request {
            body_size,
            command: "put".into(),
            name: name.into(),
            sha256: Some(sha256),
        }
    }
}

/// The longest reason a refusal gives, in characters. A reason may quote what
/// the peer sent (an unknown command, a value of the wrong type), and escaping
/// can make a quote several times longer than what was sent: uncut, a command
/// of 16,000 backslashes made a reply longer than a header may be (64 KiB).
pub const MAX_REASON: usize = 500;

impl Reply {
    /// A refusal with its reason, cut to [`MAX_REASON`] characters.
    pub fn error(reason: impl Into<String>) -> Reply {
        let mut reason: String = reason.into();
        if reason.chars().count() > MAX_REASON {
            reason = reason.chars().take(MAX_REASON).collect();
            reason.push('…');
        }
        Reply {
            status: Status::Error,
            error: Some(reason),
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
