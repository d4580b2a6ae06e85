//! Milestone 4: `rm` removes the file but tells the ledger nothing, since the
//! ledger is about uploads. The count only comes right when all the user's
//! sessions have ended and the next one counts the disk again; until then
//! `ls` shows the old figure, and the user is refused space they have just
//! freed.

// In src/session.rs, replace
// -        Ok((freed, freed))
// with
// +        Ok((freed, 0))
include!(concat!(env!("OUT_DIR"), "/", env!("CARGO_BIN_NAME"), ".rs"));
