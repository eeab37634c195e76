#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Normalize plugctl's output (stdin) for golden comparison: the numbers that
change from run to run or from kernel to kernel (netns inodes, ifindexes of
host interfaces, program and link ids, pids, times, hashes, probed kernel
features) become names, and runs of spaces that
align table columns become two spaces (the unit tier checks alignment).

  plugctl_norm.py HOST_NETNS INTERFACES.json CONTAINERS.json AUDIT.json [N=NAME...]
"""
import json
import re
import sys


def main():
    host_ns, ifaces_path, containers_path, audit_path = sys.argv[1:5]
    extra = dict(arg.split("=", 1) for arg in sys.argv[5:])
    numbers = {}  # a whole number -> its name
    with open(ifaces_path) as f:
        ifaces = json.load(f)
    with open(containers_path) as f:
        containers = json.load(f)
    with open(audit_path) as f:
        audit = json.load(f)
    numbers[host_ns] = "HOSTNS"
    for c in containers:
        numbers[c["netns"]] = "NS_" + c["pod_name"]
    host_ifindex = {}
    for i in ifaces:
        for key, name in (("dispatcher_prog_id", "PROG"), ("root_prog_id", "PROG"),
                          ("root_link_id", "LINK"), ("other_prog_id", "FOREIGN")):
            if i.get(key):
                numbers.setdefault(str(i[key]), name)
        if i["netns"] == host_ns:
            host_ifindex[str(i["ifindex"])] = "IFINDEX_" + i["ifname"]
    for e in audit:
        numbers.setdefault(str(e["admin_pid"]), "PID")
    numbers.update(extra)

    text = sys.stdin.read()
    text = re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", "TIME", text)
    text = re.sub(r"\b[0-9a-f]{64}\b", "SHA256", text)
    # What the kernel's probes found depends on the kernel, not on plugctl.
    text = re.sub(r'\b(xdp_link|freplace_multi_attach|xdp_frags)(=|":)(yes|no|true|false)\b',
                  r"\1\2PROBED", text)
    # A host interface's ifindex: in its id, in "ifindex" and in show's field.
    for idx, name in host_ifindex.items():
        text = re.sub(rf"(?<={host_ns}-){idx}(?!\d)", name, text)
        text = re.sub(rf'("ifindex":\s*){idx}(?!\d)', rf"\g<1>{name}", text)
        text = re.sub(rf"(ifindex +){idx}(?!\d)", rf"\g<1>{name}", text)
    for num in sorted(numbers, key=len, reverse=True):
        text = re.sub(rf"(?<!\d){re.escape(num)}(?!\d)", numbers[num], text)
    text = re.sub(r"(?<=\S)  +", "  ", text)
    sys.stdout.write(text)


if __name__ == "__main__":
    main()
