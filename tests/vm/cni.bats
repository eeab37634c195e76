#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The plugnet CNI plugin plugging programs: from the network configuration
# and from pod annotations, chained after bridge + host-local as libcni
# runs it, with real traffic; CHECK after an admin's release; ADDs that
# fail at a plug leaving nothing behind; 20 pods at once. Needs freplace,
# so it runs in the VM tier.

load ../lib/cni
bats_require_minimum_version 1.5.0

setup() {
	cd "$BATS_TEST_DIRNAME/../.."
	build=${PLUGNET_BUILD:-$PWD/build}
	dir=$(mktemp -d /tmp/plugnet-cni-vm.XXXXXX)
	pin_root=/sys/fs/bpf/plugnet-test-cni-vm
	cni_setup ', "uplinks": [{"ifname": "pn-up0", "slot_quota": 1, "priority": {"min": 100, "max": 199}}]'
	cp "$build/tests/progs/err_progs.bpf.o" "$dir/programs/refused.bpf.o"
	printf '{"program": "err_unchecked"}' >"$dir/programs/refused.json"
	ip link add pn-up0 type veth peer name pn-wire
	ip link set pn-up0 up
	ip link set pn-wire up
	pid=
}

teardown() {
	ip link del pn-up0 2>/dev/null || true
	cni_teardown
}

annotation() { # programs JSON
	/usr/bin/python3 -c 'import json,sys; print("io.kubernetes.cri.pod-annotations=" + json.dumps({"plugnet.io/programs": sys.argv[1], "other": "x"}))' "$1"
}

pings() { # ip
	ping -c 2 -i 0.3 -W 2 "$1" >/dev/null 2>&1
}

slots_of() { # container
	admin GET /v1/slots | head -1 | /usr/bin/python3 -c 'import json,sys; print(" ".join(sorted(s["program"] + "@" + s["target"] for s in json.load(sys.stdin) if s["container_id"] == sys.argv[1])))' "$1"
}

@test "programs from the network and the pod's annotation plug at ADD, at every version; traffic shows them" {
	local v n=0 ip_a ip_b
	start
	for v in 0.3.1 0.4.0 1.0.0 1.1.0; do
		n=$((n + 1))
		list=$dir/bridge-$v.conflist
		conflist "$list" "$v" bridge ', "programs": [{"program": "pass", "priority": 5, "proceedOn": ["pass"]}]'
		mkns "pn-a-$n"
		mkns "pn-b-$n"
		cni ADD "a$n" "pn-a-$n" --trace "$dir/trace-a$n" \
			--cap "$(annotation '[{"program": "drop", "target": "pod", "priority": 10, "proceedOn": ["pass"]}]')" >"$dir/a$n.json"
		cni ADD "b$n" "pn-b-$n" >"$dir/b$n.json"
		[ "$(slots_of "a$n")" = "drop@pod pass@pod" ]
		[ "$(slots_of "b$n")" = "pass@pod" ]
		ip_a=$(result_ip "$dir/a$n.json")
		ip_b=$(result_ip "$dir/b$n.json")
		! pings "$ip_a" || false
		pings "$ip_b"
		if [ "$v" != 0.3.1 ]; then
			cni CHECK "a$n" "pn-a-$n" --cap "$(annotation '[{"program": "drop", "target": "pod", "priority": 10, "proceedOn": ["pass"]}]')"
			cni CHECK "b$n" "pn-b-$n"
		fi
		# A retried ADD (plugnet's part: bridge's is not idempotent) plugs nothing twice.
		CNI_COMMAND=ADD CNI_CONTAINERID="a$n" CNI_NETNS="/run/netns/pn-a-$n" CNI_IFNAME=eth0 \
			"$build/plugnet" <"$dir/trace-a$n/plugnet.ADD.in" >/dev/null
		[ "$(slots_of "a$n")" = "drop@pod pass@pod" ]
		cni DEL "a$n" "pn-a-$n"
		pings "$ip_b"
		[ -z "$(slots_of "a$n")" ]
		[ "$(slots_of "b$n")" = "pass@pod" ]
		cni DEL "b$n" "pn-b-$n"
	done
	[ "$(pins_left)" -eq 1 ] # the uplink's, attached at start
}

@test "CHECK fails with code 106 after the admin released a requested slot, naming the reason" {
	local slot
	list=$dir/bridge.conflist
	conflist "$list" 1.0.0 bridge
	start
	mkns pn-a-1
	cni ADD a1 pn-a-1 --cap "$(annotation '[{"program": "drop"}, {"program": "pass", "target": "host"}]')" >/dev/null
	cni CHECK a1 pn-a-1 --cap "$(annotation '[{"program": "drop"}, {"program": "pass", "target": "host"}]')"
	slot=$(admin GET /v1/slots | head -1 | /usr/bin/python3 -c 'import json,sys; print([s["id"] for s in json.load(sys.stdin) if s["program"] == "drop"][0])')
	run admin POST "/v1/slots/$slot/release" -d '{"reason": "drops the health checks"}'
	[ "${lines[-1]}" = 200 ]
	run --separate-stderr cni CHECK a1 pn-a-1 --cap "$(annotation '[{"program": "drop"}, {"program": "pass", "target": "host"}]')"
	echo "$output"
	[ "$status" -eq 1 ]
	[ "$(cni_code "$output")" = 106 ]
	[[ $output == *"program 'drop' on pod"*"released by the admin: drops the health checks"* ]]
	# A program the pod asks for now but never got.
	run --separate-stderr cni CHECK a1 pn-a-1 --cap "$(annotation '[{"program": "pass", "target": "host"}, {"program": "pass", "target": "uplink:pn-up0", "priority": 150}]')"
	[ "$(cni_code "$output")" = 106 ]
	[[ $output == *"program 'pass' on uplink:pn-up0"*"not plugged"* ]]
	cni DEL a1 pn-a-1
	[ "$(pins_left)" -eq 1 ] # the uplink's, attached at start
}

@test "an ADD that fails at a plug leaves nothing: unknown program 101, quota 102, verifier 103" {
	local case code text
	list=$dir/bridge.conflist
	conflist "$list" 1.0.0 bridge
	start
	mkns pn-a-1
	for case in \
		'101|program '\''nosuch'\''|[{"program": "pass"}, {"program": "nosuch"}]' \
		'102|already holds 1 of its 1 slots on uplink|[{"program": "pass", "target": "uplink:pn-up0", "priority": 120}, {"program": "drop", "target": "uplink:pn-up0", "priority": 130}]' \
		'103|program '\''refused'\''|[{"program": "pass", "target": "host"}, {"program": "refused"}]'; do
		IFS='|' read -r code text programs <<<"$case"
		run --separate-stderr cni ADD a1 pn-a-1 --cap "$(annotation "$programs")"
		echo "$output $stderr"
		[ "$status" -eq 1 ]
		[ "$(cni_code "$output")" = "$code" ]
		[[ $output == *"$text"* ]]
		run container a1
		[ "${lines[-1]}" = 404 ]
		run admin GET /v1/slots
		[ "${lines[0]}" = '[]' ]
		[ "$(pins_left)" -eq 1 ] # the uplink's dispatcher, attached at start
		# The runtime's DEL after a failed ADD (the main plugin's address goes too).
		cni DEL a1 pn-a-1
	done
}

@test "20 pods ADD at once with a program each, then DEL at once: state, kernel and API agree" {
	local i n
	list=$dir/bridge.conflist
	conflist "$list" 1.0.0 bridge ', "programs": [{"program": "pass"}]'
	start
	for i in $(seq 20); do mkns "pn-p-$i"; done
	cni_at_once ADD 20 pn-p-
	for i in $(seq 20); do
		[ "$(slots_of "p$i")" = "pass@pod" ]
	done
	n=$(/usr/bin/python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["registry"]["slots"]))' "$dir/state/state.json")
	[ "$n" -eq 20 ]
	# Each pod's dispatcher runs its one slot in the kernel (CHECK reads it back).
	for i in $(seq 20); do
		cni CHECK "p$i" "pn-p-$i"
	done
	cni_at_once DEL 20 pn-p-
	run admin GET /v1/containers
	[ "${lines[0]}" = '[]' ]
	run admin GET /v1/slots
	[ "${lines[0]}" = '[]' ]
	[ "$(pins_left)" -eq 1 ] # the uplink's
}
