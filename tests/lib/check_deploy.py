#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Static checks of deploy/: the Kubernetes manifests and the Containerfile.

  check_deploy.py manifests DIR CONFIG   every YAML in DIR; CONFIG is the
                                         default plugnetd.json the ConfigMap
                                         must match
  check_deploy.py containerfile FILE     stages, FROM lines, COPY sources

Prints one line per problem and exits 1 if there is any. Uses python3-yaml
(Debian) only.
"""
import glob
import json
import os
import shlex
import sys

import yaml

problems = []


def bad(msg):
    problems.append(msg)


def manifests(directory, default_config):
    docs = []
    files = sorted(glob.glob(os.path.join(directory, "*.yaml")))
    if not files:
        bad(f"no YAML files in {directory}")
    for path in files:
        try:
            with open(path) as f:
                for doc in yaml.safe_load_all(f):
                    if doc is not None:
                        docs.append((os.path.basename(path), doc))
        except yaml.YAMLError as e:
            bad(f"{path}: not YAML: {e}")
    by_kind = {}
    for name, doc in docs:
        for key in ("apiVersion", "kind", "metadata"):
            if key not in doc:
                bad(f"{name}: no {key}")
        if "metadata" not in doc or "kind" not in doc:
            continue
        kind, meta = doc["kind"], doc["metadata"]
        by_kind.setdefault(kind, {})[meta.get("name")] = doc
        if kind != "Namespace" and meta.get("namespace") != "plugnet-system":
            bad(f"{name}: {kind} '{meta.get('name')}' is not in namespace plugnet-system")
    if "plugnet-system" not in by_kind.get("Namespace", {}):
        bad("no Namespace plugnet-system")
    daemonsets = by_kind.get("DaemonSet", {})
    if len(daemonsets) != 1:
        bad(f"expected one DaemonSet, found {len(daemonsets)}")
        return
    ds = next(iter(daemonsets.values()))
    spec = ds["spec"]["template"]["spec"]
    labels = ds["spec"]["template"]["metadata"].get("labels", {})
    for k, v in ds["spec"]["selector"]["matchLabels"].items():
        if labels.get(k) != v:
            bad(f"the DaemonSet's selector {k}={v} does not match its pods' labels")
    for key in ("hostNetwork", "hostPID"):
        if spec.get(key) is not True:
            bad(f"DaemonSet: {key} is not true")
    sa = spec.get("serviceAccountName")
    if sa not in by_kind.get("ServiceAccount", {}):
        bad(f"DaemonSet: ServiceAccount '{sa}' is not among the manifests")
    volumes = {v["name"]: v for v in spec.get("volumes", [])}
    for v in volumes.values():
        if "configMap" in v and v["configMap"]["name"] not in by_kind.get("ConfigMap", {}):
            bad(f"DaemonSet: volume '{v['name']}': ConfigMap '{v['configMap']['name']}' is not among the manifests")

    def mounts(c):
        out = {}
        for m in c.get("volumeMounts", []):
            vol = volumes.get(m["name"])
            if vol is None:
                bad(f"container '{c['name']}': mount of an undeclared volume '{m['name']}'")
                continue
            out[m["mountPath"]] = (m, vol)
        return out

    def host_mounts(c, paths):
        got = mounts(c)
        for path in paths:
            if path not in got:
                bad(f"container '{c['name']}': nothing mounted at {path}")
                continue
            m, vol = got[path]
            host = vol.get("hostPath", {}).get("path")
            if host != path:
                bad(f"container '{c['name']}': {path} is not the host's {path} (volume '{vol['name']}': {host})")
        return got

    def resources(c):
        r = c.get("resources", {})
        for part in ("requests", "limits"):
            for res in ("cpu", "memory"):
                if res not in r.get(part, {}):
                    bad(f"container '{c['name']}': no {part}.{res}")

    containers = {c["name"]: c for c in spec.get("containers", [])}
    inits = spec.get("initContainers", [])
    if "plugnetd" not in containers:
        bad("DaemonSet: no container 'plugnetd'")
        return
    agent = containers["plugnetd"]
    if agent.get("securityContext", {}).get("privileged") is not True:
        bad("container 'plugnetd' is not privileged")
    resources(agent)
    got = host_mounts(agent, ["/sys/fs/bpf", "/run/plugnet", "/var/lib/plugnet", "/opt/cni/bin", "/run/netns"])
    for path in ("/sys/fs/bpf", "/run/netns"):
        if path in got and got[path][0].get("mountPropagation") not in ("HostToContainer", "Bidirectional"):
            bad(f"container 'plugnetd': {path} does not receive the host's later mounts (mountPropagation)")

    # --config names a key of a mounted ConfigMap, which holds the default configuration.
    cmd = agent.get("command", []) + agent.get("args", [])
    if "--config" not in cmd or cmd.index("--config") + 1 >= len(cmd):
        bad("container 'plugnetd': no --config")
    else:
        conf = cmd[cmd.index("--config") + 1]
        d, key = os.path.split(conf)
        if d not in got or "configMap" not in got[d][1]:
            bad(f"container 'plugnetd': --config {conf} is not in a mounted ConfigMap")
        else:
            cm = by_kind["ConfigMap"].get(got[d][1]["configMap"]["name"])
            if cm is not None:
                text = cm.get("data", {}).get(key)
                if text is None:
                    bad(f"ConfigMap '{cm['metadata']['name']}' has no key '{key}'")
                else:
                    with open(default_config) as f:
                        want = json.load(f)
                    if json.loads(text) != want:
                        bad(f"ConfigMap '{cm['metadata']['name']}' {key} differs from {default_config}")

    for probe in ("readinessProbe", "livenessProbe"):
        exe = agent.get(probe, {}).get("exec", {}).get("command")
        if not exe:
            bad(f"container 'plugnetd': no exec {probe}")
        elif "plugctl status" not in " ".join(exe):
            bad(f"container 'plugnetd': {probe} does not run plugctl status: {exe}")

    install = [c for c in inits if any("install-cni.sh" in a for a in c.get("command", []) + c.get("args", []))]
    if not install:
        bad("DaemonSet: no init container runs install-cni.sh")
    for c in inits:
        resources(c)
    for c in install:
        host_mounts(c, ["/opt/cni/bin", "/etc/cni/net.d"])


def containerfile(path):
    root = os.path.dirname(os.path.dirname(os.path.abspath(path)))
    with open(path) as f:
        lines = []
        cont = ""
        for raw in f:
            line = raw.rstrip("\n")
            if line.lstrip().startswith("#"):
                continue
            if line.endswith("\\"):
                cont += line[:-1] + " "
                continue
            lines.append(cont + line)
            cont = ""
    instrs = [(l.split(None, 1)[0].upper(), l.split(None, 1)[1] if len(l.split(None, 1)) > 1 else "")
              for l in lines if l.strip()]
    froms = [a for i, a in instrs if i == "FROM"]
    if len(froms) != 2:
        bad(f"{path}: expected 2 stages, found {len(froms)}")
        return
    if froms[0].split() != ["debian:bookworm", "AS", "build"]:
        bad(f"{path}: the first stage is not 'debian:bookworm AS build': {froms[0]}")
    if froms[1].split() != ["debian:bookworm-slim"]:
        bad(f"{path}: the last stage is not 'debian:bookworm-slim': {froms[1]}")
    stage = -1
    destdir = None
    for i, a in instrs:
        if i == "FROM":
            stage += 1
        elif i == "RUN" and stage == 0 and "DESTDIR=" in a:
            destdir = a.split("DESTDIR=", 1)[1].split()[0]
        elif i in ("COPY", "ADD"):
            words = shlex.split(a)
            opts = [w for w in words if w.startswith("--")]
            srcs = [w for w in words if not w.startswith("--")][:-1]
            frm = [o.split("=", 1)[1] for o in opts if o.startswith("--from=")]
            for s in srcs:
                if frm:
                    if frm[0] != "build":
                        bad(f"{path}: COPY from an unknown stage '{frm[0]}'")
                    elif destdir is None or os.path.normpath(s) != os.path.normpath(destdir):
                        bad(f"{path}: COPY --from=build {s}: the build stage makes {destdir}")
                elif not os.path.exists(os.path.join(root, s)):
                    bad(f"{path}: COPY source '{s}' is not in the repository")
    print(f"# note: stages: {' | '.join(froms)}; the build stage installs into {destdir}")


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "manifests":
        manifests(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 3 and sys.argv[1] == "containerfile":
        containerfile(sys.argv[2])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
