#!/usr/bin/env python3
# UDP timestamp client (tsUclnt.py), the textbook's program in Python 3.
# Usage: tsUclnt.py HOST PORT; reads lines from stdin with the '> ' prompt.
import sys
from socket import *

HOST = sys.argv[1]
PORT = int(sys.argv[2])
BUFSIZ = 1024
ADDR = (HOST, PORT)

udpCliSock = socket(AF_INET6 if ':' in HOST else AF_INET, SOCK_DGRAM)

while True:
    try:
        data = input('> ')
    except EOFError:
        break
    if not data:
        break
    udpCliSock.sendto(bytes(data, 'utf-8'), ADDR)
    data, ADDR = udpCliSock.recvfrom(BUFSIZ)
    if not data:
        break
    print(data.decode('utf-8'))
udpCliSock.close()
