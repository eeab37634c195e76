#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench_cni_add.sh: the time plugnet adds to a pod's CNI ADD, against the
# reference bridge plugin's own ADD in the same run.
#
#   tests/bench/bench_cni_add.sh [--here]
#
# Starts plugnetd (catalog: drop and pass from verdicts.bpf.o, plugnet as
# its cni_binary, no periodic sweep during the run) and a network list of
# bridge with host-local, then plugnet (tests/lib/cni.bash). Then
# tests/bench/cni_add.py times, for each trial, three pods: bridge ADD,
# then plugnet ADD with no program, with a cached program, with an
# uncached one (see there). Prints each trial, then the medians and the
# ratios plugnet ADD / bridge ADD.
#
# Plugging needs a kernel that attaches freplace programs: unless this one
# does, or --here says so, the run moves into the VM (tests/vm/vm-run).
# PLUGNET_BENCH_CNI_TRIALS: trials (default 9, after one warm-up trial;
# each makes three pods; about 2 minutes under TCG).
# Exits non-zero if any ADD or DEL fails; cleans up after itself either way.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
build=${PLUGNET_BUILD:-$root/${BUILD:-build}}
trials=${PLUGNET_BENCH_CNI_TRIALS:-9}
case $trials in
'' | *[!0-9]* | 0*) echo "bench_cni_add: PLUGNET_BENCH_CNI_TRIALS='$trials' is not a count" >&2; exit 2 ;;
esac

here=0
[ "${1:-}" = --here ] && here=1
for f in "$build/plugnetd" "$build/plugnet" "$build/tests/progs/verdicts.bpf.o"; do
	[ -e "$f" ] || { echo "bench_cni_add: $f not built (make tests-build)" >&2; exit 2; }
done
for f in /usr/lib/cni/bridge /usr/lib/cni/host-local; do
	[ -x "$f" ] || { echo "bench_cni_add: $f missing (Debian's containernetworking-plugins)" >&2; exit 2; }
done
[ "$(id -u)" -eq 0 ] || { echo "bench_cni_add: needs root (netns, bridge, XDP)" >&2; exit 2; }

if [ $here -eq 0 ] && [ -z "${PLUGNET_IN_VM:-}" ] &&
	! { [ -x "$build/tests/ext-probe" ] && "$build/tests/ext-probe" >/dev/null 2>&1; }; then
	echo "this kernel refuses freplace; running in the VM"
	PLUGNET_BUILD=$build exec tests/vm/vm-run -t "${PLUGNET_VM_TIMEOUT:-1500}" -- \
		env PLUGNET_BENCH_CNI_TRIALS="$trials" "$root/tests/bench/bench_cni_add.sh" --here
fi

# tests/lib/cni.bash is written for bats: its `load` is bats'.
# shellcheck disable=SC1090,SC2317 # called by cni.bash, which names the file
load() { . "$root/tests/lib/${1##*/}.bash"; }
# shellcheck source=tests/lib/cni.bash
. "$root/tests/lib/cni.bash"

[ "$(stat -f -c %T /sys/fs/bpf 2>/dev/null)" = bpf_fs ] || mount -t bpf bpf /sys/fs/bpf
dir=$(mktemp -d /tmp/plugnet-bench-cni.XXXXXX)
pin_root=/sys/fs/bpf/plugnet-bench-cni-$$
prefix=pn-bcni-$$
# shellcheck disable=SC2034 # plugnetd's, for start, stop and kill_agent
pid=

# shellcheck disable=SC2317 # the EXIT trap's
cleanup() {
	local status=$? ns
	kill_agent
	if [ "$status" -ne 0 ] && [ -s "$dir/log" ]; then
		echo "bench_cni_add: the end of plugnetd's log:" >&2
		tail -n 20 "$dir/log" | sed 's/^/    /' >&2
	fi
	for ns in $(ip netns list | awk -v p="$prefix-" 'index($1, p) == 1 {print $1}'); do
		ip netns del "$ns" 2>/dev/null || true
	done
	ip link del "pnbr-$$" 2>/dev/null || true
	rm -rf "$dir" "$pin_root"
}
trap cleanup EXIT

# cni_setup's, but with no sweep inside the measurements (as bench_api).
# shellcheck disable=SC2034 # write_config's
cni_binary=$build/plugnet
write_config ', "limits": {"sweep_interval_ms": 600000}'
mkdir -p "$dir/bin" "$dir/cache" "$dir/ipam"
ln -sf "$(readlink -f "$build/plugnet")" "$dir/bin/plugnet"
cni_path=/usr/lib/cni:$dir/bin
list=$dir/bench.conflist
conflist "$list" 1.0.0 bridge
start

# Under TCG qemu's -cpu max calls itself "QEMU TCG CPU"; under KVM it is the host's.
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)
where="kernel $(uname -r)${PLUGNET_IN_VM:+ in the qemu VM}, $(nproc) CPUs ($cpu)"
printf 'kernel %s: plugnet CNI ADD against bridge ADD, %s trials of 3 pods\n' "$(uname -r)" "$trials"

rc=0
/usr/bin/python3 "$root/tests/bench/cni_add.py" --conflist "$list" --path "$cni_path" \
	--admin "$dir/run/admin.sock" --catalog "$dir/programs" \
	--object "$build/tests/progs/verdicts.bpf.o" --prefix "$prefix" \
	--trials "$trials" --where "$where" || rc=1

if [ $rc -eq 0 ] && [ "$(pins_left)" -ne 0 ]; then
	echo "bench_cni_add: plugnetd still holds pins after every DEL:" >&2
	find "$pin_root" -mindepth 1 -not -name prog-index >&2
	rc=1
fi
stop || rc=1
exit $rc
