// ANCHOR: all
//! Lesson 12's C10K test with tasks: ten thousand idle connections held by
//! server-13 on two worker threads, and what each costs in memory, beside
//! lesson 12's event loop (ten thousand too) and lesson 9's thread per
//! connection (a thousand: ten thousand threads would be slow to start on a
//! small CI machine, and a thousand show the cost per connection as well).
//!
//! Linux only: it reads /proc and raises the open-file limit with `prlimit`.
//! Elsewhere the test prints why it does not run.

#[cfg(target_os = "linux")]
mod linux {
    use std::fs;
    use std::net::{SocketAddr, TcpStream};
    use std::path::Path;
    use std::time::Instant;

    use workbook_harness::limits::raise_open_files;
    use workbook_harness::workspace::build_program;
    use workbook_harness::{Proc, ScratchDir, connect, start_server_in};

    /// How many idle connections server-13 and server-12 hold.
    const EVENT_LOOP_CLIENTS: usize = 10_000;
    /// How many idle connections server-09 (a thread each) holds.
    const THREADED_CLIENTS: usize = 1_000;
    /// Connections are opened this many at a time, each batch accepted before
    /// the next. std listens with a backlog of 128: a client that finds the
    /// queue full has its SYN dropped and tries again only a second later.
    const BATCH: usize = 100;

    /// A number from /proc/PID/status, e.g. `VmRSS` in KiB or `Threads`.
    fn status(server: &Proc, field: &str) -> u64 {
        let text =
            fs::read_to_string(format!("/proc/{}/status", server.id())).unwrap();
        text.lines()
            .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or_else(|| panic!("no {field} in /proc/PID/status"))
    }

    /// What a server holds per idle connection, measured.
    struct Measured {
        connections: usize,
        threads: u64,
        bytes_per_connection: u64,
    }

    /// Starts `program` in `dir`, opens `count` idle connections to it, and
    /// measures how much its resident memory grew per connection.
    fn hold_idle_connections(
        dir: &Path,
        program: &Path,
        args: &[&str],
        count: usize,
    ) -> Measured {
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        let (mut server, addr) =
            start_server_in(Some(dir), "server", program, &args)
                .unwrap_or_else(|e| panic!("{e}"));
        // Warm up with one connection that comes and goes, so that what is
        // measured next is the connections, not the first one's setup.
        drop(connect(addr));
        server.wait_for_text(": left");
        let before = status(&server, "VmRSS");
        let clients = open(&mut server, addr, count);
        let after = status(&server, "VmRSS");
        let threads = status(&server, "Threads");
        // The server side closes first: the TIME_WAIT sockets stay on its side.
        drop(server);
        drop(clients);
        Measured {
            connections: count,
            threads,
            bytes_per_connection: after.saturating_sub(before) * 1024
                / count as u64,
        }
    }

    /// Opens `count` connections, a batch at a time, each batch accepted (the
    /// server says `connected` for each) before the next.
    fn open(server: &mut Proc, addr: SocketAddr, count: usize) -> Vec<TcpStream> {
        let mut clients = Vec::with_capacity(count);
        while clients.len() < count {
            let batch = BATCH.min(count - clients.len());
            clients.extend((0..batch).map(|_| connect(addr)));
            for _ in 0..batch {
                server.wait_for_text(": connected");
            }
        }
        clients
    }

    // ANCHOR: c10k
    #[test]
    fn ten_thousand_idle_connections_on_two_worker_threads() {
        // Each side of each connection is a file descriptor: this process holds
        // the clients' ends, the server (which inherits the limit) the others.
        let wanted = (EVENT_LOOP_CLIENTS + 256) as u64;
        let allowed = raise_open_files(wanted);
        if allowed < wanted {
            println!(
                "skipped: this system allows {allowed} open files per process \
                 and the test needs {wanted}; raise the hard limit (`ulimit -Hn`, \
                 or /etc/security/limits.conf) to run it"
            );
            return;
        }
        let scratch = ScratchDir::new("lesson13-c10k");
        let started = Instant::now();
        let tasks = hold_idle_connections(
            scratch.path(),
            Path::new(env!("CARGO_BIN_EXE_server-13")),
            &["--threads", "2", "--max-clients", "20000"],
            EVENT_LOOP_CLIENTS,
        );
        let server_12 = build_program("lesson-12", "server-12").unwrap();
        let event_loop = hold_idle_connections(
            scratch.path(),
            &server_12,
            &[],
            EVENT_LOOP_CLIENTS,
        );
        let server_09 = build_program("lesson-09", "server-09").unwrap();
        let threaded = hold_idle_connections(
            scratch.path(),
            &server_09,
            &[],
            THREADED_CLIENTS,
        );
        println!("| server | idle connections | threads | memory per connection |");
        println!("|---|---|---|---|");
        let servers = [
            ("server-13", &tasks),
            ("server-12", &event_loop),
            ("server-09", &threaded),
        ];
        for (name, m) in servers {
            println!(
                "| {name} | {} | {} | {:.1} KiB |",
                m.connections,
                m.threads,
                m.bytes_per_connection as f64 / 1024.0
            );
        }
        println!("measured in {:.1} s", started.elapsed().as_secs_f64());
        // main, 2 workers, and no blocking thread: idle clients do no file work.
        assert!(tasks.threads <= 3, "{} threads", tasks.threads);
        assert!(
            tasks.bytes_per_connection < threaded.bytes_per_connection,
            "an idle task should cost less than a thread"
        );
    }
    // ANCHOR_END: c10k
}

#[cfg(not(target_os = "linux"))]
#[test]
fn ten_thousand_idle_connections_on_two_worker_threads() {
    println!(
        "skipped: this test reads /proc and uses prlimit to raise the open-file \
         limit, which only Linux has"
    );
}
// ANCHOR_END: all
