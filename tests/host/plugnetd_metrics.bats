#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# plugnetd's Prometheus endpoint (--metrics-addr, metrics_addr): the
# exposition read by a strict checker and by prometheus_client's parser
# (tests/lib/check_exposition.py), HTTP status codes, the refusals at
# start, and the counters that move without plugging a slot (healed root
# links, pods gone). The slot counters need freplace: tests/vm/plugnetd_metrics.bats.

load ../lib/plugnetd

setup() {
	cd "$BATS_TEST_DIRNAME/../.."
	build=${PLUGNET_BUILD:-$PWD/build}
	dir=$(mktemp -d /tmp/plugnetd-metrics.XXXXXX)
	pin_root=/sys/fs/bpf/plugnet-test-metrics-$$
	ns=pn-metrics-$$
	write_config ', "limits": {"sweep_interval_ms": 200}'
	pid=
	port=$(free_port)
}

teardown() {
	kill_agent
	[ -z "${holder:-}" ] || kill "$holder" 2>/dev/null || true
	ip netns del "$ns" 2>/dev/null || true
	rm -rf "$dir" "$pin_root"
}

# A pod's netns with its eth0 (a veth whose peer stays inside too).
mknetns() {
	ip netns add "$ns"
	ip -n "$ns" link add eth0 type veth peer name peer0
	ip -n "$ns" link set eth0 up
	ip -n "$ns" link set peer0 up
}

register_ns() { # container_id
	runtime POST /v1/containers -d "{\"container_id\": \"$1\", \"pod_namespace\": \"default\", \"pod_name\": \"web\", \"netns\": \"/run/netns/$ns\"}"
}

# The pod interface's id as the metrics and /v1/interfaces name it.
iface_id() {
	echo "$(stat -L -c %i "/run/netns/$ns")-$(ip netns exec "$ns" cat /sys/class/net/eth0/ifindex)"
}

@test "GET /metrics: 200, format 0.0.4, every counter with HELP and TYPE, a registered pod up" {
	mknetns
	start_metrics --metrics-addr "127.0.0.1:$port"
	run register_ns cid-m1
	[ "${lines[-1]}" = 201 ] || { echo "$output"; cat "$dir/log"; false; }
	scrape
	[ "$(status_of "$dir/headers")" = 200 ]
	grep -qix 'content-type: text/plain; version=0.0.4; charset=utf-8' "$dir/headers"
	# check_exposition exits 1 naming the line on any breach of the format.
	exposition "$dir/metrics"
	for c in plugs plug_failures unplugs unplug_failures root_links_healed pods_gone; do
		grep -q "^# HELP plugnet_${c}_total [A-Z]" "$dir/metrics"
		grep -qx "# TYPE plugnet_${c}_total counter" "$dir/metrics"
		[ "$(exposition "$dir/metrics" "plugnet_${c}_total")" = 0 ]
	done
	for g in interface_up interface_revision interface_slots; do
		grep -qx "# TYPE plugnet_$g gauge" "$dir/metrics"
	done
	id=$(iface_id)
	[ "$(exposition "$dir/metrics" plugnet_interface_up interface="$id" ifname=eth0 target=pod)" = 1 ]
	[ "$(exposition "$dir/metrics" plugnet_interface_revision interface="$id")" = 1 ]
	[ "$(exposition "$dir/metrics" plugnet_interface_slots interface="$id")" = 0 ]
	# Counting is off (slot_counters false): no per-slot series, not zeros.
	[ "$(grep -c '^plugnet_slot_' "$dir/metrics")" = 0 ]
}

@test "HEAD has the headers only; other paths are 404, other methods 405 with Allow" {
	write_config ", \"metrics_addr\": \"127.0.0.1:$port\""
	start_metrics
	run curl -sS -I "http://127.0.0.1:$port/metrics"
	[ "$status" -eq 0 ]
	[[ $output == *'HTTP/1.1 200'* ]]
	[[ $output == *'version=0.0.4'* ]]
	[ "$(curl -sS -X HEAD -o "$dir/body" -w '%{http_code}' "http://127.0.0.1:$port/metrics")" = 200 ]
	[ ! -s "$dir/body" ]

	run curl -sS -i "http://127.0.0.1:$port/"
	[[ ${lines[0]} == 'HTTP/1.1 404'* ]]
	[[ $output == *'/: no such resource; the metrics are at /metrics'* ]]
	run curl -sS -i "http://127.0.0.1:$port/metrics/x"
	[[ ${lines[0]} == 'HTTP/1.1 404'* ]]
	# Errors are not expositions: a scraper must not read them as metrics.
	[[ $output != *'version=0.0.4'* ]]

	for m in POST PUT DELETE; do
		run curl -sS -i -X "$m" -d 'x=1' "http://127.0.0.1:$port/metrics"
		[[ ${lines[0]} == 'HTTP/1.1 405'* ]] || { echo "$output"; false; }
		[[ $output == *"Allow: GET, HEAD"* ]]
		[[ $output == *"$m /metrics: only GET and HEAD"* ]]
	done
	# Still serving.
	scrape
	[ "$(status_of "$dir/headers")" = 200 ]
}

@test "a --metrics-addr that is not loopback is refused at start, naming the flag" {
	for addr in 10.1.2.3:9100 0.0.0.0:9100 '[::]:9100' localhost:9100 127.0.0.1:0 127.0.0.1; do
		run "$build/plugnetd" --config "$dir/plugnetd.json" --metrics-addr "$addr"
		[ "$status" -ne 0 ]
		[[ $output == *"--metrics-addr: '$addr': "* ]] || { echo "$addr: $output"; false; }
	done
	[[ $output == *"no :PORT"* ]]
	# Refused before anything: no socket, no pin.
	[ ! -e "$dir/run/plugnet.sock" ]
	[ ! -e "$pin_root" ]
	# The same in the configuration names its key.
	write_config ', "metrics_addr": "192.168.1.1:9100"'
	run "$build/plugnetd" --config "$dir/plugnetd.json"
	[ "$status" -ne 0 ]
	[[ $output == *"'metrics_addr'"*"loopback"* ]] || { echo "$output"; false; }
}

@test "a metrics port in use stops plugnetd with a message naming the address and the cause" {
	/usr/bin/python3 -c 'import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen()
time.sleep(60)' "$port" &
	holder=$!
	for _ in $(seq 100); do
		[ -n "$(ss -Hltn "sport = :$port")" ] && break
		sleep 0.05
	done
	run "$build/plugnetd" --config "$dir/plugnetd.json" --metrics-addr "127.0.0.1:$port"
	[ "$status" -ne 0 ]
	[[ $output == *"--metrics-addr: metrics address '127.0.0.1:$port': cannot bind: Address already in use"* ]] || { echo "$output"; false; }
	# It stopped as after SIGTERM: its sockets removed.
	[ ! -e "$dir/run/plugnet.sock" ]
	[ ! -e "$dir/run/admin.sock" ]
}

@test "plugnet_root_links_healed_total and plugnet_pods_gone_total count what the sweeper did" {
	mknetns
	start_metrics --metrics-addr "127.0.0.1:$port"
	run register_ns cid-m2
	[ "${lines[-1]}" = 201 ]
	id=$(iface_id)
	link=$(bpftool link show pinned "$pin_root"/*/*/link | sed -n 's/^\([0-9]*\): xdp .*/\1/p')
	[ -n "$link" ]
	bpftool link detach id "$link"
	for _ in $(seq 100); do
		scrape
		[ "$(exposition "$dir/metrics" plugnet_root_links_healed_total)" = 1 ] && break
		sleep 0.05
	done
	[ "$(exposition "$dir/metrics" plugnet_root_links_healed_total)" = 1 ] || { cat "$dir/metrics" "$dir/log"; false; }
	[ "$(exposition "$dir/metrics" plugnet_interface_up interface="$id")" = 1 ]
	[ "$(exposition "$dir/metrics" plugnet_pods_gone_total)" = 0 ]

	# The pod's interface vanishes without a CNI DEL.
	ip -n "$ns" link del eth0
	for _ in $(seq 100); do
		scrape
		[ "$(exposition "$dir/metrics" plugnet_pods_gone_total)" = 1 ] && break
		sleep 0.1
	done
	[ "$(exposition "$dir/metrics" plugnet_pods_gone_total)" = 1 ] || { cat "$dir/metrics" "$dir/log"; false; }
	# Its series went with it.
	[ "$(grep -c "interface=\"$id\"" "$dir/metrics")" = 0 ] || { cat "$dir/metrics"; false; }
	[ "$(exposition "$dir/metrics" plugnet_root_links_healed_total)" = 1 ]
}
