#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# slot_limit.sh: the largest slot count a plugnet dispatcher can have on this kernel.
#
#   tests/bench/slot_limit.sh [--here] [N...]      default N: 64 128 200 254 255
#
# For each N, builds bpf/dispatcher.bpf.c with N slots (mk/gen-slots.sh N,
# -DPLUGNET_CONFIG_SLOTS=N) into $BUILD/slot-limit/, then
# `bench_dispatcher --slot-variant OBJ N` loads it with .rodata num_slots = N
# (so the verifier keeps every slot), attaches one counting extension to all
# N slots and checks that one test run passes through every one of them.
# The build runs here; the loads need a kernel that attaches freplace
# programs, so they run in the VM (tests/vm/vm-run) unless this one does
# or --here says so (bench_dispatcher runs it that way, as its last part).
# PLUGNET_BENCH_BIN names the bench_dispatcher binary to load with.
# Prints one line per N, then the largest N that loads and the error of the
# first that does not. Exit 0 when every N was decided (loads or refused).
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
build=${PLUGNET_BUILD:-$root/${BUILD:-build}}
bench=${PLUGNET_BENCH_BIN:-$build/tests/bench/bench_dispatcher}
out=$build/slot-limit
clang=${CLANG:-clang}

load_only=0
here=0
case ${1:-} in
--load-only) load_only=1; shift ;;
--here) here=1; shift ;;
esac
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(64 128 200 254 255)
for n in "${sizes[@]}"; do
	case $n in
	'' | *[!0-9]* | 0*) echo "slot_limit: '$n' is not a slot count" >&2; exit 2 ;;
	esac
done

if [ $load_only -eq 0 ]; then
	[ -x "$bench" ] || {
		echo "slot_limit: $bench not built (make $bench)" >&2
		exit 2
	}
	mkdir -p "$out"
	for n in "${sizes[@]}"; do
		mkdir -p "$out/$n"
		sh mk/gen-slots.sh "$n" >"$out/$n/dispatcher_slots.h"
		# The Makefile's BPF flags, minus -I$(BUILD)/bpf: that holds the 63-slot header.
		"$clang" -g -O2 -target bpf -D__TARGET_ARCH_x86 -Wall -Werror \
			-I/usr/include/"$(gcc -dumpmachine)" -Ibpf -I"$out/$n" \
			-DPLUGNET_CONFIG_SLOTS="$n" -c bpf/dispatcher.bpf.c -o "$out/dispatcher-$n.bpf.o"
		printf 'built %s (%s bytes)\n' "$out/dispatcher-$n.bpf.o" \
			"$(stat -c %s "$out/dispatcher-$n.bpf.o")"
	done
	if [ $here -eq 0 ] && [ -z "${PLUGNET_IN_VM:-}" ] && ! { [ "$(id -u)" -eq 0 ] &&
		[ -x "$build/tests/ext-probe" ] && "$build/tests/ext-probe" >/dev/null 2>&1; }; then
		echo "this kernel refuses freplace; loading in the VM"
		PLUGNET_BUILD=$build exec tests/vm/vm-run -t "${PLUGNET_VM_TIMEOUT:-1500}" -- \
			"$root/tests/bench/slot_limit.sh" --load-only "${sizes[@]}"
	fi
fi

printf 'kernel %s: dispatcher variants, every slot plugged\n' "$(uname -r)"
largest=
first_fail=
first_err=
undecided=0
for n in "${sizes[@]}"; do
	obj=$out/dispatcher-$n.bpf.o
	set +e
	line=$("$bench" --slot-variant "$obj" "$n" 2>&1)
	rc=$?
	set -e
	printf '%s\n' "$line"
	case $rc in
	0) if [ -z "$largest" ] || [ "$n" -gt "$largest" ]; then largest=$n; fi ;;
	1) if [ -z "$first_fail" ] || [ "$n" -lt "$first_fail" ]; then
		first_fail=$n
		first_err=$line
	fi ;;
	*) undecided=1 ;;
	esac
done

printf '\nlargest slot count that loads (of %s): %s\n' "${sizes[*]}" "${largest:-none}"
if [ -n "$first_fail" ]; then
	printf 'first that does not: %s\n' "$first_err"
	if [ -n "$largest" ] && [ "$first_fail" -gt $((largest + 1)) ]; then
		printf 'the exact limit lies between %s and %s: rerun with N values in between\n' \
			"$largest" "$first_fail"
	fi
else
	printf 'every size given loads\n'
fi
exit $undecided
