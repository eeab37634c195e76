#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""One container of the DaemonSet in deploy/kubernetes, as `podman run` runs it.

  pod_podman.py YAML CONTAINER HOSTROOT [--host PATH=DIR]... [--volume NAME=DIR]...

Reads the DaemonSet in YAML and prints one JSON object for the container
named CONTAINER (an init container or a container):

  options     podman run options: --privileged, --network=host and
              --pid=host as the pod spec says, --env for each env entry,
              --cpus and --memory from its limits, and a --volume for each
              volumeMount (readOnly: ro; mountPropagation HostToContainer:
              rslave, Bidirectional: rshared)
  entrypoint  the container's command[0], for --entrypoint
  args        the rest of command, then args (after the image name)
  readiness, liveness   the exec probes' commands ([] if none)
  grace       terminationGracePeriodSeconds

A hostPath volume is the directory HOSTROOT/<path> (created), unless
--host PATH=DIR names another directory for that host path (the real
/sys/fs/bpf, say). Any other volume (a ConfigMap) needs --volume NAME=DIR:
the directory that stands in for it. Exits 1 naming what it cannot
translate (valueFrom, an unknown volume kind): the test must not run a
container that differs from the manifest without saying so. python3-yaml only.
"""
import json
import os
import sys

import yaml


def fail(msg):
    print(f"pod_podman.py: {msg}", file=sys.stderr)
    sys.exit(1)


def pairs(items, what):
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key or not value:
            fail(f"{what} '{item}' is not KEY=DIR")
        out[key] = value
    return out


def memory(q):
    units = {"Ki": 1 << 10, "Mi": 1 << 20, "Gi": 1 << 30, "K": 10**3, "M": 10**6, "G": 10**9}
    for suffix, mult in units.items():
        if q.endswith(suffix):
            return str(int(float(q[: -len(suffix)]) * mult))
    return str(int(q))


def cpus(q):
    q = str(q)
    return str(int(q[:-1]) / 1000) if q.endswith("m") else q


def main(argv):
    if len(argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    path, name, hostroot = argv[1:4]
    hosts, vols, rest = [], [], argv[4:]
    while rest:
        if len(rest) < 2 or rest[0] not in ("--host", "--volume"):
            fail(f"unexpected arguments {rest}")
        (hosts if rest[0] == "--host" else vols).append(rest[1])
        rest = rest[2:]
    hosts, vols = pairs(hosts, "--host"), pairs(vols, "--volume")

    with open(path) as f:
        docs = [d for d in yaml.safe_load_all(f) if d and d.get("kind") == "DaemonSet"]
    if len(docs) != 1:
        fail(f"{path}: expected one DaemonSet, found {len(docs)}")
    spec = docs[0]["spec"]["template"]["spec"]
    found = [c for c in spec.get("initContainers", []) + spec.get("containers", []) if c["name"] == name]
    if len(found) != 1:
        fail(f"{path}: no container '{name}'")
    c = found[0]
    volumes = {v["name"]: v for v in spec.get("volumes", [])}

    opts = []
    if c.get("securityContext", {}).get("privileged"):
        opts.append("--privileged")
    if spec.get("hostNetwork"):
        opts.append("--network=host")
    if spec.get("hostPID"):
        opts.append("--pid=host")
    for e in c.get("env", []):
        if "value" not in e:
            fail(f"container '{name}': env {e['name']} has no plain value")
        opts.append(f"--env={e['name']}={e['value']}")
    limits = c.get("resources", {}).get("limits", {})
    if "cpu" in limits:
        opts.append(f"--cpus={cpus(limits['cpu'])}")
    if "memory" in limits:
        opts.append(f"--memory={memory(limits['memory'])}")
    for m in c.get("volumeMounts", []):
        vol = volumes.get(m["name"])
        if vol is None:
            fail(f"container '{name}': mount of an undeclared volume '{m['name']}'")
        if m["name"] in vols:
            src = vols[m["name"]]
        elif "hostPath" in vol:
            hp = vol["hostPath"]["path"]
            src = hosts.get(hp, os.path.join(hostroot, hp.lstrip("/")))
            os.makedirs(src, exist_ok=True)
        else:
            fail(f"container '{name}': volume '{m['name']}' is no hostPath: pass --volume {m['name']}=DIR")
        flags = []
        if m.get("readOnly"):
            flags.append("ro")
        prop = m.get("mountPropagation", "None")
        if prop == "HostToContainer":
            flags.append("rslave")
        elif prop == "Bidirectional":
            flags.append("rshared")
        elif prop != "None":
            fail(f"container '{name}': unknown mountPropagation '{prop}'")
        opts.append(f"--volume={src}:{m['mountPath']}" + (":" + ",".join(flags) if flags else ""))

    cmd = c.get("command", []) + c.get("args", [])
    if not c.get("command"):
        fail(f"container '{name}': no command (the image's entry point is not read here)")

    def probe(key):
        return c.get(key, {}).get("exec", {}).get("command", [])

    print(json.dumps({
        "options": opts,
        "entrypoint": cmd[0],
        "args": cmd[1:],
        "readiness": probe("readinessProbe"),
        "liveness": probe("livenessProbe"),
        "grace": spec.get("terminationGracePeriodSeconds", 30),
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
