//! Milestone 5: serves one connection at a time, with lesson 9's `Sequential`
//! mode, as the echo servers before it did; every test with one client
//! passes. A second user's connection waits in the backlog without even a
//! greeting until the first one leaves, and one session left open (up to its
//! idle timeout, 300 s) stops the server for everyone.

// In solution/main.rs, replace
// -    let server = TcpServer::bind(&args.addr, handler, Mode::ThreadPerConnection)?;
// with
// +    let server = TcpServer::bind(&args.addr, handler, Mode::Sequential)?;
include!(concat!(env!("OUT_DIR"), "/", env!("CARGO_BIN_NAME"), ".rs"));
