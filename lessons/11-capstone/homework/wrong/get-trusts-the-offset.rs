//! Milestone 6: a `get` with an offset continues from it without comparing
//! the client's `prefix_sha256` with the file's first bytes: the client says
//! it holds them, and why would it lie? It need not lie to be wrong: the file
//! may have changed on the server since the download was cut. The client then
//! joins the start of the old version to the rest of the new one, and the
//! trailer's digest, of the whole new file, is the only thing that says so.

// In src/session.rs, replace
// -        if asked <= size
// -            && let Some(hasher) =
// -                hash_prefix(&mut file, asked).map_err(server_error)?
// -            && hex(hasher.clone()) == prefix
// -        {
// with
// +        if asked <= size
// +            && let Some(hasher) =
// +                hash_prefix(&mut file, asked).map_err(server_error)?
// +        {
include!(concat!(env!("OUT_DIR"), "/", env!("CARGO_BIN_NAME"), ".rs"));
