#!/usr/bin/env python3
# The benchmark's Python baseline: the textbook's SocketServer timestamp
# server with ThreadingMixIn (one thread per connection), in the
# persistent-connection variant — the handler answers every recv(1024)
# chunk with '[ctime] chunk' until the client closes, like tsTserv.py, so
# the same load generator drives it and the Go servers.
#
# Usage: ts_threading_server.py [MAX_SECONDS]
# Listens on 127.0.0.1 port 0 and prints the bound port on the first line
# of stdout. It exits when stdin reaches EOF (the parent went away), on
# SIGTERM, or after MAX_SECONDS (default 600), so it can never be left
# running.
import os
import socketserver
import sys
import threading
from time import ctime


class Handler(socketserver.StreamRequestHandler):
    def handle(self):
        sock = self.request
        try:
            while True:
                data = sock.recv(1024)
                if not data:
                    break
                sock.sendall(b'[%s] %s' % (ctime().encode(), data))
        except ConnectionResetError:
            # The benchmark's new-connection clients close with RST (no
            # TIME_WAIT); that is an ordinary end here, not a traceback.
            pass


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True
    # socketserver's default listen(5) drops SYNs as soon as a few clients
    # connect at once, and the 1 s SYN retransmissions would then dominate
    # the numbers; the Go servers get the kernel's somaxconn.
    request_queue_size = 128


def main():
    limit = float(sys.argv[1]) if len(sys.argv) > 1 else 600.0
    server = Server(('127.0.0.1', 0), Handler)

    def watch_stdin():
        sys.stdin.read()
        os._exit(0)

    threading.Thread(target=watch_stdin, daemon=True).start()
    threading.Timer(limit, lambda: os._exit(0)).start()
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == '__main__':
    main()
