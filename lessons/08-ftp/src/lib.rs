//! Lesson 8: moving files. A client uploads (`put`) and downloads (`get`) files
//! to and from one folder on the server, over lesson 7's frames.
//!
//! - [`protocol`]: what travels: the request and reply headers.
//! - [`transfer`]: bodies of any size, streamed in chunks and hashed on the way.
//! - [`files`]: the server's folder, the names it refuses, and files that appear
//!   under their real name only once they are complete and verified.
//! - [`server`] and [`client`]: the two conversations.

pub mod client;
pub mod files;
pub mod protocol;
pub mod server;
pub mod transfer;
