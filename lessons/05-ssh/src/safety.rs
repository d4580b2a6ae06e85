//! Where a server that runs commands may listen.
//!
//! Anyone who can connect to lesson 5's server can run any command as you. On a
//! loopback address (127.0.0.1, ::1) only programs on this machine can connect; on
//! any other address, possibly everyone on your network or the internet can.

use std::net::ToSocketAddrs;

/// The flag that allows listening beyond loopback. Its name says what it risks.
pub const ALLOW_REMOTE_FLAG: &str = "--allow-remote-commands";

/// Checks that `addr` is a loopback address, unless `allow_remote` was given.
/// A bad address is left for `bind` to report.
pub fn check_listen_addr(addr: &str, allow_remote: bool) -> Result<(), String> {
    let Ok(resolved) = addr.to_socket_addrs() else {
        return Ok(());
    };
    match resolved.into_iter().find(|a| !a.ip().is_loopback()) {
        Some(open) if !allow_remote => Err(format!(
            "{open} can be reached from other machines, and this server runs \
             every command it receives; listen on 127.0.0.1, or pass \
             {ALLOW_REMOTE_FLAG} if you mean it"
        )),
        _ => Ok(()),
    }
}
