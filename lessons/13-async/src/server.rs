// ANCHOR: all
//! The accept loop: a task for every client, at most `max_clients` of them at
//! once, and a stop that lets the transfers under way finish.
//!
//! Three pieces from the ecosystem, the ones mini-redis's server is built on:
//!
//! - a [`Semaphore`] with `max_clients` permits: a client is accepted only
//!   with a permit, and gives it back when its task ends;
//! - a [`CancellationToken`]: cancelled once, seen by every task that holds a
//!   clone of it (here: Ctrl-C cancels it);
//! - a [`TaskTracker`]: counts the tasks it spawned, and lets the server wait
//!   until all of them have ended.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use lesson_08::server::Settings;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::conversation::{End, conversation};

/// How long to wait before accepting again after `accept` failed (no file
/// descriptor left, say): a pause, so that a lasting cause does not spin.
const ACCEPT_PAUSE: Duration = Duration::from_millis(100);

// ANCHOR: serve
/// Serves clients until `stop` is cancelled; then refuses new clients, lets
/// every conversation finish what it is doing, and returns once all have ended.
///
/// Two tokens, so that the stop happens in an order: `stop` ends the accept
/// loop; only once the listener is closed does `leave` tell the conversations.
pub async fn serve(
    listener: TcpListener,
    settings: Settings,
    max_clients: usize,
    stop: CancellationToken,
) -> io::Result<()> {
    let settings = Arc::new(settings);
    let permits = Arc::new(Semaphore::new(max_clients));
    let tasks = TaskTracker::new();
    let leave = CancellationToken::new();
    while let Some((stream, peer, permit)) =
        next_client(&listener, &permits, &stop).await
    {
        println!("{peer}: connected");
        let (settings, leave) = (Arc::clone(&settings), leave.clone());
        tasks.spawn(async move {
            let ended = conversation(stream, peer, &settings, &leave).await;
            match ended {
                Ok(End::Left) => println!("{peer}: left"),
                Ok(End::Stopped) => {
                    println!(
                        "{peer}: closed the connection: the server is stopping"
                    );
                }
                Err(e) => println!("{peer}: closed the connection: {e}"),
            }
            drop(permit); // the next client may come in
        });
    }
    // Closing the listening socket: from now on a client that connects is
    // refused by the kernel, instead of waiting in the backlog for nobody.
    drop(listener);
    let running = tasks.len();
    println!("stopping: new clients are refused; {running} still connected");
    leave.cancel(); // each conversation ends at its next request
    tasks.close();
    tasks.wait().await; // every transfer under way finishes first
    println!("stopped");
    Ok(())
}
// ANCHOR_END: serve

// ANCHOR: next-client
/// The next client, with a permit to serve it; `None` once `stop` is
/// cancelled. While every permit is taken, the loop does not accept: new
/// clients wait in the kernel's backlog (their connection is made, their
/// requests wait unread) until a conversation ends.
async fn next_client(
    listener: &TcpListener,
    permits: &Arc<Semaphore>,
    stop: &CancellationToken,
) -> Option<(TcpStream, SocketAddr, OwnedSemaphorePermit)> {
    loop {
        let permit = tokio::select! {
            biased; // a stopped server accepts no one, even a client waiting
            () = stop.cancelled() => return None,
            permit = Arc::clone(permits).acquire_owned() => {
                permit.expect("the semaphore is never closed")
            }
        };
        let accepted = tokio::select! {
            biased; // a stopped server accepts no one, even a client waiting
            () = stop.cancelled() => return None,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok((stream, peer)) => return Some((stream, peer, permit)),
            Err(e) => {
                // The client stays in the backlog; try again after a pause.
                // A sleep in a task waits without holding a thread.
                println!("accept failed: {e}; trying again");
                drop(permit);
                tokio::select! {
                    () = stop.cancelled() => return None,
                    () = tokio::time::sleep(ACCEPT_PAUSE) => {}
                }
            }
        }
    }
}
// ANCHOR_END: next-client
// ANCHOR_END: all
