#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Traffic for tests/vm/examples.bats, where no nc or hping3 is installed.

  listen tcp PORT READY OUT   accept connections on every address (IPv4 and
                              IPv6), forever; READY is created once listening
  listen udp PORT READY OUT   the same for datagrams: each is appended to OUT
  syns SRC DST PORT N         send N TCP SYNs from SRC to DST:PORT over a raw
                              socket, each from its own source port, as fast
                              as possible; the kernel never sees them as its
                              own connections, so nothing retransmits them
"""
import socket
import struct
import sys


def listen(proto, port, ready, out):
    kind = socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM
    s = socket.socket(socket.AF_INET6, kind)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("::", port))
    if proto == "tcp":
        s.listen(1024)
    open(ready, "w").close()
    while True:
        if proto == "tcp":
            conn, _ = s.accept()
            conn.close()
            data = b"connection\n"
        else:
            data, _ = s.recvfrom(65535)
        with open(out, "ab") as f:
            f.write(data)


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def syn(src, dst, sport, dport):
    # 20-byte header, SYN only, window 64240; the checksum covers the pseudo-header.
    hdr = struct.pack("!HHIIBBHHH", sport, dport, 1000 + sport, 0, 5 << 4, 0x02, 64240, 0, 0)
    pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, socket.IPPROTO_TCP, len(hdr))
    return hdr[:16] + struct.pack("!H", checksum(pseudo + hdr)) + hdr[18:]


def syns(src, dst, port, n):
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP)
    s.bind((src, 0))
    for i in range(n):
        s.sendto(syn(src, dst, 20000 + i, port), (dst, 0))


def main(argv):
    if argv[1] == "listen":
        listen(argv[2], int(argv[3]), argv[4], argv[5])
    elif argv[1] == "syns":
        syns(argv[2], argv[3], int(argv[4]), int(argv[5]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
