#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""The trials of tests/bench/bench_cni_add.sh: what plugnet adds to a pod's CNI ADD.

Run by bench_cni_add.sh, which starts plugnetd (catalog: drop and pass,
plugnet as its cni_binary) and writes a network list: bridge with
host-local, then plugnet (tests/lib/cni.bash's conflist). Every plugin
runs as libcni runs it (tests/lib/cni_run.py's inject: the CNI_*
environment, its entry of the list on stdin with name, cniVersion,
runtimeConfig and prevResult), one process per call, timed with
CLOCK_MONOTONIC from just before the fork to just after the wait.

Each trial makes three pods, each in a fresh netns, in rotating order
(after one warm-up trial that is not counted):

  none      bridge ADD, then plugnet ADD asking for no program (it
            registers the pod, which attaches its dispatcher)
  cached    the same, the pod's annotation asking for `pass`, which a
            holder pod (made before the trials, not timed) keeps plugged,
            so plugnetd's engine finds it in its verification cache
  uncached  the same, asking for a catalog entry written for this trial
            whose object is verdicts.bpf.o with a trial-unique tail, so no
            program of the same (name, ELF bytes) is loaded: the plug loads
            and verifies it

Every pod's bridge ADD is a sample of the reference; every plugnet ADD a
sample of its case. After each plugnet ADD with a program the slot's
kernel program id is read from the admin API: a cached plug must run the
holder's program, an uncached one a program loaded after every one seen
before. Then the trial's pods are deleted (plugnet DEL, bridge DEL, as
libcni does, in reverse) and their netns removed.

Exits 1 when any call fails or a case is not what it claims to be.
"""
import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ left in the checkout
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import cni_run  # noqa: E402  (inject and find_plugin: libcni's way of calling a plugin)

ANNOTATIONS = "io.kubernetes.cri.pod-annotations"
CASES = ("none", "cached", "uncached")
# The reference plugins stop at 1.0.0; plugnet speaks it too.
VERSION = "1.0.0"


class UnixHTTP(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("plugnet", timeout=60)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(60)
        self.sock.connect(self.path)


class Bench:
    def __init__(self, a):
        self.a = a
        with open(a.conflist) as f:
            self.conflist = json.load(f)
        self.main, self.plugnet = self.conflist["plugins"]
        self.main_bin = cni_run.find_plugin(self.main["type"], a.path)
        self.plugnet_bin = cni_run.find_plugin("plugnet", a.path)
        self.max_prog_id = 0
        self.holder_prog_id = None

    def admin(self, path):
        c = UnixHTTP(self.a.admin)
        try:
            c.request("GET", path)
            r = c.getresponse()
            body = r.read()
            if r.status != 200:
                raise RuntimeError(f"GET {path}: {r.status}: {body[:300]!r}")
            return json.loads(body)
        finally:
            c.close()

    def slot_progs(self):
        """{container_id: [prog_id, ...]} over every interface plugnetd holds."""
        progs = {}
        for iface in self.admin("/v1/interfaces"):
            for s in self.admin(f"/v1/interfaces/{iface['id']}").get("slots", []):
                progs.setdefault(s.get("container_id"), []).append(s["prog_id"])
                self.max_prog_id = max(self.max_prog_id, s["prog_id"])
        return progs

    def call(self, binary, command, cid, ns, conf):
        """One plugin process as libcni runs it: (ns elapsed, stdout)."""
        env = dict(os.environ)
        env.update({
            "CNI_COMMAND": command,
            "CNI_CONTAINERID": cid,
            "CNI_NETNS": f"/run/netns/{ns}",
            "CNI_IFNAME": "eth0",
            "CNI_ARGS": ("IgnoreUnknown=1;K8S_POD_NAMESPACE=default;"
                         f"K8S_POD_NAME=pod-{cid};K8S_POD_UID=uid-{cid};"
                         f"K8S_POD_INFRA_CONTAINER_ID={cid}"),
            "CNI_PATH": self.a.path,
        })
        stdin = json.dumps(conf).encode()
        t0 = time.monotonic_ns()
        p = subprocess.run([binary], input=stdin, capture_output=True, env=env)
        t1 = time.monotonic_ns()
        if p.returncode:
            raise RuntimeError(f"{os.path.basename(binary)} {command} of {cid} failed "
                               f"({p.returncode}): {p.stdout.decode(errors='replace').strip()} "
                               f"{p.stderr.decode(errors='replace').strip()}")
        return t1 - t0, p.stdout.decode(errors="replace")

    def confs(self, programs):
        """The two entries' configurations for a pod asking for `programs` (catalog names)."""
        ann = {"io.kubernetes.pod.uid": "bench"}
        if programs:
            ann["plugnet.io/programs"] = json.dumps([{"program": p} for p in programs])
        caps = {ANNOTATIONS: ann}
        main = cni_run.inject(self.main, self.conflist, VERSION, None, caps, {})
        return main, caps

    def add(self, cid, ns, programs):
        """bridge ADD then plugnet ADD for one pod: (bridge ns, plugnet ns, result)."""
        main_conf, caps = self.confs(programs)
        t_main, out = self.call(self.main_bin, "ADD", cid, ns, main_conf)
        prev = json.loads(out)
        conf = cni_run.inject(self.plugnet, self.conflist, VERSION, prev, caps, {})
        t_pn, out = self.call(self.plugnet_bin, "ADD", cid, ns, conf)
        return t_main, t_pn, json.loads(out)

    def delete(self, cid, ns, result, programs):
        main_conf, caps = self.confs(programs)
        conf = cni_run.inject(self.plugnet, self.conflist, VERSION, result, caps, {})
        self.call(self.plugnet_bin, "DEL", cid, ns, conf)
        main_conf["prevResult"] = result
        self.call(self.main_bin, "DEL", cid, ns, main_conf)

    def catalog_entry(self, name, tail):
        """A catalog program whose object no slot has loaded: verdicts.bpf.o plus `tail`."""
        with open(self.a.object, "rb") as f:
            elf = f.read()
        with open(os.path.join(self.a.catalog, f"{name}.bpf.o"), "wb") as f:
            f.write(elf + tail.encode())
        with open(os.path.join(self.a.catalog, f"{name}.json"), "w") as f:
            json.dump({"program": "xdp_pass"}, f)

    def drop_entry(self, name):
        for suffix in (".bpf.o", ".json"):
            try:
                os.unlink(os.path.join(self.a.catalog, name + suffix))
            except FileNotFoundError:
                pass

    def check(self, case, cid):
        progs = self.slot_progs().get(cid, [])
        if case == "none":
            if progs:
                raise RuntimeError(f"{cid} (no program) has slots {progs}")
            return
        if len(progs) != 1:
            raise RuntimeError(f"{cid} ({case}) has {len(progs)} slots, not 1")
        if case == "cached" and progs[0] != self.holder_prog_id:
            raise RuntimeError(f"{cid} (cached) runs program {progs[0]}, the holder "
                               f"{self.holder_prog_id}: not a cache hit")
        if case == "uncached" and progs[0] <= self.seen_before:
            raise RuntimeError(f"{cid} (uncached) runs program {progs[0]}, not one loaded "
                               f"after {self.seen_before}: not a cache miss")

    def run(self):
        a = self.a
        ns_made = []

        def mkns(name):
            subprocess.run(["ip", "netns", "add", name], check=True)
            ns_made.append(name)

        def rmns(name):
            subprocess.run(["ip", "netns", "del", name], check=False)
            ns_made.remove(name)

        samples = {"bridge": [], **{c: [] for c in CASES}}
        paired = {c: [] for c in CASES}
        # The holder: keeps `pass` plugged, so that `cached` hits it. Its
        # bridge ADD also makes the bridge device, which later ADDs find.
        hold_ns = f"{a.prefix}-hold"
        mkns(hold_ns)
        _, _, hold_result = self.add("hold", hold_ns, ["pass"])
        self.holder_prog_id = self.slot_progs()["hold"][0]
        print(f"holder pod: `pass` plugged, kernel program {self.holder_prog_id}", flush=True)
        try:
            # Trial 0 is a warm-up, not counted: the first calls of a
            # kind read binaries and objects in and fault in their pages.
            for trial in range(a.trials + 1):
                order = CASES[trial % 3:] + CASES[:trial % 3]
                pods = []
                fresh = f"fresh{trial}"
                self.catalog_entry(fresh, f"plugnet-bench-{os.getpid()}-{trial}")
                line = []
                for case in order:
                    cid = f"t{trial}-{case}"
                    ns = f"{a.prefix}-{trial}-{case}"
                    mkns(ns)
                    programs = {"none": [], "cached": ["pass"], "uncached": [fresh]}[case]
                    self.slot_progs()  # the highest program id so far
                    self.seen_before = self.max_prog_id
                    t_main, t_pn, result = self.add(cid, ns, programs)
                    pods.append((cid, ns, result, programs))
                    self.check(case, cid)
                    if trial:
                        samples["bridge"].append(t_main)
                        samples[case].append(t_pn)
                        paired[case].append(t_pn / t_main)
                    line.append(f"{case} {t_main / 1e6:.1f} + {t_pn / 1e6:.1f}")
                label = f"trial {trial}/{a.trials}" if trial else "warm-up (not counted)"
                print(f"{label}, bridge + plugnet ADD ms: " + ", ".join(line), flush=True)
                for cid, ns, result, programs in reversed(pods):
                    self.delete(cid, ns, result, programs)
                    rmns(ns)
                self.drop_entry(fresh)
            self.delete("hold", hold_ns, hold_result, ["pass"])
            rmns(hold_ns)
        finally:
            for ns in list(ns_made):
                rmns(ns)
        return samples, paired


def report(samples, paired, where):
    ms = lambda ns: ns / 1e6  # noqa: E731
    med = {k: statistics.median(v) for k, v in samples.items()}
    best = {k: min(v) for k, v in samples.items()}
    print()
    print(f"CNI ADD, {where}: {len(samples['none'])} trials "
          f"(bridge: {len(samples['bridge'])} ADDs, one per pod)")
    print()
    print("| ADD | median ms | best ms | worst ms | median / bridge's | best / bridge's "
          "| paired, median (range) |")
    print("|---|---|---|---|---|---|---|")
    for case, label in (("bridge", "bridge + host-local (reference)"),
                        ("none", "plugnet, no program"),
                        ("cached", "plugnet, 1 program, cached"),
                        ("uncached", "plugnet, 1 program, uncached")):
        s = samples[case]
        pair = ""
        if case != "bridge":
            p = paired[case]
            pair = f"{statistics.median(p):.2f} ({min(p):.2f}-{max(p):.2f})"
        print(f"| {label} | {ms(med[case]):.1f} | {ms(best[case]):.1f} | {ms(max(s)):.1f} "
              f"| {med[case] / med['bridge']:.2f} | {best[case] / best['bridge']:.2f} | {pair} |")
    print()
    print("plugnet's ADD runs after bridge's in the pod's chain, so each ratio is the time")
    print("plugnet adds, as a fraction of the reference plugin's own ADD: of the medians, of")
    print("the best (least disturbed) calls, and per pod (its plugnet ADD over its bridge ADD).")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--conflist", required=True)
    ap.add_argument("--path", required=True, help="CNI_PATH")
    ap.add_argument("--admin", required=True, help="plugnetd's admin socket")
    ap.add_argument("--catalog", required=True, help="plugnetd's catalog_dir")
    ap.add_argument("--object", required=True, help="verdicts.bpf.o")
    ap.add_argument("--prefix", required=True, help="netns name prefix")
    ap.add_argument("--trials", type=int, default=9)
    ap.add_argument("--where", default="")
    a = ap.parse_args()
    try:
        samples, paired = Bench(a).run()
    except (RuntimeError, subprocess.CalledProcessError, OSError, KeyError,
            json.JSONDecodeError) as e:
        print(f"bench_cni_add: {e}", file=sys.stderr)
        return 1
    report(samples, paired, a.where)
    return 0


if __name__ == "__main__":
    sys.exit(main())
