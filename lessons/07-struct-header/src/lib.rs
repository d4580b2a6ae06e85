//! Lesson 7's frame format: a length, a JSON header, a body. See [`frame`].
//! And [`timed`]: time limits, so that a peer that stops or drips cannot hold a
//! server forever (lesson 8's server uses both).

pub mod frame;
pub mod timed;
