//! Lesson 13 (being written).
