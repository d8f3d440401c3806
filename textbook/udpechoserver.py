#!/usr/bin/env python3
# UDP echo server (udpechoserver.py, Foundations of Python Network
# Programming ch. 3) in Python 3.
# Usage: udpechoserver.py HOST PORT   (PORT 0 picks a free port)
# Prints the bound port on the first line of stdout.
import socket, sys, traceback

host = sys.argv[1]
port = int(sys.argv[2])

s = socket.socket(socket.AF_INET6 if ':' in host else socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((host, port))
print(s.getsockname()[1], flush=True)
while 1:
    try:
        message, address = s.recvfrom(8192)
        print("Got data from", address, flush=True)
        # Echo it back
        s.sendto(message, address)
    except (KeyboardInterrupt, SystemExit):
        raise
    except:
        traceback.print_exc()
