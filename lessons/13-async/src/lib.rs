//! Lesson 13: async with tokio. Lesson 8's file server a third time: a task
//! per client, written like lesson 8's thread per client, run like lesson 12's
//! event loop.
//!
//! - [`codec`]: lesson 7's frames as a tokio-util `Decoder`, read through a
//!   `FramedRead` whose buffer survives a lost `select!`.
//! - [`conversation`]: one client's requests, as an `async fn`.
//! - [`server`]: the accept loop, a bound on clients, and a graceful stop.
//! - [`blocking`]: file work and hashing on tokio's blocking threads.
//! - [`cancel`]: the pitfall of `read_exact` in a `select!`, and its fix.

pub mod blocking;
pub mod cancel;
pub mod codec;
pub mod conversation;
pub mod server;
