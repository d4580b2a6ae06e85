//! Right: the same server and client, in other words. The server's log lines
//! are its own (only `listening on ADDR` is fixed), and so are the client's
//! lines for `cd` and `mkdir`. The checks read replies, files and the words
//! chapter 11 names for transfers, never the rest: this must pass.

// In solution/main.rs, replace
// -        println!("{peer}: connected");
// with
// +        println!("{peer}: a client arrived");
// In solution/main.rs, replace
// -        println!("{peer}: left");
// with
// +        println!("{peer}: gone");
// In src/session.rs, replace
// -    log(&format!("{} logged in", account.name));
// with
// +    log(&format!("welcome, {}", account.name));
// In src/client.rs, replace
// -        "cd" => println!("{typed}: now in {}", shown(&at)),
// -        "mkdir" => println!("{typed}: made {}", shown(&at)),
// with
// +        "cd" => println!("{typed}: you are in {} now", shown(&at)),
// +        "mkdir" => println!("{typed}: created {}", shown(&at)),
include!(concat!(env!("OUT_DIR"), "/", env!("CARGO_BIN_NAME"), ".rs"));
