#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# plugnetd's per-slot counters with real traffic: "slot_counters": true, a
# pod plugs pass and drop through the API, pings go through them, and the
# metrics endpoint and GET /v1/interfaces/<id> count every packet that
# reached XDP, per slot and verdict; the plug and unplug counters follow
# the requests made. Needs freplace, so it runs in the VM tier.

load ../lib/plugnetd

setup() {
	cd "$BATS_TEST_DIRNAME/../.."
	build=${PLUGNET_BUILD:-$PWD/build}
	dir=$(mktemp -d /tmp/plugnetd-metrics.XXXXXX)
	pin_root=/sys/fs/bpf/plugnet-test-metrics
	write_config ', "slot_counters": true'
	# A catalog entry the engine cannot plug: its object has no such program.
	cp "$build/tests/progs/verdicts.bpf.o" "$dir/programs/broken.bpf.o"
	printf '{"program": "xdp_no_such_program"}' >"$dir/programs/broken.json"
	pid=
	port=$(free_port)
	mkpod a 1
	quiet_link a 1
}

teardown() {
	kill_agent
	ip netns del pn-pod-a 2>/dev/null || true
	rm -rf "$dir" "$pin_root"
}

# Echo requests from the host to pod 1: n of them reach its eth0's XDP.
pings() { # n
	ping -c "$1" -i 0.2 -W 1 10.77.1.2 >/dev/null 2>&1
}

# The value of a per-slot series for the slot with attach id $2.
slot_metric() { # name attach_id [label=value...]
	local name=$1 attach=$2
	shift 2
	exposition "$dir/metrics" "$name" interface="$iface" ifname=eth0 target=pod \
		attach_id="$attach" container_id=cid-a "$@"
}

@test "slot counters: every ping counted per slot and verdict, in /metrics and /v1/interfaces" {
	start_metrics --metrics-addr "127.0.0.1:$port"
	run register a
	[ "${lines[-1]}" = 201 ] || { echo "$output"; cat "$dir/log"; false; }
	iface=$(stat -L -c %i /run/netns/pn-pod-a)-$(ip netns exec pn-pod-a cat /sys/class/net/eth0/ifindex)

	# pass runs first (same priority, plugged first) and proceeds; drop ends every packet.
	run as_pod a POST /v1/slots -d '{"program": "pass"}'
	[ "${lines[-1]}" = 201 ] || { echo "$output"; cat "$dir/log"; false; }
	pass=$(json_id "${lines[0]}")
	run as_pod a POST /v1/slots -d '{"program": "drop"}'
	[ "${lines[-1]}" = 201 ]
	drop=$(json_id "${lines[0]}")
	# A plug the engine refuses counts as a failure, not as a plug.
	run as_pod a POST /v1/slots -d '{"program": "broken"}'
	[ "${lines[-1]}" -ge 400 ]
	[[ ${lines[0]} == *"xdp_no_such_program"* ]]

	run pings 5
	[ "$status" -ne 0 ]
	scrape
	exposition "$dir/metrics"
	[ "$(exposition "$dir/metrics" plugnet_plugs_total)" = 2 ]
	[ "$(exposition "$dir/metrics" plugnet_plug_failures_total)" = 1 ]
	[ "$(exposition "$dir/metrics" plugnet_unplugs_total)" = 0 ]
	[ "$(exposition "$dir/metrics" plugnet_interface_slots interface="$iface")" = 2 ]
	[ "$(slot_metric plugnet_slot_packets_total "${pass##*-}" program=pass)" = 5 ] || {
		cat "$dir/metrics"
		false
	}
	[ "$(slot_metric plugnet_slot_verdicts_total "${pass##*-}" program=pass verdict=pass)" = 5 ]
	[ "$(slot_metric plugnet_slot_verdicts_total "${pass##*-}" program=pass verdict=drop)" = 0 ]
	[ "$(slot_metric plugnet_slot_packets_total "${drop##*-}" program=drop)" = 5 ]
	[ "$(slot_metric plugnet_slot_verdicts_total "${drop##*-}" program=drop verdict=drop)" = 5 ]
	for v in aborted pass tx redirect other; do
		[ "$(slot_metric plugnet_slot_verdicts_total "${drop##*-}" program=drop verdict=$v)" = 0 ]
	done

	# The same counts in the interface's slot table.
	run runtime GET "/v1/interfaces/$iface"
	[ "${lines[-1]}" = 200 ]
	[[ ${lines[0]} == *"\"attach_id\":${pass##*-},"*'"program":"pass","container_id":"cid-a","packets":5,"verdicts":{"aborted":0,"drop":0,"pass":5,"tx":0,"redirect":0,"other":0}'* ]] || {
		echo "$output"
		false
	}
	[[ ${lines[0]} == *"\"attach_id\":${drop##*-},"*'"program":"drop","container_id":"cid-a","packets":5,"verdicts":{"aborted":0,"drop":5,"pass":0,"tx":0,"redirect":0,"other":0}'* ]]

	# drop unplugged: the pings are answered, and pass goes on counting.
	run as_pod a DELETE "/v1/slots/$drop"
	[ "${lines[-1]}" = 200 ]
	pings 3
	scrape
	[ "$(exposition "$dir/metrics" plugnet_unplugs_total)" = 1 ]
	[ "$(slot_metric plugnet_slot_packets_total "${pass##*-}" program=pass)" = 8 ]
	[ "$(slot_metric plugnet_slot_verdicts_total "${pass##*-}" program=pass verdict=pass)" = 8 ]
	[ "$(grep -c "attach_id=\"${drop##*-}\"" "$dir/metrics")" = 0 ]

	# The admin's release is one unplug; the owner acknowledging it unplugs nothing more.
	run admin POST "/v1/slots/$pass/release" -d '{"reason": "counting test"}'
	[ "${lines[-1]}" = 200 ] || { echo "$output"; false; }
	run as_pod a DELETE "/v1/slots/$pass"
	[ "${lines[-1]}" = 200 ]
	scrape
	exposition "$dir/metrics"
	[ "$(exposition "$dir/metrics" plugnet_unplugs_total)" = 2 ]
	[ "$(exposition "$dir/metrics" plugnet_unplug_failures_total)" = 0 ]
	[ "$(exposition "$dir/metrics" plugnet_plugs_total)" = 2 ]
	[ "$(exposition "$dir/metrics" plugnet_interface_slots interface="$iface")" = 0 ]
	[ "$(grep -c '^plugnet_slot_' "$dir/metrics")" = 0 ]
}

@test "with slot_counters off, slot rows carry no counts and /metrics no slot series" {
	write_config
	start_metrics --metrics-addr "127.0.0.1:$port"
	register a
	iface=$(stat -L -c %i /run/netns/pn-pod-a)-$(ip netns exec pn-pod-a cat /sys/class/net/eth0/ifindex)
	run as_pod a POST /v1/slots -d '{"program": "pass"}'
	[ "${lines[-1]}" = 201 ]
	pings 2
	run runtime GET "/v1/interfaces/$iface"
	[[ ${lines[0]} == *'"program":"pass","container_id":"cid-a"}'* ]] || { echo "$output"; false; }
	[[ ${lines[0]} != *'"packets"'* ]] || { echo "$output"; false; }
	scrape
	exposition "$dir/metrics"
	[ "$(exposition "$dir/metrics" plugnet_plugs_total)" = 1 ]
	[ "$(exposition "$dir/metrics" plugnet_interface_slots interface="$iface")" = 1 ]
	[ "$(grep -c '^plugnet_slot_' "$dir/metrics")" = 0 ]
}

@test "label values are escaped: a container id with a quote, a backslash and a newline" {
	start_metrics --metrics-addr "127.0.0.1:$port"
	# Container ids are the runtime's to choose: plugnetd takes any bytes (JSON-escaped here).
	run runtime POST /v1/containers -d '{"container_id": "we\"ird\\id\nx", "pod_namespace": "default", "pod_name": "web-a", "netns": "/run/netns/pn-pod-a"}'
	[ "${lines[-1]}" = 201 ] || { echo "$output"; cat "$dir/log"; false; }
	run as_pod a POST /v1/slots -d '{"program": "pass"}'
	[ "${lines[-1]}" = 201 ] || { echo "$output"; cat "$dir/log"; false; }
	pings 2
	scrape
	grep -qF 'container_id="we\"ird\\id\nx"' "$dir/metrics" || { cat "$dir/metrics"; false; }
	# The checker unescapes the value: it must come back as the id's own bytes.
	[ "$(exposition "$dir/metrics" plugnet_slot_packets_total program=pass container_id=$'we"ird\\id\nx')" = 2 ]
}
