//! Lesson 7's frame format: a length, a JSON header, a body. See [`frame`].

pub mod frame;
