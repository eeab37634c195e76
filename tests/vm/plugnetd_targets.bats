#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# plugnetd's targets beyond a pod's own eth0 (the host side of its veth,
# a shared uplink with quotas), the interfaces resource, and the admin's
# overrides on owners and whole interfaces, with real traffic. Needs
# freplace, so it runs in the VM tier.

load ../lib/plugnetd

setup() {
	cd "$BATS_TEST_DIRNAME/../.."
	build=${PLUGNET_BUILD:-$PWD/build}
	dir=$(mktemp -d /tmp/plugnetd-targets.XXXXXX)
	pin_root=/sys/fs/bpf/plugnet-test-targets
	write_config ', "uplinks": [{"ifname": "pn-up0", "slot_quota": 2, "priority": {"min": 100, "max": 199}}], "limits": {"sweep_interval_ms": 200}'
	pid=
	mkpod a 1
	mkpod b 2
	mkuplink
}

teardown() {
	kill_agent
	for ns in pn-pod-a pn-pod-b pn-wire; do
		ip netns del "$ns" 2>/dev/null || true
	done
	ip link del pn-up0 2>/dev/null || true
	rm -rf "$dir" "$pin_root"
}

# Does the network reach the host through the uplink?
uplink_passes() {
	ip netns exec pn-wire ping -c 3 -i 0.3 -W 2 10.78.0.1 >/dev/null 2>&1
}

@test "pods share an uplink within their quota, and cannot touch each other's slots there" {
	start
	register a
	register b
	uplink_passes

	run as_pod a POST /v1/slots -d '{"program": "pass", "target": "uplink:pn-up0", "priority": 150}'
	[ "${lines[-1]}" = 201 ] || { echo "$output"; cat "$dir/log"; false; }
	a_pass=$(json_id "${lines[0]}")
	[[ ${lines[0]} == *'"target":"uplink:pn-up0"'* ]]
	run as_pod a POST /v1/slots -d '{"program": "drop", "target": "uplink:pn-up0", "priority": 160}'
	[ "${lines[-1]}" = 201 ]
	a_drop=$(json_id "${lines[0]}")
	! uplink_passes || false
	# A's quota is 2; priorities outside 100..199 are refused too.
	run as_pod a POST /v1/slots -d '{"program": "pass", "target": "uplink:pn-up0", "priority": 170}'
	[ "${lines[-1]}" = 403 ]
	[[ ${lines[0]} == *"default/web-a: already holds 2 of its 2 slots on uplink 'pn-up0'"* ]]
	run as_pod b POST /v1/slots -d '{"program": "pass", "target": "uplink:pn-up0", "priority": 99}'
	[ "${lines[-1]}" = 403 ]
	[[ ${lines[0]} == *"priority 99 on uplink 'pn-up0' is outside the allowed 100..199"* ]]

	# B, from its own netns: A's uplink slot is not B's to unplug, nor A's pod slot.
	run as_pod b DELETE "/v1/slots/$a_drop"
	[ "${lines[-1]}" = 403 ]
	[[ ${lines[0]} == *"is owned by default/web-a"* ]]
	run as_pod a POST /v1/slots -d '{"program": "drop"}'
	[ "${lines[-1]}" = 201 ]
	a_pod=$(json_id "${lines[0]}")
	run as_pod b DELETE "/v1/slots/$a_pod"
	[ "${lines[-1]}" = 403 ]
	[[ ${lines[0]} == *"is owned by default/web-a"* ]]
	# Nor may B plug into A's pod interface by naming A.
	run as_pod b POST /v1/slots -d '{"program": "pass", "container_id": "cid-a"}'
	[ "${lines[-1]}" = 403 ]
	! uplink_passes || false
	! reaches 1 || false

	# B's own slot on the uplink runs beside A's.
	run as_pod b POST /v1/slots -d '{"program": "pass", "target": "uplink:pn-up0", "priority": 100}'
	[ "${lines[-1]}" = 201 ]

	# A unplugs its own slots; the uplink passes again.
	run as_pod a DELETE "/v1/slots/$a_drop"
	[ "${lines[-1]}" = 200 ]
	uplink_passes
	run as_pod a DELETE "/v1/slots/$a_pass"
	[ "${lines[-1]}" = 200 ]
	run as_pod a DELETE "/v1/slots/$a_pod"
	[ "${lines[-1]}" = 200 ]
	reaches 1
}

@test "a pod's host target filters what its pod sends to the host" {
	start
	register a
	reaches 1
	run as_pod a POST /v1/slots -d '{"program": "drop", "target": "host"}'
	[ "${lines[-1]}" = 201 ] || { echo "$output"; cat "$dir/log"; false; }
	slot=$(json_id "${lines[0]}")
	[[ ${lines[0]} == *'"target":"host"'* ]]
	# The ping's replies come back through pnh-a, where the slot drops them.
	! reaches 1 || false
	host_ifindex=$(cat /sys/class/net/pnh-a/ifindex)
	[[ $slot == *"-$host_ifindex-"* ]]
	# B may not plug into A's host target.
	register b
	run as_pod b POST /v1/slots -d '{"program": "pass", "target": "host", "container_id": "cid-a"}'
	[ "${lines[-1]}" = 403 ]
	# CNI DEL takes the host side's dispatcher along.
	run runtime DELETE /v1/containers/cid-a
	[ "${lines[-1]}" = 200 ]
	[[ ${lines[0]} == *'"slots_released":1'* ]]
	! ip link show pnh-a | grep -q xdp || false
	reaches 1
}

@test "/v1/interfaces lists what plugnetd holds; a container sees its own and the uplinks" {
	start
	register a
	register b
	run as_pod a POST /v1/slots -d '{"program": "drop", "target": "uplink:pn-up0", "priority": 120}'
	[ "${lines[-1]}" = 201 ]
	run runtime GET /v1/interfaces
	[ "${lines[-1]}" = 200 ]
	[ "$(grep -o '"state":"serving"' <<<"${lines[0]}" | wc -l)" = 3 ]
	[[ ${lines[0]} == *'"ifname":"pn-up0"'*'"target":"uplink"'* ]] ||
		[[ ${lines[0]} == *'"target":"uplink"'* ]]
	up_id=$(sed -n 's/.*{"id":"\([0-9]*-[0-9]*\)","ifname":"pn-up0".*/\1/p' <<<"${lines[0]}")
	[ -n "$up_id" ]
	run as_pod b GET /v1/interfaces
	[[ ${lines[0]} == *'"container_id":"cid-b"'* ]]
	[[ ${lines[0]} != *'"container_id":"cid-a"'* ]]
	[[ ${lines[0]} == *'"ifname":"pn-up0"'* ]]
	# The uplink's slot table: the runtime sees A's slot; B sees it counted only.
	run runtime GET "/v1/interfaces/$up_id"
	[ "${lines[-1]}" = 200 ]
	[[ ${lines[0]} == *'"slots_in_use":1'*'"prog_name":"xdp_drop"'*'"program":"drop","container_id":"cid-a"'* ]]
	run as_pod b GET "/v1/interfaces/$up_id"
	[[ ${lines[0]} == *'"slots_in_use":1'*'"slots":[]'* ]]
	run runtime GET /v1/interfaces/1-2-3
	[ "${lines[-1]}" = 404 ]
}

@test "the admin releases all of an owner's slots, detaches and adopts a whole interface" {
	start
	register a
	run as_pod a POST /v1/slots -d '{"program": "drop"}'
	[ "${lines[-1]}" = 201 ]
	run as_pod a POST /v1/slots -d '{"program": "drop", "target": "uplink:pn-up0", "priority": 120}'
	[ "${lines[-1]}" = 201 ]
	! reaches 1 || false
	! uplink_passes || false

	# Not from the workload socket; never without a reason.
	run runtime POST /v1/containers/cid-a/release -d '{"reason": "x"}'
	[ "${lines[-1]}" = 403 ]
	run admin POST /v1/containers/cid-a/release -d '{"reason": ""}'
	[ "${lines[-1]}" = 400 ]
	run admin POST /v1/containers/cid-a/release -d '{"reason": "noisy neighbour"}'
	[ "${lines[-1]}" = 200 ] || { echo "$output"; cat "$dir/log"; false; }
	[[ ${lines[0]} == *'"slots_released":2'* ]]
	reaches 1
	uplink_passes
	run admin GET /v1/audit
	[ "$(grep -o '"action":"release"' <<<"${lines[0]}" | wc -l)" = 2 ]
	run as_pod a GET /v1/slots
	[ "$(grep -o '"released_reason":"noisy neighbour"' <<<"${lines[0]}" | wc -l)" = 2 ]

	# Detach the uplink's whole dispatcher: nothing of plugnet's stays on it.
	up=$(cat /sys/class/net/pn-up0/ifindex)
	netns=$(stat -L -c %i /proc/self/ns/net)
	run admin POST "/v1/interfaces/$netns-$up/detach" -d '{"reason": "driver update"}'
	[ "${lines[-1]}" = 200 ] || { echo "$output"; cat "$dir/log"; false; }
	! ip link show pn-up0 | grep -q xdp || false
	run runtime GET "/v1/interfaces/$netns-$up"
	[[ ${lines[0]} == *'"state":"detached-by-admin"'* ]]
	# Detached on purpose: not a health problem, and plugs there are refused.
	run runtime GET /v1/health
	[ "${lines[-1]}" = 200 ]
	run as_pod a POST /v1/slots -d '{"program": "drop", "target": "uplink:pn-up0", "priority": 120}'
	[ "${lines[-1]}" = 409 ]
	[[ ${lines[0]} == *"detached by the admin"* ]]

	# A foreign program takes the uplink; the admin adopts it back.
	ip link set dev pn-up0 xdpgeneric obj "$build/tests/progs/evict_other.bpf.o" sec xdp
	foreign=$(ip -j link show pn-up0 | grep -o '"prog":{"id":[0-9]*' | grep -o '[0-9]*$' | head -1)
	[ -n "$foreign" ]
	run admin POST "/v1/interfaces/$netns-$up/adopt" -d '{"reason": "take it back"}'
	[ "${lines[-1]}" = 200 ] || { echo "$output"; cat "$dir/log"; false; }
	[[ ${lines[0]} == *"\"evicted_prog_id\":$foreign"* ]] || { echo "$output"; false; }
	run runtime GET "/v1/interfaces/$netns-$up"
	[[ ${lines[0]} == *'"state":"serving"'* ]]
	run as_pod a POST /v1/slots -d '{"program": "drop", "target": "uplink:pn-up0", "priority": 121}'
	[ "${lines[-1]}" = 201 ] || { echo "$output"; false; }
	! uplink_passes || false
	run admin GET /v1/audit
	[[ ${lines[0]} == *'"action":"detach"'*'"reason":"driver update"'*'"action":"adopt"'*'"reason":"take it back"'* ]]
}

@test "a pod deleted without a CNI DEL loses its slots, audited as gone" {
	start
	register a
	register b
	run as_pod b POST /v1/slots -d '{"program": "drop", "target": "uplink:pn-up0", "priority": 120}'
	[ "${lines[-1]}" = 201 ]
	b_up=$(json_id "${lines[0]}")
	run as_pod b POST /v1/slots -d '{"program": "drop"}'
	[ "${lines[-1]}" = 201 ]
	! uplink_passes || false
	b_ns=$(stat -L -c %i /run/netns/pn-pod-b)
	[ -d "$pin_root/$b_ns" ]
	ip netns del pn-pod-b
	for _ in $(seq 50); do
		runtime GET /v1/containers | grep -q cid-b || break
		sleep 0.2
	done
	run runtime GET /v1/containers
	[[ ${lines[0]} != *cid-b* ]] || { cat "$dir/log"; false; }
	run runtime GET /v1/slots
	[ "${lines[0]}" = '[]' ]
	uplink_passes
	run admin GET /v1/audit
	[[ ${lines[0]} == *'"action":"gone"'*"\"target\":\"$b_up\""*'"previous_owner":"default/web-b (container cid-b)"'* ]]
	[[ ${lines[0]} == *'"action":"gone","target":"container cid-b"'* ]]
	# Nothing of B's is pinned any more.
	[ -z "$(ls -A "$pin_root/$b_ns" 2>/dev/null)" ]
	run runtime GET /v1/health
	[ "${lines[-1]}" = 200 ] || { echo "$output"; false; }
}

# The pod interface of pod $1 as the runtime sees it in /v1/interfaces.
pod_iface() { # pod
	runtime GET /v1/interfaces | head -1 | grep -o "{[^{]*\"container_id\":\"cid-$1\"[^}]*}" |
		grep '"target":"pod"'
}

field() { # json key: a number or a string value
	sed -n "s/.*\"$2\":\"\{0,1\}\([^,\"}]*\).*/\1/p" <<<"$1"
}

@test "a root link detached by a host tool is attached again, on the record" {
	start
	register a
	run as_pod a POST /v1/slots -d '{"program": "drop"}'
	[ "${lines[-1]}" = 201 ]
	! reaches 1 || false
	iface=$(pod_iface a)
	link=$(field "$iface" root_link_id)
	[ -n "$link" ]

	pin="$pin_root/$(field "$iface" id | tr - /)/link"
	[ "$(bpftool -j link show pinned "$pin" | grep -o '"id":[0-9]*' | head -1)" = "\"id\":$link" ]

	# Timed by the pin alone: bpftool is cheap, an API call under TCG is not.
	start_ns=$(date +%s%N)
	bpftool link detach id "$link"
	new=$link
	for _ in $(seq 500); do
		new=$(bpftool -j link show pinned "$pin" | grep -o '"id":[0-9]*' | head -1 | tr -dc 0-9)
		[ -n "$new" ] && [ "$new" != "$link" ] && break
		sleep 0.01
	done
	end_ns=$(date +%s%N)
	[ "$new" != "$link" ] || { cat "$dir/log"; false; }
	echo "# note: root link re-attached $(((end_ns - start_ns) / 1000000)) ms after bpftool link detach (sweep every 200 ms, TCG)" >&3
	[[ $(pod_iface a) == *'"state":"serving"'* ]]
	! reaches 1 || false
	run admin GET /v1/audit
	[[ ${lines[0]} == *'"action":"evicted-by-host"'*"root link $link was detached from outside plugnetd"* ]] || { echo "$output"; false; }
}

@test "an interface another program took is reported displaced until the admin adopts it" {
	start
	register a
	run as_pod a POST /v1/slots -d '{"program": "drop"}'
	[ "${lines[-1]}" = 201 ]
	iface=$(pod_iface a)
	link=$(field "$iface" root_link_id)
	id=$(field "$iface" id)
	# While plugnetd is down, a host tool detaches the root link and attaches its own program.
	stop
	bpftool link detach id "$link"
	ip -n pn-pod-a link set dev eth0 xdpgeneric obj "$build/tests/progs/evict_other.bpf.o" sec xdp
	reaches 1
	start
	for _ in $(seq 50); do
		runtime GET /v1/health | tail -1 | grep -q 503 && break
		sleep 0.1
	done
	run runtime GET /v1/health
	[ "${lines[-1]}" = 503 ] || { echo "$output"; cat "$dir/log"; false; }
	[[ ${lines[0]} == *"is displaced: XDP program"*"evict_other"* ]]
	[[ $(pod_iface a) == *'"state":"displaced"'* ]]
	# plugnetd does not fight it.
	sleep 0.5
	reaches 1
	run admin POST "/v1/interfaces/$id/adopt" -d '{"reason": "ours"}'
	[ "${lines[-1]}" = 200 ] || { echo "$output"; cat "$dir/log"; false; }
	[[ ${lines[0]} != *'"evicted_prog_id":0'* ]]
	run runtime GET /v1/health
	[ "${lines[-1]}" = 200 ] || { echo "$output"; false; }
	# The slots come back with the dispatcher.
	! reaches 1 || false
}
