#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# plugnetd as a process: configuration, its two sockets, /v1/health, limits,
# the pin-root lock and a clean stop. Nothing here plugs a slot.

load ../lib/plugnetd

setup() {
	cd "$BATS_TEST_DIRNAME/../.."
	build=${PLUGNET_BUILD:-$PWD/build}
	dir=$(mktemp -d /tmp/plugnetd-test.XXXXXX)
	pin_root=/sys/fs/bpf/plugnet-test-agent-$$
	cat >"$dir/plugnetd.json" <<-EOF
		{
		  "workload_socket": "$dir/run/plugnet.sock",
		  "admin_socket": "$dir/run/admin.sock",
		  "pin_root": "$pin_root",
		  "state_dir": "$dir/state",
		  "catalog_dir": "$dir/programs",
		  "cni_binary": "$(readlink -f "$(command -v curl)")",
		  "limits": {"max_body_bytes": 4096, "request_timeout_s": 5, "sweep_interval_ms": 200}
		}
	EOF
	mkdir -p "$dir/programs"
	cp "$build/tests/progs/verdicts.bpf.o" "$dir/programs/pass.bpf.o"
	printf '{"program": "xdp_pass", "priority": 10, "proceed_on": "pass"}' >"$dir/programs/pass.json"
	pid=
}

teardown() {
	kill_agent
	rm -rf "$dir" "$pin_root"
	ip netns del "pn-agent-$$" 2>/dev/null || true
	ip netns del "pn-agent2-$$" 2>/dev/null || true
	ip link del "pnud$$" 2>/dev/null || true
}

# A pod's network namespace with its eth0 (a veth whose peer stays inside too).
mkpod() { # netns name
	ip netns add "$1"
	ip -n "$1" link add eth0 type veth peer name peer0
	ip -n "$1" link set eth0 up
	ip -n "$1" link set peer0 up
}

# The body the runtime sends to register a pod's container.
registration() { # container_id pod_name netns_path
	printf '{"container_id": "%s", "pod_namespace": "default", "pod_name": "%s", "pod_uid": "u-%s", "netns": "%s"}' \
		"$1" "$2" "$2" "$3"
}

@test "health answers 200 with JSON on both sockets" {
	start
	run call "$dir/run/plugnet.sock" GET /v1/health
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = 200 ]
	[[ ${lines[0]} == *'"status":"serving"'* ]]
	[[ ${lines[0]} == *'"slots_per_interface":63'* ]]
	[[ ${lines[0]} == *'"xdp_link":true'* ]]
	run call "$dir/run/admin.sock" GET /v1/health
	[ "${lines[-1]}" = 200 ]
}

@test "the admin socket is 0600 and the workload socket 0666" {
	start
	[ "$(stat -c %a "$dir/run/admin.sock")" = 600 ]
	[ "$(stat -c %a "$dir/run/plugnet.sock")" = 666 ]
}

@test "unknown paths and methods get JSON errors" {
	start
	run call "$dir/run/plugnet.sock" GET /v1/nope
	[ "${lines[-1]}" = 404 ]
	[[ ${lines[0]} == *'"error":"not-found"'* ]]
	[[ ${lines[0]} == *'GET /v1/nope: no such resource'* ]]
	run call "$dir/run/plugnet.sock" DELETE /v1/health
	[ "${lines[-1]}" = 405 ]
	[[ ${lines[0]} == *'"error":"method-not-allowed"'* ]]
}

@test "a body over the limit gets 413 and the daemon keeps serving" {
	start
	head -c $((10 << 20)) /dev/zero >"$dir/big"
	run call "$dir/run/plugnet.sock" POST /v1/health --data-binary "@$dir/big"
	[ "${lines[-1]}" = 413 ]
	[[ ${lines[0]} == *'over the limit of 4096 bytes'* ]]
	run call "$dir/run/plugnet.sock" GET /v1/health
	[ "${lines[-1]}" = 200 ]
}

@test "SIGTERM stops it cleanly: exit 0, sockets gone, pins kept" {
	start
	kill -TERM "$pid"
	rc=0
	wait "$pid" || rc=$?
	pid=
	[ "$rc" -eq 0 ] || { cat "$dir/log"; false; }
	[ ! -e "$dir/run/plugnet.sock" ]
	[ ! -e "$dir/run/admin.sock" ]
	[ -d "$pin_root" ]
	grep -q 'stopping; dispatchers and slots stay in place' "$dir/log"
}

@test "a second plugnetd on the same pin root is refused, naming the holder" {
	start
	run "$build/plugnetd" --config "$dir/plugnetd.json"
	[ "$status" -ne 0 ]
	[[ $output == *"pin root '$pin_root' is in use by another plugnet engine (pid $pid)"* ]]
	# The first one still serves.
	run call "$dir/run/plugnet.sock" GET /v1/health
	[ "${lines[-1]}" = 200 ]
}

@test "a bad configuration stops it with a message naming the key" {
	printf '{"workload_socket": "%s/s", "nope": 1}\n' "$dir" >"$dir/bad.json"
	run "$build/plugnetd" --config "$dir/bad.json"
	[ "$status" -ne 0 ]
	[[ $output == *"'nope'"* ]]
	run "$build/plugnetd" --config "$dir/missing.json"
	[ "$status" -ne 0 ]
	[[ $output == *"$dir/missing.json"* ]]
}

@test "a stale socket file is replaced, any other file is left alone" {
	mkdir -p "$dir/run"
	python3 -c "import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])" \
		"$dir/run/plugnet.sock"
	start
	run call "$dir/run/plugnet.sock" GET /v1/health
	[ "${lines[-1]}" = 200 ]
	kill -TERM "$pid"
	wait "$pid"
	pid=
	echo precious >"$dir/run/admin.sock"
	run "$build/plugnetd" --config "$dir/plugnetd.json"
	[ "$status" -ne 0 ]
	[[ $output == *"$dir/run/admin.sock: exists and is not a socket"* ]]
	[ "$(cat "$dir/run/admin.sock")" = precious ]
}

@test "the runtime registers a container; it survives a restart" {
	mkpod "pn-agent-$$"
	start
	body=$(registration c0ffee01 web-a "/run/netns/pn-agent-$$")
	run call "$dir/run/plugnet.sock" POST /v1/containers -d "$body"
	[ "${lines[-1]}" = 201 ] || { echo "$output"; false; }
	[[ ${lines[0]} == *'"pod_name":"web-a"'* ]]
	# A retried CNI ADD is not an error.
	run call "$dir/run/plugnet.sock" POST /v1/containers -d "$body"
	[ "${lines[-1]}" = 200 ]
	grep -q '"web-a"' "$dir/state/state.json"
	# The runtime's registration put plugnet's dispatcher on the pod's eth0.
	ip -n "pn-agent-$$" link show eth0 | grep -q 'prog/xdp'
	stop
	# Stopped: the dispatcher stays.
	ip -n "pn-agent-$$" link show eth0 | grep -q 'prog/xdp'
	start
	grep -q 'adopted revision 1' "$dir/log"
	run call "$dir/run/admin.sock" GET /v1/containers
	[ "${lines[-1]}" = 200 ]
	[[ ${lines[0]} == *'"container_id":"c0ffee01"'* ]]
	run call "$dir/run/plugnet.sock" DELETE /v1/containers/c0ffee01
	[ "${lines[-1]}" = 200 ]
	[[ ${lines[0]} == *'"slots_released":0'* ]]
	run call "$dir/run/plugnet.sock" DELETE /v1/containers/c0ffee01
	[ "${lines[-1]}" = 404 ]
	! grep -q '"web-a"' "$dir/state/state.json" || false
	# Unregistered: its dispatcher is gone.
	! ip -n "pn-agent-$$" link show eth0 | grep -q 'prog/xdp' || false
}

@test "registering a pod whose interface carries a foreign XDP program is refused" {
	mkpod "pn-agent-$$"
	ip -n "pn-agent-$$" link set dev eth0 xdpgeneric obj "$build/tests/progs/verdicts.bpf.o" sec xdp
	start
	run call "$dir/run/plugnet.sock" POST /v1/containers \
		-d "$(registration c0ffee01 web-a "/run/netns/pn-agent-$$")"
	[ "${lines[-1]}" = 409 ]
	[[ ${lines[0]} == *"is already attached; plugnet does not replace a program it does not own"* ]]
	run call "$dir/run/admin.sock" GET /v1/containers
	[ "${lines[0]}" = '[]' ]
}

@test "a container is recognised by its netns, sees only itself, and cannot register" {
	mkpod "pn-agent-$$"
	mkpod "pn-agent2-$$"
	start
	run call "$dir/run/plugnet.sock" POST /v1/containers \
		-d "$(registration c0ffee01 web-a "/run/netns/pn-agent-$$")"
	[ "${lines[-1]}" = 201 ]
	run call "$dir/run/plugnet.sock" POST /v1/containers \
		-d "$(registration c0ffee02 web-b "/run/netns/pn-agent2-$$")"
	[ "${lines[-1]}" = 201 ]
	run ip netns exec "pn-agent-$$" curl -sS --unix-socket "$dir/run/plugnet.sock" \
		-w '\n%{http_code}\n' http://plugnet/v1/containers
	[ "${lines[-1]}" = 200 ]
	[[ ${lines[0]} == *'"web-a"'* ]]
	[[ ${lines[0]} != *'"web-b"'* ]]
	# Whatever the body claims, the caller is the container its netns says.
	run ip netns exec "pn-agent-$$" curl -sS --unix-socket "$dir/run/plugnet.sock" \
		-w '\n%{http_code}\n' -d "$(registration c0ffee03 evil "/run/netns/pn-agent-$$")" \
		http://plugnet/v1/containers
	[ "${lines[-1]}" = 403 ]
	[[ ${lines[0]} == *'only the runtime (the CNI plugin) registers'*'the caller is container default/web-a'* ]]
	run call "$dir/run/plugnet.sock" DELETE /v1/containers/c0ffee02
	[ "${lines[-1]}" = 200 ]
	run ip netns exec "pn-agent2-$$" curl -sS --unix-socket "$dir/run/plugnet.sock" \
		-w '\n%{http_code}\n' http://plugnet/v1/containers
	[ "${lines[-1]}" = 403 ]
	[[ ${lines[0]} == *'is not a registered container'* ]]
}

@test "a host caller that is not the CNI binary is refused" {
	sed -i "s|\"cni_binary\": \"[^\"]*\"|\"cni_binary\": \"/opt/cni/bin/plugnet\"|" "$dir/plugnetd.json"
	start
	run call "$dir/run/plugnet.sock" GET /v1/containers
	[ "${lines[-1]}" = 403 ]
	[[ ${lines[0]} == *'refused'*'/opt/cni/bin/plugnet'* ]]
	# The admin socket needs no such test: reaching it is the credential.
	run call "$dir/run/admin.sock" GET /v1/containers
	[ "${lines[-1]}" = 200 ]
}

@test "bad registrations get 4xx naming the problem, and change nothing" {
	mkpod "pn-agent-$$"
	start
	run call "$dir/run/plugnet.sock" POST /v1/containers -d '{"container_id": "x", "nope": 1}'
	[ "${lines[-1]}" = 400 ]
	[[ ${lines[0]} == *"unknown field 'nope'"* ]]
	run call "$dir/run/plugnet.sock" POST /v1/containers -d '{"container_id": '
	[ "${lines[-1]}" = 400 ]
	[[ ${lines[0]} == *'the body is not JSON'* ]]
	run call "$dir/run/plugnet.sock" POST /v1/containers -d '{"container_id": "x"}'
	[ "${lines[-1]}" = 400 ]
	[[ ${lines[0]} == *"field 'pod_namespace': required"* ]]
	run call "$dir/run/plugnet.sock" POST /v1/containers -d "$(registration x web /etc/hostname)"
	[ "${lines[-1]}" = 400 ]
	[[ ${lines[0]} == *"netns '/etc/hostname': not a namespace file"* ]]
	run call "$dir/run/plugnet.sock" POST /v1/containers \
		-d "$(registration c1 web-a "/run/netns/pn-agent-$$")"
	[ "${lines[-1]}" = 201 ]
	run call "$dir/run/plugnet.sock" POST /v1/containers -d "$(registration c1 web-a "/proc/$$/ns/net")"
	[ "${lines[-1]}" = 409 ] || { echo "$output"; false; }
	[[ ${lines[0]} == *'already registered on netns'* ]]
	run call "$dir/run/admin.sock" GET /v1/containers
	[[ ${lines[0]} == '[{"container_id":"c1"'*'}]' ]]
}

# The state each interface is in, "<id> <state>" sorted, as the admin sees them.
iface_states() {
	call "$dir/run/admin.sock" GET /v1/interfaces | head -n1 | jq -r '.[] | "\(.id) \(.state)"' | sort
}

@test "an admin's detach outlives a restart; an adopt undoes it, also across a restart" {
	up=pnud$$
	ip link add "$up" type veth peer name "${up}p"
	ip link set "$up" up
	ip link set "${up}p" up
	jq --arg u "$up" '. + {uplinks: [{ifname: $u, slot_quota: 1, priority: {min: 0, max: 99}}]}' \
		"$dir/plugnetd.json" >"$dir/with-uplink.json"
	mv "$dir/with-uplink.json" "$dir/plugnetd.json"
	mkpod "pn-agent-$$"
	start
	run call "$dir/run/plugnet.sock" POST /v1/containers -d "$(registration c0ffee02 web-d "/run/netns/pn-agent-$$")"
	[ "${lines[-1]}" = 201 ] || { echo "$output"; false; }
	up_id=$(stat -L -c %i /proc/self/ns/net)-$(cat "/sys/class/net/$up/ifindex")
	pod_id=$(stat -L -c %i "/run/netns/pn-agent-$$")-$(ip netns exec "pn-agent-$$" cat /sys/class/net/eth0/ifindex)
	[ "$(iface_states)" = "$(printf '%s serving\n' "$up_id" "$pod_id" | sort)" ] || { iface_states; false; }

	for id in "$up_id" "$pod_id"; do
		run call "$dir/run/admin.sock" POST "/v1/interfaces/$id/detach" -d '{"reason": "test: keep it off"}'
		[ "${lines[-1]}" = 200 ] || { echo "$output"; false; }
	done
	! ip link show "$up" | grep -q prog/xdp || false
	! ip -n "pn-agent-$$" link show eth0 | grep -q prog/xdp || false
	jq -e '.detached | length == 2' "$dir/state/state.json"

	# A restart does not attach them again behind the admin's back.
	stop
	start
	[ "$(iface_states)" = "$(printf '%s detached-by-admin\n' "$up_id" "$pod_id" | sort)" ] ||
		{ iface_states; cat "$dir/log"; false; }
	! ip link show "$up" | grep -q prog/xdp || false
	! ip -n "pn-agent-$$" link show eth0 | grep -q prog/xdp || false
	# Not a health problem: the admin wanted it so.
	run call "$dir/run/admin.sock" GET /v1/health
	[ "${lines[-1]}" = 200 ] || { echo "$output"; false; }

	for id in "$up_id" "$pod_id"; do
		run call "$dir/run/admin.sock" POST "/v1/interfaces/$id/adopt" -d '{"reason": "test: back on"}'
		[ "${lines[-1]}" = 200 ] || { echo "$output"; false; }
	done
	jq -e '.detached == []' "$dir/state/state.json"
	stop
	start
	[ "$(iface_states)" = "$(printf '%s serving\n' "$up_id" "$pod_id" | sort)" ] ||
		{ iface_states; cat "$dir/log"; false; }
	ip link show "$up" | grep -q prog/xdp
	ip -n "pn-agent-$$" link show eth0 | grep -q prog/xdp

	# A detached pod that is unregistered takes the record of its detach
	# with it; an uplink taken out of the configuration while detached is
	# forgotten at the next start.
	for id in "$up_id" "$pod_id"; do
		run call "$dir/run/admin.sock" POST "/v1/interfaces/$id/detach" -d '{"reason": "test: off again"}'
		[ "${lines[-1]}" = 200 ] || { echo "$output"; false; }
	done
	run call "$dir/run/plugnet.sock" DELETE /v1/containers/c0ffee02
	[ "${lines[-1]}" = 200 ] || { echo "$output"; false; }
	jq -e --arg u "$up" '.detached == [{"kind": "uplink", "ifname": $u, "netns_id": .detached[0].netns_id, "ifindex": .detached[0].ifindex}]' \
		"$dir/state/state.json" || { cat "$dir/state/state.json"; false; }
	stop
	jq 'del(.uplinks)' "$dir/plugnetd.json" >"$dir/no-uplink.json"
	cp "$dir/plugnetd.json" "$dir/with-uplink.json"
	cp "$dir/no-uplink.json" "$dir/plugnetd.json"
	start
	[ -z "$(iface_states)" ] || { iface_states; false; }
	grep -q "forgetting the admin's detach of uplink $up: no longer a configured uplink" "$dir/log"
	run call "$dir/run/admin.sock" POST "/v1/interfaces/$up_id/adopt" -d '{"reason": "test"}'
	[ "${lines[-1]}" = 404 ] || { echo "$output"; false; }
	! ip link show "$up" | grep -q prog/xdp || false
	stop
	cp "$dir/with-uplink.json" "$dir/plugnetd.json"

	# A malformed record of a detach stops plugnetd like any damaged state.
	start
	stop
	jq '.detached = [{"kind": "nic", "ifname": "x", "netns_id": 1, "ifindex": 1}]' \
		"$dir/state/state.json" >"$dir/bad.json"
	cp "$dir/bad.json" "$dir/state/state.json"
	run "$build/plugnetd" --config "$dir/plugnetd.json"
	[ "$status" -ne 0 ]
	[[ $output == *"state file $dir/state/state.json: key 'detached'[0]: expected 'kind' (pod, host or uplink)"* ]] || { echo "$output"; false; }
}

@test "the admin takes slots out and pods off only on the record: release, or unregister with a reason" {
	mkpod "pn-agent-$$"
	start
	run call "$dir/run/plugnet.sock" POST /v1/containers -d "$(registration c0ffee03 web-r "/run/netns/pn-agent-$$")"
	[ "${lines[-1]}" = 201 ] || { echo "$output"; false; }
	# An unaudited unplug is refused, pointing at the release.
	run call "$dir/run/admin.sock" DELETE /v1/slots/1-2-3
	[ "${lines[-1]}" = 403 ] || { echo "$output"; false; }
	[[ ${lines[0]} == *'"error":"use-release"'*'POST /v1/slots/<id>/release and a reason'* ]]
	# The maps of a slot: the admin's only; a bad id and a wrong method named.
	run call "$dir/run/plugnet.sock" GET /v1/slots/1-2-3/maps
	[ "${lines[-1]}" = 403 ] && [[ ${lines[0]} == *'"error":"admin-only"'* ]] || { echo "$output"; false; }
	run call "$dir/run/admin.sock" GET /v1/slots/nope/maps
	[ "${lines[-1]}" = 400 ] && [[ ${lines[0]} == *'"error":"bad-id"'* ]] || { echo "$output"; false; }
	run call "$dir/run/admin.sock" GET /v1/slots/1-2-3/maps
	[ "${lines[-1]}" = 404 ] || { echo "$output"; false; }
	run call "$dir/run/admin.sock" POST /v1/slots/1-2-3/maps
	[ "${lines[-1]}" = 405 ] && [[ ${lines[0]} == *'/v1/slots/<id>/maps takes GET'* ]] || { echo "$output"; false; }
	# Unregistering needs a reason from the admin, and is audited first.
	run call "$dir/run/admin.sock" DELETE /v1/containers/c0ffee03
	[ "${lines[-1]}" = 400 ] || { echo "$output"; false; }
	run call "$dir/run/admin.sock" GET /v1/containers/c0ffee03
	[ "${lines[-1]}" = 200 ]
	run call "$dir/run/admin.sock" DELETE /v1/containers/c0ffee03 -d '{"reason": "test: a stale pod"}'
	[ "${lines[-1]}" = 200 ] || { echo "$output"; false; }
	run call "$dir/run/admin.sock" GET /v1/audit
	jq -e 'any(.[]; .action == "unregister" and .target == "container c0ffee03" and .previous_owner == "default/web-r" and .reason == "test: a stale pod")' <<<"${lines[0]}" ||
		{ echo "$output"; false; }
	! ip -n "pn-agent-$$" link show eth0 | grep -q prog/xdp || false
}

@test "a damaged state file stops plugnetd before it touches anything" {
	mkdir -p "$dir/state"
	printf '{"version": 1, "registry": {"version": 1, "containers": [' >"$dir/state/state.json"
	run "$build/plugnetd" --config "$dir/plugnetd.json"
	[ "$status" -ne 0 ]
	[[ $output == *"$dir/state/state.json"* ]]
	[[ $output == *'an empty registry would forget every owner'* ]]
	[ ! -e "$dir/run/plugnet.sock" ]
	[ "$(cat "$dir/state/state.json")" = '{"version": 1, "registry": {"version": 1, "containers": [' ]
}

@test "the program catalog is listed by name, with its SHA-256; names cannot leave it" {
	start
	sha=$(sha256sum "$dir/programs/pass.bpf.o" | cut -d' ' -f1)
	run call "$dir/run/plugnet.sock" GET /v1/programs
	[ "${lines[-1]}" = 200 ]
	[ "${lines[0]}" = "[{\"name\":\"pass\",\"program\":\"xdp_pass\",\"sha256\":\"$sha\",\"priority\":10,\"proceed_on\":\"pass\"}]" ]
	run call "$dir/run/plugnet.sock" GET /v1/programs/pass
	[ "${lines[-1]}" = 200 ]
	run call "$dir/run/plugnet.sock" GET /v1/programs/nope
	[ "${lines[-1]}" = 404 ]
	[[ ${lines[0]} == *"no program 'nope' in the catalog $dir/programs"* ]]
	run call "$dir/run/plugnet.sock" GET /v1/programs/../../etc/passwd --path-as-is
	[ "${lines[-1]}" = 400 ]
	[[ ${lines[0]} == *"'../../etc/passwd' is not a catalog program name"* ]]
	run call "$dir/run/plugnet.sock" POST /v1/programs -d '{}'
	[ "${lines[-1]}" = 405 ]
	# Adding a program is adding its file: no restart.
	cp "$dir/programs/pass.bpf.o" "$dir/programs/pass2.bpf.o"
	run call "$dir/run/admin.sock" GET /v1/programs/pass2
	[ "${lines[-1]}" = 200 ]
	[[ ${lines[0]} == *'"program":"pass2"'* ]]
}

@test "a pod whose interface vanished without a CNI DEL is noticed: registration gone, audited" {
	mkpod "pn-agent-$$"
	start
	run call "$dir/run/plugnet.sock" POST /v1/containers \
		-d "$(registration c0ffee01 web-a "/run/netns/pn-agent-$$")"
	[ "${lines[-1]}" = 201 ]
	run call "$dir/run/plugnet.sock" GET /v1/health
	[ "${lines[-1]}" = 200 ]
	[[ ${lines[0]} == *'"problems":[]'* ]]
	ip -n "pn-agent-$$" link del eth0
	for _ in $(seq 100); do
		call "$dir/run/plugnet.sock" GET /v1/containers | grep -q c0ffee01 || break
		sleep 0.1
	done
	run call "$dir/run/plugnet.sock" GET /v1/containers
	[ "${lines[0]}" = '[]' ] || { echo "$output"; cat "$dir/log"; false; }
	run call "$dir/run/admin.sock" GET /v1/audit
	[[ ${lines[0]} == *'"action":"gone","target":"container c0ffee01","previous_owner":"default/web-a","reason":"interface eth0 disappeared"'* ]]
	[ -z "$(ls -A "$pin_root/$(stat -L -c %i "/run/netns/pn-agent-$$")" 2>/dev/null)" ]
	run call "$dir/run/plugnet.sock" GET /v1/health
	[ "${lines[-1]}" = 200 ]
	# The state file agrees: a restart does not bring it back.
	stop
	start
	run call "$dir/run/plugnet.sock" GET /v1/containers
	[ "${lines[0]}" = '[]' ]
}

@test "a root link a host tool detached is attached again; one another program took is displaced" {
	mkpod "pn-agent-$$"
	start
	run call "$dir/run/plugnet.sock" POST /v1/containers \
		-d "$(registration c0ffee02 web-b "/run/netns/pn-agent-$$")"
	[ "${lines[-1]}" = 201 ]
	link=$(bpftool link show pinned "$pin_root"/*/*/link | sed -n 's/^\([0-9]*\): xdp .*/\1/p')
	[ -n "$link" ]
	bpftool link detach id "$link"
	for _ in $(seq 100); do
		new=$(bpftool link show pinned "$pin_root"/*/*/link | sed -n 's/^\([0-9]*\): xdp .*/\1/p')
		[ "$new" != "$link" ] && ip -n "pn-agent-$$" link show eth0 | grep -q xdp && break
		sleep 0.05
	done
	[ "$new" != "$link" ] || { cat "$dir/log"; false; }
	run call "$dir/run/admin.sock" GET /v1/audit
	[[ ${lines[0]} == *'"action":"evicted-by-host"'*"eth0: root link $link was detached from outside plugnetd; dispatcher "*"attached again as link $new"* ]]
	run call "$dir/run/plugnet.sock" GET /v1/health
	[ "${lines[-1]}" = 200 ]

	# While plugnetd is down, a host tool detaches it and attaches its own program.
	stop
	bpftool link detach id "$new"
	ip -n "pn-agent-$$" link set dev eth0 xdpgeneric obj "$build/tests/progs/evict_other.bpf.o" sec xdp
	foreign=$(ip -n "pn-agent-$$" -j link show eth0 | sed -n 's/.*"prog":{"id":\([0-9]*\).*/\1/p')
	start
	run call "$dir/run/plugnet.sock" GET /v1/health
	[ "${lines[-1]}" = 503 ]
	[[ ${lines[0]} == *"default/web-b (pod target): eth0 is displaced: XDP program $foreign 'evict_other' runs there instead of plugnet's dispatcher"* ]] || { echo "$output"; false; }
	# plugnetd does not fight it: still there after a few sweeps.
	sleep 1
	ip -n "pn-agent-$$" -j link show eth0 | grep -q "\"id\":$foreign"
	id=$(stat -L -c %i "/run/netns/pn-agent-$$")-$(ip netns exec "pn-agent-$$" cat /sys/class/net/eth0/ifindex)
	run call "$dir/run/plugnet.sock" GET "/v1/interfaces/$id"
	[[ ${lines[0]} == *'"state":"displaced"'*"\"other_prog_id\":$foreign,\"other_prog_name\":\"evict_other\""* ]] || { echo "$output"; false; }
	# The admin takes it back.
	run call "$dir/run/admin.sock" POST "/v1/interfaces/$id/adopt" -d '{"reason": "ours"}'
	[ "${lines[-1]}" = 200 ] || { echo "$output"; cat "$dir/log"; false; }
	[[ ${lines[0]} == *"\"evicted_prog_id\":$foreign"* ]]
	run call "$dir/run/plugnet.sock" GET /v1/health
	[ "${lines[-1]}" = 200 ]
	ip -n "pn-agent-$$" -j link show eth0 | grep -vq "\"id\":$foreign"
}

@test "1000 connections at once and a slow client: it keeps serving, fds come back" {
	sed -i 's/"request_timeout_s": 5/"request_timeout_s": 2/' "$dir/plugnetd.json"
	start
	base=$(ls "/proc/$pid/fd" | wc -l)
	python3 - "$dir/run/plugnet.sock" <<-'PY'
		import socket, sys, time
		path = sys.argv[1]
		held = []
		for _ in range(1000):
		    s = socket.socket(socket.AF_UNIX)
		    try:
		        s.connect(path)
		    except OSError:
		        pass
		    held.append(s)
		# The slow client: half a request line, then nothing.
		slow = socket.socket(socket.AF_UNIX)
		slow.connect(path)
		slow.sendall(b"GET /v1/health HTTP/1.1\r\n")
		for s in held:
		    s.close()
		slow.settimeout(10)
		start = time.time()
		closed = slow.recv(1) == b""
		took = time.time() - start
		print(f"slow client closed by the server: {closed} after {took:.1f} s")
		sys.exit(0 if closed and took < 9 else 1)
	PY
	run call "$dir/run/plugnet.sock" GET /v1/health
	[ "${lines[-1]}" = 200 ]
	for _ in $(seq 50); do
		[ "$(ls "/proc/$pid/fd" | wc -l)" -le "$base" ] && break
		sleep 0.1
	done
	[ "$(ls "/proc/$pid/fd" | wc -l)" -le "$base" ]
}
