#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# plugctl with real plugged slots: show lists them with their program and
# link ids, owner and counts (golden files in tests/golden/plugctl/vm, the
# varying numbers named), and release IFACE SLOT unplugs one, on the
# record. Needs freplace, so it runs in the VM tier.

load ../lib/plugnetd
load ../lib/plugctl

setup() {
	cd "$BATS_TEST_DIRNAME/../.."
	build=${PLUGNET_BUILD:-$PWD/build}
	dir=$(mktemp -d /tmp/plugctl-slots.XXXXXX)
	pin_root=/sys/fs/bpf/plugnet-test-plugctl-slots
	golden_dir=vm
	host_ns=$(stat -L -c %i /proc/self/ns/net)
	write_config ', "slot_counters": true'
	pid=
	mkpod a 1
	quiet_link a 1
}

teardown() {
	kill_agent
	ip netns del pn-pod-a 2>/dev/null || true
	rm -rf "$dir" "$pin_root"
}

@test "show: plugged slots with ids, owner and counts; release IFACE SLOT unplugs one" {
	start
	run register a
	[ "${lines[-1]}" = 201 ] || { echo "$output"; cat "$dir/log"; false; }
	# pass runs first and proceeds; drop ends every packet.
	run as_pod a POST /v1/slots -d '{"program": "pass"}'
	[ "${lines[-1]}" = 201 ] || { echo "$output"; cat "$dir/log"; false; }
	run as_pod a POST /v1/slots -d '{"program": "drop"}'
	[ "${lines[-1]}" = 201 ]
	drop=$(json_id "${lines[0]}")
	! ping -c 4 -i 0.2 -W 1 10.77.1.2 >/dev/null 2>&1 || false

	run plugctl show eth0 --pod default/web-a
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	golden show_slots.txt
	run plugctl -j show eth0 --pod default/web-a
	[ "$status" -eq 0 ]
	golden show_slots.json
	# The ids are the kernel's: the drop slot's program and link are there.
	prog=$(jq -r '.slots[] | select(.program == "drop") | .prog_id' <<<"$output")
	link=$(jq -r '.slots[] | select(.program == "drop") | .link_id' <<<"$output")
	bpftool prog show id "$prog" | grep -q 'name xdp_drop'
	bpftool link show id "$link" | grep -q "prog $prog"
	run plugctl list
	golden list_slots.txt

	run plugctl release eth0 "${drop##*-}" --pod default/web-a --reason "drops the pings"
	[ "$status" -eq 0 ] || { echo "$output"; cat "$dir/log"; false; }
	golden release.txt
	reaches 1
	run plugctl show eth0 --pod default/web-a
	golden show_released.txt
	# Released already: plugnetd's 409, as plugnetd's JSON error with -j.
	run plugctl -j release "${drop%-*}" "$drop" --reason "again"
	[ "$status" -eq 1 ]
	[[ $output == '{"error":"already-released",'* ]] || { echo "$output"; false; }
	run plugctl audit
	golden audit.txt
}
