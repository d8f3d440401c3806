#!/usr/bin/env python3
# TCP timestamp server (tsTserv.py), the textbook's program in Python 3.
# Usage: tsTserv.py HOST PORT   (PORT 0 picks a free port)
# Prints the bound port on the first line of stdout. Bytes go on the wire
# as the textbook sends them: b'[ctime] ' + the chunk, one reply per recv.
import sys
from socket import *
from time import ctime

HOST = sys.argv[1]
PORT = int(sys.argv[2])
BUFSIZ = 1024
ADDR = (HOST, PORT)

tcpSerSock = socket(AF_INET6 if ':' in HOST else AF_INET, SOCK_STREAM)
tcpSerSock.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)
tcpSerSock.bind(ADDR)
tcpSerSock.listen(5)
print(tcpSerSock.getsockname()[1], flush=True)

while True:
    print('waiting for connection ...', flush=True)
    tcpCliSock, addr = tcpSerSock.accept()
    print('...connected from:', addr, flush=True)

    while True:
        data = tcpCliSock.recv(BUFSIZ)
        if not data:
            break
        tcpCliSock.send(b'[%s] %s' % (ctime().encode(), data))

    tcpCliSock.close()
tcpSerSock.close()
