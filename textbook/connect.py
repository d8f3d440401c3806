#!/usr/bin/env python3
# Information example (Chapter 2), the textbook's program in Python 3:
# look up the port of a service, connect to a host by its name (the
# address look-up happens inside connect), then print both ends of the
# connection. Usage: connect.py HOST [SERVICE]   (SERVICE defaults to http)
import socket
import sys

HOST = sys.argv[1]
SERVICE = sys.argv[2] if len(sys.argv) > 2 else 'http'

print("Creating socket...", end=' ')
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
print("done.")

print("Looking up port number...", end=' ')
port = socket.getservbyname(SERVICE, 'tcp')
print("done.")

print("Connecting to remote host on port %d..." % port, end=' ')
s.connect((HOST, port))
print("done.")

print("Connected from", s.getsockname())
print("Connected to", s.getpeername())
