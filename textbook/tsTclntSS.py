#!/usr/bin/env python3
# SocketServer timestamp client (tsTclntSS.py), the textbook's program in
# Python 3: a new connection for every message, sent with '\r\n'.
# Usage: tsTclntSS.py HOST PORT; reads lines from stdin with the '> ' prompt.
import sys
from socket import *

HOST = sys.argv[1]
PORT = int(sys.argv[2])
BUFSIZ = 1024
ADDR = (HOST, PORT)

while True:
    tcpCliSock = socket(AF_INET6 if ':' in HOST else AF_INET, SOCK_STREAM)
    tcpCliSock.connect(ADDR)

    try:
        data = input('> ')
    except EOFError:
        data = ''
    if not data:
        break
    tcpCliSock.send(b'%s\r\n' % data.encode('utf-8'))
    data = tcpCliSock.recv(BUFSIZ)
    if not data:
        break
    print(data.decode('utf-8').strip())
    tcpCliSock.close()
