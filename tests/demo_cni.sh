#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# make demo: plugnet end to end on this kernel (tests/demo decides where).
# plugnetd with a temporary configuration; two pods wired by the real CNI
# chain (bridge + host-local, then plugnet) as a runtime runs it; pod A's
# annotation asks for drop-icmp; both pods plug into a shared uplink, and
# plugctl shows the packets pod A's src-counter counted there; pod B is
# refused when it unplugs A's slot; the admin releases it on the
# record; CNI DEL; and proof that nothing is left. Every step checks what
# it narrates and the demo exits non-zero at the first that does not hold.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 2
build=$(readlink -f "${BUILD:-build}")
dir=$(mktemp -d /tmp/plugnet-demo.XXXXXX)
pin_root=/sys/fs/bpf/plugnet-demo
uplink=pn-demo-up0
bridge=pn-demo-br
pid=

bold='' plain=''
if [ "${PLUGNET_DEMO_TTY:-$([ -t 1 ] && echo 1)}" = 1 ]; then bold=$'\033[1m' plain=$'\033[0m'; fi
say() { printf '\n%s== %s%s\n' "$bold" "$*" "$plain"; }
# The command as one would type it (the demo's arguments hold no single quote).
run() {
	local arg
	printf '$'
	for arg in "$@"; do
		case $arg in
		*[\ \"{}\$]*) printf " '%s'" "$arg" ;;
		*) printf ' %s' "$arg" ;;
		esac
	done
	printf '\n'
	"$@"
}
fail() {
	printf '\ndemo: FAILED: %s\n' "$*" >&2
	[ -s "$dir/plugnetd.log" ] && { echo "--- plugnetd's log:" >&2; tail -20 "$dir/plugnetd.log" >&2; }
	exit 1
}

cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	ip netns del pn-demo-a 2>/dev/null
	ip netns del pn-demo-b 2>/dev/null
	ip netns del pn-demo-net 2>/dev/null
	ip link del "$uplink" 2>/dev/null
	ip link del "$bridge" 2>/dev/null
	rm -rf "$dir" "$pin_root"
}
trap cleanup EXIT

# What the kernel holds before: the demo must leave exactly this.
count_objects() { # prog|link|map
	bpftool "$1" show -j 2>/dev/null | /usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'
}
before_progs=$(count_objects prog)
before_links=$(count_objects link)
before_maps=$(count_objects map)

say "1. plugnetd starts with a temporary configuration (state in $dir)"
mkdir -p "$dir/programs" "$dir/cache" "$dir/ipam" "$dir/bin"
cp "$build"/bpf/examples/*.bpf.o "$build"/bpf/examples/*.json "$dir/programs/"
ln -s "$build/plugnet" "$dir/bin/plugnet"
# The uplink stands in for the NIC; the far end of its wire, in a netns of
# its own, is the network that sends it traffic.
ip netns add pn-demo-net || fail "cannot make the uplink's far-end netns"
ip link add "$uplink" type veth peer name pn-demo-wire netns pn-demo-net ||
	fail "cannot make the uplink veth"
if ! { ip addr add 10.79.0.1/24 dev "$uplink" && ip link set "$uplink" up &&
	ip -n pn-demo-net addr add 10.79.0.2/24 dev pn-demo-wire &&
	ip -n pn-demo-net link set pn-demo-wire up; }; then
	fail "cannot set up the uplink veth"
fi
cat >"$dir/plugnetd.json" <<-JSON
	{
	  "workload_socket": "$dir/run/plugnet.sock",
	  "admin_socket": "$dir/run/admin.sock",
	  "pin_root": "$pin_root",
	  "state_dir": "$dir/state",
	  "catalog_dir": "$dir/programs",
	  "cni_binary": "$build/plugnet",
	  "uplinks": [{"ifname": "$uplink", "slot_quota": 1, "priority": {"min": 100, "max": 199}}]
	}
JSON
"$build/plugnetd" --config "$dir/plugnetd.json" 2>"$dir/plugnetd.log" &
pid=$!
for _ in $(seq 100); do [ -S "$dir/run/admin.sock" ] && break; sleep 0.1; done
[ -S "$dir/run/admin.sock" ] || fail "plugnetd did not start"
export PLUGNET_ADMIN_SOCKET=$dir/run/admin.sock
run "$build/plugctl" status || fail "plugnetd is not serving"
run "$build/plugctl" programs || fail "no catalog"

say "2. Two pods, wired by bridge + host-local, then plugnet (as a runtime runs the chain)"
cat >"$dir/demo.conflist" <<-JSON
	{"cniVersion": "1.0.0", "name": "demo",
	 "plugins": [
	  {"type": "bridge", "bridge": "$bridge", "isGateway": true,
	   "ipam": {"type": "host-local", "subnet": "10.123.0.0/24", "dataDir": "$dir/ipam"}},
	  {"type": "plugnet", "socket": "$dir/run/plugnet.sock",
	   "capabilities": {"io.kubernetes.cri.pod-annotations": true}}]}
JSON
cat "$dir/demo.conflist"
annotation='[{"program":"drop-icmp","target":"pod","priority":10,"proceedOn":["pass"]}]'
cni() { # verb pod [cni_run options]
	local verb=$1 pod=$2
	shift 2
	/usr/bin/python3 tests/lib/cni_run.py --conflist "$dir/demo.conflist" --command "$verb" \
		--containerid "demo-$pod" --netns "/run/netns/pn-demo-$pod" --path "/usr/lib/cni:$dir/bin" \
		--cache "$dir/cache" --args "IgnoreUnknown=1;K8S_POD_NAMESPACE=demo;K8S_POD_NAME=pod-$pod" "$@"
}
ip netns add pn-demo-a || fail "cannot make pod A's netns"
ip netns add pn-demo-b || fail "cannot make pod B's netns"
echo "pod A's annotation: plugnet.io/programs: '$annotation'"
cni ADD a --cap "io.kubernetes.cri.pod-annotations={\"plugnet.io/programs\": $(/usr/bin/python3 -c 'import json,sys; print(json.dumps(sys.argv[1]))' "$annotation")}" \
	>"$dir/a.json" || fail "CNI ADD of pod A"
cni ADD b >"$dir/b.json" || fail "CNI ADD of pod B"
ip_of() { /usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["ips"][0]["address"].split("/")[0])' "$1"; }
ip_a=$(ip_of "$dir/a.json")
ip_b=$(ip_of "$dir/b.json")
echo "pod A is $ip_a, pod B is $ip_b (from the chain's result)"

say "3. drop-icmp runs on pod A's eth0: A does not answer ping, B does"
if run ping -c 3 -i 0.3 -W 2 "$ip_a"; then fail "pod A answered ping"; fi
run ping -c 3 -i 0.3 -W 2 "$ip_b" || fail "pod B did not answer ping"

say "4. Both pods plug a program into the shared uplink $uplink, each from its own netns"
as_pod() { # pod method path [curl args]
	local pod=$1 method=$2 path=$3
	shift 3
	ip netns exec "pn-demo-$pod" curl -sS --unix-socket "$dir/run/plugnet.sock" -X "$method" \
		-w '\nHTTP %{http_code}\n' "http://plugnet$path" "$@"
}
run as_pod a POST /v1/slots -d "{\"program\": \"src-counter\", \"target\": \"uplink:$uplink\", \"priority\": 110}" |
	tee "$dir/slot-a" || true
grep -q 'HTTP 201' "$dir/slot-a" || fail "pod A's uplink plug"
run as_pod b POST /v1/slots -d "{\"program\": \"syn-limit\", \"target\": \"uplink:$uplink\", \"priority\": 120}" |
	tee "$dir/slot-b" || true
grep -q 'HTTP 201' "$dir/slot-b" || fail "pod B's uplink plug"
slot_a=$(sed -n 's/^{"id":"\([^"]*\)".*/\1/p' "$dir/slot-a")
[ -n "$slot_a" ] || fail "no slot id in pod A's answer"

say "5. What the operator sees"
run "$build/plugctl" list || fail "plugctl list"
run "$build/plugctl" show "$uplink" || fail "plugctl show"
echo "The network beyond the uplink (10.79.0.2) pings it 5 times; pod A's src-counter counts them:"
run ip netns exec pn-demo-net ping -c 5 -i 0.2 -W 2 10.79.0.1 >/dev/null || fail "no ping over the uplink"
run "$build/plugctl" maps "$uplink" "${slot_a##*-}" | tee "$dir/maps" || fail "plugctl maps"
# saddr is a __be32 shown as the number it stands for: 10.79.0.2 = 10<<24 | 79<<16 | 2.
grep -Eq "^[0-9]+ +$(((10 << 24) | (79 << 16) | 2)) +5 +[0-9]+\$" "$dir/maps" ||
	fail "src-counter's map does not show 5 packets from 10.79.0.2"
echo "(saddr $(((10 << 24) | (79 << 16) | 2)) is 10.79.0.2: the 5 echo requests, counted before syn-limit let them pass)"

say "6. Pod B, from its own netns, tries to unplug pod A's uplink slot"
run as_pod b DELETE "/v1/slots/$slot_a" | tee "$dir/refused" || true
grep -q 'HTTP 403' "$dir/refused" || fail "pod B was not refused"
grep -q 'owned by demo/pod-a' "$dir/refused" || fail "the refusal does not name the owner"

say "7. The admin releases it on purpose, with a reason; the audit log has it"
attach=${slot_a##*-}
run "$build/plugctl" release "$uplink" "$attach" --reason "demo: an operator override" --yes ||
	fail "plugctl release"
run "$build/plugctl" audit | tee "$dir/audit" || fail "plugctl audit"
grep -q "demo: an operator override" "$dir/audit" || fail "no audit entry"

say "8. CNI DEL of both pods, and proof that nothing is left"
cni DEL a || fail "CNI DEL of pod A"
cni DEL b || fail "CNI DEL of pod B"
run "$build/plugctl" detach "$uplink" --reason "demo: done" --yes || fail "plugctl detach"
kill "$pid" && wait "$pid"
pid=
rm -f "$pin_root/prog-index"
left=$(find "$pin_root" -mindepth 1 | wc -l)
echo "pins left under $pin_root: $left"
[ "$left" -eq 0 ] || fail "pins left: $(find "$pin_root" -mindepth 1)"
rmdir "$pin_root"
# The kernel frees the last revision's objects after a grace period: wait for it.
for _ in $(seq 50); do
	after_progs=$(count_objects prog)
	after_links=$(count_objects link)
	after_maps=$(count_objects map)
	[ "$after_progs$after_links$after_maps" = "$before_progs$before_links$before_maps" ] && break
	sleep 0.2
done
echo "BPF programs: $before_progs before, $after_progs after; links: $before_links, $after_links; maps: $before_maps, $after_maps"
if [ "$after_progs" -ne "$before_progs" ] || [ "$after_links" -ne "$before_links" ] ||
	[ "$after_maps" -ne "$before_maps" ]; then
	fail "BPF objects left behind"
fi
printf '\ndemo: every step behaved as narrated\n'
