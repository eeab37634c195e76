#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# plugnetd killed with SIGKILL at random moments (seeded) while four
# clients plug and unplug through its workload socket, two as their
# containers and two as the runtime acting for theirs; after every restart
# the state file, the API, the pins and the kernel's objects must agree,
# and no acknowledged request may be lost. tests/lib/crash_loop.c does the
# work and says what it checks. Needs freplace, so it runs in the VM tier.
# PLUGNET_CRASH_SEED=N repeats a run.

load ../lib/plugnetd

pods=(pn-crash-0 pn-crash-1 pn-crash-2 pn-crash-3)

setup() {
	cd "$BATS_TEST_DIRNAME/../.."
	build=${PLUGNET_BUILD:-$PWD/build}
	dir=$(mktemp -d /tmp/plugnetd-crash.XXXXXX)
	pin_root=/sys/fs/bpf/plugnet-test-crash
	mkdir -p "$dir/programs"
	cp "$build/tests/progs/verdicts.bpf.o" "$dir/programs/drop.bpf.o"
	printf '{"program": "xdp_drop"}' >"$dir/programs/drop.json"
	cp "$build/tests/progs/verdicts.bpf.o" "$dir/programs/pass.bpf.o"
	printf '{"program": "xdp_pass"}' >"$dir/programs/pass.json"
	# The loop's clients that act as the runtime are crash-loop processes.
	cat >"$dir/plugnetd.json" <<-EOF
		{
		  "workload_socket": "$dir/run/plugnet.sock",
		  "admin_socket": "$dir/run/admin.sock",
		  "pin_root": "$pin_root",
		  "state_dir": "$dir/state",
		  "catalog_dir": "$dir/programs",
		  "cni_binary": "$(readlink -f "$build/tests/crash-loop")"
		}
	EOF
	pid=
	for i in "${!pods[@]}"; do
		ip netns add "${pods[$i]}"
		ip link add "pnc-h$i" type veth peer name eth0 netns "${pods[$i]}"
		ip link set "pnc-h$i" up
		ip -n "${pods[$i]}" link set eth0 up
	done
}

teardown() {
	for i in "${!pods[@]}"; do
		ip netns del "${pods[$i]}" 2>/dev/null || true
	done
	rm -rf "$dir" "$pin_root"
}

@test "SIGKILLed at random moments under 4 clients: no acknowledged request lost, no orphan, no leak" {
	run "$build/tests/crash-loop" --plugnetd "$build/tests/plugnetd-san" --config "$dir/plugnetd.json" \
		--log "$dir/log" --requests 200 --kills 9 ${PLUGNET_CRASH_SEED:+--seed "$PLUGNET_CRASH_SEED"} \
		"${pods[@]}"
	echo "$output"
	if [ "$status" -ne 0 ]; then
		echo "---- the last lines of plugnetd's log ----"
		tail -n 80 "$dir/log"
		false
	fi
	# The figures: seed, kills and where they landed, time.
	grep '^crash-loop: seed [0-9]*:' <<<"$output" | sed 's/^/# note: /' >&3
}
