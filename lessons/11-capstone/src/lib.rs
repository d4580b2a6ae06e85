// ANCHOR: all
//! Lesson 11, the capstone: a file server for many users at once, and its
//! client. Every lesson before it contributes a part.
//!
//! - [`protocol`]: every request, reply and error that travels (lesson 7's
//!   frames, with more commands than lesson 8's two).
//! - [`accounts`]: users and their passwords, kept only as Argon2id hashes;
//!   [`admin`]: the server's commands that add, list and remove them.
//! - [`home`]: each user's folder, and the paths that cannot leave it.
//! - [`quota`]: how much each user may store, reserved before a byte arrives.
//! - [`transfer`]: bodies streamed in chunks and hashed in one pass, resumable.
//! - [`session`]: the server's side of one connection; [`client`]: the other.

pub mod accounts;
pub mod admin;
pub mod client;
pub mod home;
pub mod protocol;
pub mod quota;
pub mod session;
pub mod transfer;
// ANCHOR_END: all
