#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Run a CNI network configuration list the way libcni does.

The conformance tests drive plugnet through this, chained after Debian's
reference plugins: each plugin gets the CNI_* environment and its entry of
the list with "name", "cniVersion", "runtimeConfig" (only the capabilities
it declares) and "prevResult" injected, as libcni's InjectConf builds it.
ADD runs the list in order and caches the result; DEL runs it in reverse
with the cached result; CHECK in order with it; GC and STATUS in order.

Debian's reference plugins stop at cniVersion 1.0.0; with --main-version
they run at that version while plugnet runs at the list's, the result they
hand on relabelled (the result format did not change in 1.1.0).

Prints the final result (or the failing plugin's error) on stdout, and
exits 0, or 1 when a plugin failed (its type on stderr).
"""
import argparse
import json
import os
import subprocess
import sys


def find_plugin(name, path):
    for d in path.split(":"):
        p = os.path.join(d, name)
        if os.access(p, os.X_OK):
            return p
    sys.exit(f"cni_run: plugin '{name}' is not in CNI_PATH {path}")


def inject(entry, conflist, version, prev, caps, extra):
    conf = dict(entry)
    conf["name"] = conflist["name"]
    conf["cniVersion"] = version
    declared = entry.get("capabilities", {})
    rc = {k: v for k, v in caps.items() if declared.get(k)}
    if rc:
        conf["runtimeConfig"] = rc
    if prev is not None:
        conf["prevResult"] = prev
    conf.update(extra)
    return conf


def run_one(a, entry, command, conf):
    if a.trace:
        os.makedirs(a.trace, exist_ok=True)
        with open(os.path.join(a.trace, f"{entry['type']}.{command}.in"), "w") as f:
            json.dump(conf, f)
    env = dict(os.environ)
    env.update({
        "CNI_COMMAND": command,
        "CNI_CONTAINERID": a.containerid,
        "CNI_NETNS": a.netns,
        "CNI_IFNAME": a.ifname,
        "CNI_ARGS": a.args,
        "CNI_PATH": a.path,
    })
    for k in ("CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME"):
        if command in ("GC", "STATUS"):
            env.pop(k, None)
    p = subprocess.run([find_plugin(entry["type"], a.path)], input=json.dumps(conf).encode(),
                       capture_output=True, env=env)
    sys.stderr.write(p.stderr.decode(errors="replace"))
    if a.trace:
        with open(os.path.join(a.trace, f"{entry['type']}.{command}.out"), "wb") as f:
            f.write(p.stdout)
    return p.returncode, p.stdout.decode(errors="replace")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--conflist", required=True)
    ap.add_argument("--command", required=True,
                    choices=["ADD", "DEL", "CHECK", "GC", "STATUS"])
    ap.add_argument("--containerid", default="")
    ap.add_argument("--netns", default="")
    ap.add_argument("--ifname", default="eth0")
    ap.add_argument("--args", default="")
    ap.add_argument("--path", required=True)
    ap.add_argument("--cache", required=True, help="libcni's result cache directory")
    ap.add_argument("--cap", action="append", default=[],
                    help="capability argument NAME=JSON")
    ap.add_argument("--main-version", help="cniVersion for the plugins before plugnet")
    ap.add_argument("--valid-attachments", help="GC: JSON list of attachments to keep")
    ap.add_argument("--trace", help="directory for each plugin's stdin and stdout")
    a = ap.parse_args()

    with open(a.conflist) as f:
        conflist = json.load(f)
    version = conflist["cniVersion"]
    caps = {}
    for c in a.cap:
        k, _, v = c.partition("=")
        caps[k] = json.loads(v)
    os.makedirs(a.cache, exist_ok=True)
    cache = os.path.join(a.cache, f"{conflist['name']}-{a.containerid}-{a.ifname}")
    plugins = conflist["plugins"]

    def version_for(entry):
        if a.main_version and entry["type"] != "plugnet":
            return a.main_version
        return version

    def relabel(result, entry):
        if result is not None and a.main_version:
            result = dict(result, cniVersion=version_for(entry))
        return result

    if a.command == "ADD":
        prev = None
        for entry in plugins:
            conf = inject(entry, conflist, version_for(entry), relabel(prev, entry), caps, {})
            rc, out = run_one(a, entry, "ADD", conf)
            if rc:
                print(out, end="")
                print(f"cni_run: {entry['type']} ADD failed ({rc})", file=sys.stderr)
                return 1
            prev = json.loads(out)
        with open(cache, "w") as f:
            json.dump(prev, f)
        print(json.dumps(prev, indent=2))
        return 0

    cached = None
    if os.path.exists(cache):
        with open(cache) as f:
            cached = json.load(f)
    order = list(reversed(plugins)) if a.command == "DEL" else plugins
    extra = {}
    if a.command == "GC" and a.valid_attachments is not None:
        extra["cni.dev/valid-attachments"] = json.loads(a.valid_attachments)
    status = 0
    for entry in order:
        prev = relabel(cached, entry) if a.command in ("DEL", "CHECK") else None
        conf = inject(entry, conflist, version_for(entry), prev, caps, extra)
        if a.command in ("GC", "STATUS") and entry["type"] != "plugnet":
            continue  # the reference plugins have neither (cniVersion 1.0.0)
        rc, out = run_one(a, entry, a.command, conf)
        if rc:
            print(out, end="")
            print(f"cni_run: {entry['type']} {a.command} failed ({rc})", file=sys.stderr)
            status = 1
            if a.command != "DEL":
                return 1
    if a.command == "DEL" and not status and os.path.exists(cache):
        os.unlink(cache)
    return status


if __name__ == "__main__":
    sys.exit(main())
