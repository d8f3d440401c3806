#!/usr/bin/env python3
# SocketServer timestamp server (tsTservSS.py), the textbook's program in
# Python 3 (the module is socketserver there). One line per connection.
# Usage: tsTservSS.py HOST PORT   (PORT 0 picks a free port)
# Prints the bound port on the first line of stdout.
import sys
from socketserver import TCPServer as TCP, StreamRequestHandler as SRH
from socket import AF_INET, AF_INET6
from time import ctime

HOST = sys.argv[1]
PORT = int(sys.argv[2])
ADDR = (HOST, PORT)


class MyRequestHandler(SRH):
    def handle(self):
        print('...connected from:', self.client_address, flush=True)
        self.wfile.write(b'[%s] %s' % (ctime().encode(), self.rfile.readline()))


class Server(TCP):
    allow_reuse_address = True
    address_family = AF_INET6 if ':' in HOST else AF_INET


tcpServ = Server(ADDR, MyRequestHandler)
print(tcpServ.server_address[1], flush=True)
print('waiting for connection...', flush=True)
tcpServ.serve_forever()
