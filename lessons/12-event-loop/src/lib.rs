//! Lesson 12: one thread, many clients. Lesson 8's file server again, served by
//! an event loop on a single thread instead of a thread per client.
//!
//! - [`decoder`]: lesson 7's frames, decoded from whatever bytes have arrived.
//! - [`connection`]: one client's conversation as a state machine that never
//!   waits, with a read buffer and a write buffer.
//! - [`event_loop`]: `mio`'s `Poll`, the ready connections' turns, and deadlines.

pub mod connection;
pub mod decoder;
pub mod event_loop;
