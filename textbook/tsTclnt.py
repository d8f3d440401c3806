#!/usr/bin/env python3
# TCP timestamp client (tsTclnt.py), the textbook's program in Python 3.
# Usage: tsTclnt.py HOST PORT; reads lines from stdin with the '> ' prompt.
import sys
from socket import *

HOST = sys.argv[1]
PORT = int(sys.argv[2])
BUFSIZ = 1024
ADDR = (HOST, PORT)

tcpCliSock = socket(AF_INET6 if ':' in HOST else AF_INET, SOCK_STREAM)
tcpCliSock.connect(ADDR)

while True:
    try:
        data = input('> ')
    except EOFError:
        break
    if not data:
        break
    tcpCliSock.send(bytes(data, 'utf-8'))
    data = tcpCliSock.recv(BUFSIZ)
    if not data:
        break
    print(data.decode('utf-8'))

tcpCliSock.close()
