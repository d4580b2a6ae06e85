"""The Python peer of `just bench`: the course's socketserver.ThreadingTCPServer,
a thread per client, echoing every line back as it came.

Run by the benchmark as `python3 bench/echo_server.py --addr 127.0.0.1:0`; it
prints `listening on ADDRESS` (the port it got) and serves until it is killed.
Like the Rust models it sets TCP_NODELAY and prints nothing per message."""

import argparse
import socket
import socketserver


class Echo(socketserver.StreamRequestHandler):
    def setup(self):
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def handle(self):
        # rfile is buffered (one recv fills it); wfile writes each line at once.
        for line in self.rfile:
            self.wfile.write(line)


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    # Python listens with a backlog of 5 by default; Rust's standard library
    # with 128. The same backlog for both: only the model differs.
    request_queue_size = 128


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--addr", default="127.0.0.1:9999")
    args = parser.parse_args()
    host, port = args.addr.rsplit(":", 1)
    with Server((host, int(port)), Echo) as server:
        print(f"listening on {host}:{server.server_address[1]}", flush=True)
        server.serve_forever()


if __name__ == "__main__":
    main()
