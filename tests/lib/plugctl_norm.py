#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Normalize plugctl's output (stdin) for golden comparison.

What changes from run to run or from kernel to kernel becomes a name, found
by where it stands, never by its value alone (in a fresh VM a link id can be
1): netns inodes (HOSTNS, NS_<pod>), the ifindex of a host interface
(IFINDEX_<ifname>), program and link ids (PROG, LINK, FOREIGN for another
program's), pids, times, hashes, tags and probed kernel features. Table
cells are read by their header's columns and joined with two spaces (the
unit tier checks the alignment).

  plugctl_norm.py HOST_NETNS INTERFACES.json CONTAINERS.json
"""
import json
import re
import sys

# JSON keys whose numbers vary, and their names.
KEYS = {"dispatcher_prog_id": "PROG", "root_prog_id": "PROG", "prog_id": "PROG",
        "other_prog_id": "FOREIGN", "root_link_id": "LINK", "link_id": "LINK",
        "admin_pid": "PID"}
# Table columns whose numbers vary.
COLUMNS = {"DISPATCHER": "PROG", "PROG-ID": "PROG", "LINK": "LINK", "PID": "PID"}
# Numbers in prose (show's fields, health problems, audit reasons, override lines).
PROSE = [(r"(XDP program |runs prog |evicted prog )\d+", r"\1FOREIGN"),
         (r"(dispatcher |dispatcher prog |\(root prog |prog )\d+", r"\1PROG"),
         (r"(root link |as link )\d+", r"\1LINK")]
HEADERS = ("ID ", "INDEX ", "TIME ", "NAME ")


def table_line(header, line):
    """The cells of `line` under `header`'s columns, ids named, joined by two spaces."""
    starts = [m.start() for m in re.finditer(r"\S+", header)]
    names = header.split()
    cells = []
    for i, start in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else None
        cell = line[start:end].strip()
        if names[i] in COLUMNS and cell.isdigit():
            cell = COLUMNS[names[i]]
        cells.append(cell)
    return "  ".join(cells)


def main():
    host_ns, ifaces_path, containers_path = sys.argv[1:4]
    with open(ifaces_path) as f:
        ifaces = json.load(f)
    with open(containers_path) as f:
        containers = json.load(f)
    inodes = {host_ns: "HOSTNS"}
    for c in containers:
        inodes[c["netns"]] = "NS_" + c["pod_name"]
    host_ifindex = {str(i["ifindex"]): "IFINDEX_" + i["ifname"]
                    for i in ifaces if i["netns"] == host_ns}

    # Tables first, while their columns still line up with the header.
    lines, header = [], None
    for line in sys.stdin.read().split("\n"):
        if not line.strip():
            header = None
        elif header is None and line.startswith(HEADERS) and \
                re.fullmatch(r"[A-Z0-9-]+( +[A-Z0-9-]+)+", line):
            header = line
        if header is not None:
            line = table_line(header, line)
        lines.append(line)
    text = "\n".join(lines)

    for inode, name in inodes.items():
        text = re.sub(rf"(?<!\d){inode}(?!\d)", name, text)
    for idx, name in host_ifindex.items():
        text = re.sub(rf"(?<=HOSTNS-){idx}(?!\d)", name, text)
        text = re.sub(rf'("ifindex":\s*){idx}(?!\d)', rf"\g<1>{name}", text)
        text = re.sub(rf"(ifindex +){idx}(?!\d)", rf"\g<1>{name}", text)
    text = re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", "TIME", text)
    text = re.sub(r"\b[0-9a-f]{64}\b", "SHA256", text)
    text = re.sub(r"\b[0-9a-f]{16}\b", "TAG", text)
    text = re.sub(r'\b(xdp_link|freplace_multi_attach|xdp_frags)(=|":\s*)(yes|no|true|false)\b',
                  r"\1\2PROBED", text)
    text = re.sub(r'"(' + "|".join(KEYS) + r')":(\s*)\d+',
                  lambda m: f'"{m[1]}":{m[2]}{KEYS[m[1]]}', text)
    text = re.sub(r'("evicted_prog_id":\s*)[1-9]\d*', r"\1FOREIGN", text)
    for pattern, name in PROSE:
        text = re.sub(pattern, name, text)
    sys.stdout.write(re.sub(r"(?<=\S)  +", "  ", text))


if __name__ == "__main__":
    main()
