#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# plugnetd end to end with real traffic: two pods registered by the
# runtime, each plugging catalog programs into its own eth0 through the
# API, and neither able to touch the other's slots. Needs freplace, so it
# runs in the VM tier.

load ../lib/plugnetd

setup() {
	cd "$BATS_TEST_DIRNAME/../.."
	build=${PLUGNET_BUILD:-$PWD/build}
	dir=$(mktemp -d /tmp/plugnetd-slots.XXXXXX)
	pin_root=/sys/fs/bpf/plugnet-test-slots
	write_config
	pid=
	mkpod a 1
	mkpod b 2
}

teardown() {
	kill_agent
	ip netns del pn-pod-a 2>/dev/null || true
	ip netns del pn-pod-b 2>/dev/null || true
	rm -rf "$dir" "$pin_root"
}

@test "each pod plugs into its own eth0; the other cannot unplug it" {
	start
	run register a
	[ "${lines[-1]}" = 201 ] || { echo "$output"; cat "$dir/log"; false; }
	run register b
	[ "${lines[-1]}" = 201 ]
	reaches 1
	reaches 2

	run as_pod a POST /v1/slots -d '{"program": "drop"}'
	[ "${lines[-1]}" = 201 ] || { echo "$output"; cat "$dir/log"; false; }
	slot=$(sed -n 's/.*"id":"\([^"]*\)".*/\1/p' <<<"${lines[0]}")
	[ -n "$slot" ]
	! reaches 1 || false
	reaches 2

	# B cannot unplug A's slot, and gets told whose it is.
	run as_pod b DELETE "/v1/slots/$slot"
	[ "${lines[-1]}" = 403 ]
	[[ ${lines[0]} == *"('drop', pod target) is owned by default/web-a"* ]]
	! reaches 1 || false
	# Nor act for A.
	run as_pod b POST /v1/slots -d '{"program": "pass", "container_id": "cid-a"}'
	[ "${lines[-1]}" = 403 ]
	[[ ${lines[0]} == *"a container acts only for itself, not for container 'cid-a'"* ]]
	# B sees only its own slots: none.
	run as_pod b GET /v1/slots
	[ "${lines[0]}" = '[]' ]

	run as_pod a DELETE "/v1/slots/$slot"
	[ "${lines[-1]}" = 200 ]
	reaches 1
}

@test "slots survive a restart of plugnetd, and stay their owner's" {
	start
	register a
	run as_pod a POST /v1/slots -d '{"program": "drop"}'
	[ "${lines[-1]}" = 201 ]
	slot=$(sed -n 's/.*"id":"\([^"]*\)".*/\1/p' <<<"${lines[0]}")
	stop
	# No agent: the pins keep the slot dropping.
	! reaches 1 || false
	start
	run as_pod a GET /v1/slots
	[[ ${lines[0]} == *"\"id\":\"$slot\""* ]]
	! reaches 1 || false
	run as_pod a DELETE "/v1/slots/$slot"
	[ "${lines[-1]}" = 200 ] || { echo "$output"; cat "$dir/log"; false; }
	reaches 1
}

@test "bad plug requests are refused with the reason, and nothing is plugged" {
	start
	register a
	run as_pod a POST /v1/slots -d '{"program": "nope"}'
	[ "${lines[-1]}" = 404 ]
	[[ ${lines[0]} == *"no program 'nope' in the catalog"* ]]
	run as_pod a POST /v1/slots -d '{"program": "../../etc/passwd"}'
	[ "${lines[-1]}" = 400 ]
	[[ ${lines[0]} == *"is not a catalog program name"* ]]
	run as_pod a POST /v1/slots -d '{"program": "drop", "target": "uplink:eth0"}'
	[ "${lines[-1]}" = 403 ]
	[[ ${lines[0]} == *"uplink 'eth0' is not one containers may plug into"* ]] || { echo "$output"; false; }
	run as_pod a POST /v1/slots -d '{"program": "drop", "target": "uplink:"}'
	[ "${lines[-1]}" = 400 ]
	[[ ${lines[0]} == *"field 'target': 'uplink:' is none of pod, host, uplink:<ifname>"* ]]
	run as_pod a POST /v1/slots -d '{"program": "drop", "proceed_on": "jump"}'
	[ "${lines[-1]}" = 400 ]
	# An unregistered netns is nobody.
	run as_pod b POST /v1/slots -d '{"program": "drop"}'
	[ "${lines[-1]}" = 403 ]
	[[ ${lines[0]} == *"is not a registered container"* ]]
	run runtime GET /v1/slots
	[ "${lines[0]}" = '[]' ]
	reaches 1
}

@test "the admin releases a slot on the record; its owner is told why" {
	start
	register a
	run as_pod a POST /v1/slots -d '{"program": "drop"}'
	[ "${lines[-1]}" = 201 ]
	slot=$(sed -n 's/.*"id":"\([^"]*\)".*/\1/p' <<<"${lines[0]}")
	! reaches 1 || false

	# Not from the workload socket, whoever calls.
	run runtime POST "/v1/slots/$slot/release" -d '{"reason": "x"}'
	[ "${lines[-1]}" = 403 ]
	[[ ${lines[0]} == *'only on the admin socket'* ]]
	run runtime GET /v1/audit
	[ "${lines[-1]}" = 403 ]
	# Never without a reason.
	run call "$dir/run/admin.sock" POST "/v1/slots/$slot/release" -d '{}'
	[ "${lines[-1]}" = 400 ]
	[[ ${lines[0]} == *"field 'reason': required"* ]]
	! reaches 1 || false

	run call "$dir/run/admin.sock" POST "/v1/slots/$slot/release" \
		-d '{"reason": "drops the health checks"}'
	[ "${lines[-1]}" = 200 ] || { echo "$output"; cat "$dir/log"; false; }
	reaches 1
	# Once is enough: a second release is refused, and not logged.
	run call "$dir/run/admin.sock" POST "/v1/slots/$slot/release" -d '{"reason": "again"}'
	[ "${lines[-1]}" = 409 ]
	run call "$dir/run/admin.sock" GET /v1/audit
	[[ ${lines[0]} != *'"reason":"again"'* ]]
	run call "$dir/run/admin.sock" GET /v1/audit
	[ "${lines[-1]}" = 200 ]
	[[ ${lines[0]} == *'"action":"release"'*"\"target\":\"$slot\""*'"previous_owner":"default/web-a (container cid-a)"'*'"reason":"drops the health checks"'* ]]
	[ "$(stat -c %a "$dir/state/audit.log")" = 600 ]

	# The owner's next request shows it was released, by whom and why.
	run as_pod a GET /v1/slots
	[[ ${lines[0]} == *'"released_by":"admin","released_reason":"drops the health checks"'* ]]
	run as_pod a DELETE "/v1/slots/$slot"
	[ "${lines[-1]}" = 200 ]
	run as_pod a GET /v1/slots
	[ "${lines[0]}" = '[]' ]
}

@test "raw ELF uploads are refused unless the policy allows them" {
	start
	register a
	elf=$(base64 -w0 "$build/tests/progs/verdicts.bpf.o")
	printf '{"program": "xdp_drop", "elf_base64": "%s"}' "$elf" >"$dir/upload.json"
	run as_pod a POST /v1/slots -d @"$dir/upload.json"
	[ "${lines[-1]}" = 403 ]
	[[ ${lines[0]} == *"uploading an ELF object is off by this node's policy (upload.allow_raw_elf)"* ]]
	reaches 1
	stop

	write_config ', "upload": {"allow_raw_elf": true}'
	start
	run as_pod a POST /v1/slots -d '{"program": "xdp_drop", "elf_base64": "not base64!"}'
	[ "${lines[-1]}" = 400 ]
	[[ ${lines[0]} == *"field 'elf_base64'"* ]]
	run as_pod a POST /v1/slots -d @"$dir/upload.json"
	[ "${lines[-1]}" = 201 ] || { echo "$output"; cat "$dir/log"; false; }
	[[ ${lines[0]} == *'"program":"upload:xdp_drop"'* ]]
	! reaches 1 || false
	# A program the object does not hold is named, with the ones it does.
	printf '{"program": "xdp_nope", "elf_base64": "%s"}' "$elf" >"$dir/upload.json"
	run as_pod a POST /v1/slots -d @"$dir/upload.json"
	[ "${lines[-1]}" = 422 ] || { echo "$output"; false; }
	[[ ${lines[0]} == *"xdp_nope"* ]]
}
