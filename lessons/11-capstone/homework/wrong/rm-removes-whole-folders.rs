//! Milestone 2: `rm` of a folder removes it with everything in it
//! (`remove_dir_all`), because `remove_dir` failed on a folder that was not
//! empty and that looked like the bug. One mistyped `rm` loses a whole tree,
//! with no way back; and the space its files held is never given back to the
//! quota.

// In src/home.rs, replace
// -                let busy = |dir: &Path| {
// -                    fs::read_dir(dir).is_ok_and(|mut d| d.next().is_some())
// -                };
// -                if busy(&path) || busy(&partial) {
// -                    let why =
// -                        format!("{what} is not empty (partial uploads count)");
// -                    return Err(Refusal::new(Code::NotEmpty, why));
// -                }
// -                fs::remove_dir(&path).map_err(server_error)?;
// with
// +                fs::remove_dir_all(&path).map_err(server_error)?;
include!(concat!(env!("OUT_DIR"), "/", env!("CARGO_BIN_NAME"), ".rs"));
