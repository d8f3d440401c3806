#!/usr/bin/env python3
# UDP timestamp server (tsUserv.py), the textbook's program in Python 3.
# Usage: tsUserv.py HOST PORT   (PORT 0 picks a free port)
# Prints the bound port on the first line of stdout.
import sys
from socket import *
from time import ctime

HOST = sys.argv[1]
PORT = int(sys.argv[2])
BUFSIZ = 1024
ADDR = (HOST, PORT)

udpSerSock = socket(AF_INET6 if ':' in HOST else AF_INET, SOCK_DGRAM)
udpSerSock.bind(ADDR)
print(udpSerSock.getsockname()[1], flush=True)

while True:
    print('waiting for message...', flush=True)
    data, addr = udpSerSock.recvfrom(BUFSIZ)
    udpSerSock.sendto(b'[%s] %s' % (ctime().encode(), data), addr)
    print('...received from and returned to:', addr, flush=True)

udpSerSock.close()
