#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# plugctl against a real plugnetd: two registered pods and an uplink, every
# command in table and JSON form compared with golden files in
# tests/golden/plugctl/host (volatile numbers normalized), and the error
# cases: no socket, not root, no --reason, a "no" on a terminal, an unknown
# interface, --help. Nothing here plugs a slot (that needs freplace).
# PLUGCTL_GOLDEN_UPDATE=1 writes the golden files instead of comparing.

load ../lib/plugnetd
load ../lib/plugctl

setup() {
	cd "$BATS_TEST_DIRNAME/../.."
	build=${PLUGNET_BUILD:-$PWD/build}
	dir=$(mktemp -d /tmp/plugctl-test.XXXXXX)
	pin_root=/sys/fs/bpf/plugnet-test-plugctl-$$
	golden_dir=host
	pid=
	ip link add pnctl-up0 type veth peer name pnctl-up0p
	ip link set pnctl-up0 up
	write_config ', "uplinks": [{"ifname": "pnctl-up0", "slot_quota": 4}], "limits": {"sweep_interval_ms": 200}'
	mkpod ctla 51
	mkpod ctlb 52
	host_ns=$(stat -L -c %i /proc/self/ns/net)
}

teardown() {
	kill_agent
	ip netns del pn-pod-ctla 2>/dev/null || true
	ip netns del pn-pod-ctlb 2>/dev/null || true
	ip link del pnctl-up0 2>/dev/null || true
	rm -rf "$dir" "$pin_root"
}

# plugnetd with both pods registered.
start_pods() {
	start || return 1
	run register ctla
	[ "${lines[-1]}" = 201 ] || { echo "$output"; cat "$dir/log"; return 1; }
	run register ctlb
	[ "${lines[-1]}" = 201 ] || { echo "$output"; cat "$dir/log"; return 1; }
}

pod_netns() { # pod
	stat -L -c %i "/run/netns/pn-pod-$1"
}

@test "list, in table and JSON" {
	start_pods
	run plugctl list
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	golden list.txt
	run plugctl -j list
	[ "$status" -eq 0 ]
	golden list.json
	# -j after the command, and the socket from the environment.
	run env PLUGNET_ADMIN_SOCKET="$dir/run/admin.sock" "$build/plugctl" list -j
	[ "$status" -eq 0 ]
	golden list.json
}

@test "show by ifname (host netns, --pod, --netns) and by id, in table and JSON" {
	start_pods
	run plugctl show pnctl-up0
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	golden show_uplink.txt
	run plugctl show eth0 --pod default/web-ctla
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	golden show_pod.txt
	run plugctl show --netns /run/netns/pn-pod-ctla eth0
	[ "$status" -eq 0 ]
	golden show_pod.txt
	run plugctl show "$(pod_netns ctla)-2"
	[ "$status" -eq 0 ]
	golden show_pod.txt
	run plugctl -j show eth0 --pod default/web-ctla
	[ "$status" -eq 0 ]
	golden show_pod.json
	run plugctl show -p pnctl-up0
	[ "$status" -eq 0 ]
	golden show_uplink.pretty.json
}

@test "programs, in table and JSON" {
	start_pods
	run plugctl programs
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	golden programs.txt
	run plugctl programs -j
	[ "$status" -eq 0 ]
	golden programs.json
}

@test "status: serving exits 0, degraded (a displaced pod) exits 4; adopt takes it back" {
	start_pods
	run plugctl status
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	golden status.txt
	run plugctl -j status
	[ "$status" -eq 0 ]
	golden status.json

	# While plugnetd is down, a host tool puts its own program on pod b's eth0.
	stop
	bpftool link show pinned "$pin_root/$(pod_netns ctlb)/2/link" >"$dir/link"
	link=$(sed -n 's/^\([0-9]*\): xdp .*/\1/p' "$dir/link")
	bpftool link detach id "$link"
	ip -n pn-pod-ctlb link set dev eth0 xdpgeneric obj "$build/tests/progs/evict_other.bpf.o" sec xdp
	foreign=$(ip -n pn-pod-ctlb -j link show eth0 | sed -n 's/.*"prog":{"id":\([0-9]*\).*/\1/p')
	[ -n "$foreign" ]
	start
	run plugctl status
	[ "$status" -eq 4 ] || { echo "$output"; false; }
	[[ $output == *"XDP program $foreign 'evict_other' runs there"* ]]
	golden status_degraded.txt
	run plugctl status --json
	[ "$status" -eq 4 ]
	golden status_degraded.json
	run plugctl list
	golden list_displaced.txt

	run plugctl adopt eth0 --pod default/web-ctlb --reason "ours again"
	[ "$status" -eq 0 ] || { echo "$output"; cat "$dir/log"; false; }
	[ "$output" = "adopted interface $(pod_netns ctlb)-2: evicted prog $foreign; plugnet's dispatcher is attached" ]
	golden adopt.txt
	run plugctl status
	[ "$status" -eq 0 ]
}

@test "detach, adopt and release --owner, in table and JSON, and the audit log of them" {
	start_pods
	# Not on a terminal: no question asked.
	run plugctl detach eth0 --pod default/web-ctla --reason "maintenance"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	golden detach.txt
	run plugctl list
	golden list_detached.txt
	run plugctl show "$(pod_netns ctla)-2"
	golden show_detached.txt
	# Detached by the admin is no health problem.
	run plugctl status
	[ "$status" -eq 0 ]
	run plugctl -j adopt --netns /run/netns/pn-pod-ctla eth0 -r "maintenance done"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	golden adopt.json
	run plugctl -j detach pnctl-up0 -r "uplink maintenance"
	[ "$status" -eq 0 ]
	golden detach.json
	run plugctl adopt pnctl-up0 -r "uplink back"
	[ "$status" -eq 0 ]
	golden adopt_uplink.txt

	run plugctl release --owner default/web-ctlb --reason "misbehaving"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	golden release_owner.txt
	run plugctl -j release --owner default/web-ctlb --reason "misbehaving"
	[ "$status" -eq 0 ]
	golden release_owner.json

	run plugctl audit
	[ "$status" -eq 0 ]
	golden audit.txt
	run plugctl audit -j
	[ "$status" -eq 0 ]
	golden audit.json
	run plugctl audit --since 1h
	golden audit.txt
	run plugctl audit --since "$(date -u -d '-1 hour' +%Y-%m-%dT%H:%M:%SZ)"
	golden audit.txt
	run plugctl audit --since 2099-01-01T00:00:00Z
	[ "$status" -eq 0 ]
	[ "$output" = "no audit entries" ]
	run plugctl audit --since 2099-01-01T00:00:00Z -j
	[ "$output" = "[]" ]
	run plugctl audit --since yesterday
	[ "$status" -eq 2 ]
	[[ $output == *"--since 'yesterday': neither an RFC 3339 time"* ]]
}

@test "release IFACE SLOT names the slot; one that is not there is plugnetd's 404 (exit 1)" {
	start_pods
	id="$(pod_netns ctla)-2"
	run plugctl release eth0 7 --pod default/web-ctla --reason "gone wild" --yes
	[ "$status" -eq 1 ]
	[ "$output" = "plugctl: slot $id-7 of interface 'eth0': plugnetd refused (404): POST /v1/slots/$id-7/release: no slot $id-7" ] || { echo "$output"; false; }
	# The full slot id does the same; as JSON, plugnetd's error object.
	run plugctl -j release eth0 "$id-7" --pod default/web-ctla --reason "gone wild"
	[ "$status" -eq 1 ]
	[ "$output" = "{\"error\":\"not-found\",\"message\":\"POST /v1/slots/$id-7/release: no slot $id-7\",\"details\":null}" ]
	# A slot id of another interface is refused before plugnetd is asked.
	run plugctl release pnctl-up0 "$id-7" --reason x
	[ "$status" -eq 1 ]
	[[ $output == *"interface 'pnctl-up0': slot '$id-7': neither an attach id nor a slot id of interface $host_ns-"* ]]
}

@test "no socket: exit 3, saying plugnetd may not run" {
	run "$build/plugctl" --socket "$dir/nope.sock" list
	[ "$status" -eq 3 ]
	[ "$output" = "plugctl: interfaces: the admin socket '$dir/nope.sock' does not exist: plugnetd may not be running (another socket: --socket or PLUGNET_ADMIN_SOCKET)" ]
	run env PLUGNET_ADMIN_SOCKET="$dir/nope.sock" "$build/plugctl" -j status
	[ "$status" -eq 3 ]
	[[ $output == '{"error":"unreachable","message":"health: the admin socket '"'$dir/nope.sock'"' does not exist'* ]]
	# A socket file nobody listens on.
	python3 -c "import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])" "$dir/dead.sock"
	run "$build/plugctl" --socket "$dir/dead.sock" programs
	[ "$status" -eq 3 ]
	[[ $output == *"nobody listens on the admin socket '$dir/dead.sock': plugnetd may not be running"* ]]
}

@test "not root: exit 3, saying plugctl must run as root" {
	start_pods
	run setpriv --reuid=65534 --regid=65534 --clear-groups "$build/plugctl" --socket "$dir/run/admin.sock" list
	[ "$status" -eq 3 ]
	[ "$output" = "plugctl: interfaces: permission denied on the admin socket '$dir/run/admin.sock': plugctl must run as root (it runs as uid 65534)" ] || { echo "$output"; false; }
}

@test "release, detach and adopt without --reason: exit 2, naming the flag; nothing done" {
	start_pods
	for cmd in "release eth0 1 --pod default/web-ctla" "release --owner default/web-ctla" \
		"detach pnctl-up0" "adopt pnctl-up0" "detach pnctl-up0 --reason="; do
		# shellcheck disable=SC2086 # the words of the command
		run plugctl $cmd --yes
		[ "$status" -eq 2 ] || { echo "$cmd: $output"; false; }
		[[ $output == *"--reason TEXT is required"* ]] || { echo "$cmd: $output"; false; }
	done
	run plugctl -j detach pnctl-up0
	[ "$status" -eq 2 ]
	[[ $output == '{"error":"usage","message":"detach: --reason TEXT is required'* ]]
	run plugctl audit -j
	[ "$output" = "[]" ]
}

@test "on a terminal, a 'no' aborts (exit 5) and changes nothing; 'y' or --yes go ahead" {
	start_pods
	tty_plugctl() { # answer, plugctl args...
		local answer=$1
		shift
		printf '%s\n' "$answer" | script -qec "$(printf '%q ' "$build/plugctl" --socket "$dir/run/admin.sock" "$@")" /dev/null
	}
	run tty_plugctl n detach pnctl-up0 --reason "maintenance"
	[ "$status" -eq 5 ] || { echo "$output"; false; }
	[[ $output == *"Detach plugnet's dispatcher from interface 'pnctl-up0' ($host_ns-"*"), releasing all its slots? [y/N]"* ]]
	[[ $output == *"plugctl: aborted: nothing was changed"* ]]
	run tty_plugctl "" release --owner default/web-ctla --reason "x"
	[ "$status" -eq 5 ]
	[[ $output == *"Release every slot of pod default/web-ctla (container cid-ctla)? [y/N]"* ]]
	run plugctl audit -j
	[ "$output" = "[]" ]
	run plugctl -j show pnctl-up0
	[[ $output == *'"state":"serving"'* ]]

	run tty_plugctl y detach pnctl-up0 --reason "maintenance"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ $output == *"detached interface $host_ns-"* ]]
	run tty_plugctl "" adopt pnctl-up0 --reason "back" --yes
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ $output != *"[y/N]"* ]]
	[[ $output == *"adopted interface $host_ns-"* ]]
}

@test "an unknown interface or pod: exit 1, naming what was searched" {
	start_pods
	run plugctl show eth0
	[ "$status" -eq 1 ]
	[ "$output" = "plugctl: interface 'eth0': plugnet manages no interface of that id, nor of that name in the host netns (netns $host_ns)" ]
	run plugctl show eth1 --pod default/web-ctla
	[ "$status" -eq 1 ]
	[ "$output" = "plugctl: interface 'eth1': plugnet manages no interface of that id, nor of that name in the netns of pod default/web-ctla (netns $(pod_netns ctla))" ]
	run plugctl show eth0 --netns /run/netns/pn-pod-ctlb -j
	[ "$status" -eq 0 ]
	run plugctl show eth0 --netns "$dir/plugnetd.json"
	[ "$status" -eq 1 ]
	[ "$output" = "plugctl: netns '$dir/plugnetd.json': not a network namespace file" ]
	run plugctl show eth0 --pod default/nobody
	[ "$status" -eq 1 ]
	[ "$output" = "plugctl: pod 'default/nobody': plugnetd has no container registered for it" ]
	run plugctl release --owner nobody --reason x
	[ "$status" -eq 1 ]
	[[ $output == *"pod 'nobody': not of the form NAMESPACE/NAME"* ]]
	run plugctl -j detach 1-999 --reason x
	[ "$status" -eq 1 ]
	[[ $output == '{"error":"not-found","message":"interface '"'1-999'"': plugnet manages no interface'* ]]
}

@test "--help on every command; usage errors exit 2" {
	run "$build/plugctl" --help
	[ "$status" -eq 0 ]
	[[ $output == *"Exit codes: 0 done, 1 plugnetd refused"* ]]
	for cmd in list show release detach adopt audit programs status; do
		run "$build/plugctl" "$cmd" --help
		[ "$status" -eq 0 ] || { echo "$cmd: $output"; false; }
		[[ ${lines[0]} == "Usage: plugctl $cmd"* ]] || { echo "$cmd: $output"; false; }
		[[ $output == *"--socket PATH"* ]]
	done
	run "$build/plugctl" release --help
	[[ $output == *"--reason TEXT"*"--owner NS/NAME"* ]]
	# An unambiguous prefix is the command.
	run "$build/plugctl" prog --help
	[[ ${lines[0]} == "Usage: plugctl programs"* ]]
	run "$build/plugctl" frob
	[ "$status" -eq 2 ]
	[ "$output" = "plugctl: unknown command 'frob' (see plugctl --help)" ]
	run "$build/plugctl" -j s
	[ "$status" -eq 2 ]
	[ "$output" = '{"error":"usage","message":"ambiguous command '"'s'"' (see plugctl --help)","details":null}' ]
	run "$build/plugctl" show
	[ "$status" -eq 2 ]
	[[ $output == *"show: missing argument: plugctl show IFACE"* ]]
	run "$build/plugctl" list extra
	[ "$status" -eq 2 ]
	run "$build/plugctl" list --frob
	[ "$status" -eq 2 ]
	[[ $output == *"list: unknown option '--frob'"* ]]
	run "$build/plugctl" show eth0 --pod a/b --netns /x
	[ "$status" -eq 2 ]
	[[ $output == *"--netns and --pod exclude each other"* ]]
	run "$build/plugctl" release eth0 1 --owner a/b --reason x
	[ "$status" -eq 2 ]
	run "$build/plugctl" audit --since
	[ "$status" -eq 2 ]
	[[ $output == *"option '--since' needs an argument"* ]]
	run "$build/plugctl" --version
	[ "$status" -eq 0 ]
	[[ $output == "plugctl "* ]]
}
