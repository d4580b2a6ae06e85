//! Milestone 6: when the client answers an offer with `data` from 0, the server
//! starts its digest over but not its file: the partial is not truncated, and
//! the new upload is written after the bytes kept of the old one. The digest,
//! of what arrived, matches the client's; the file saved is the old start
//! followed by the whole new file: verified, and wrong. A digest proves only
//! the bytes it was computed over.

// In src/session.rs, replace
// -        file.set_len(0)?;
// -        file.seek(SeekFrom::Start(0))?;
// with
include!(concat!(env!("OUT_DIR"), "/", env!("CARGO_BIN_NAME"), ".rs"));
