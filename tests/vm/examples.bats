#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The example catalog programs (bpf/examples, docs/examples.md) plugged by
# a pod through plugnetd's API, each proven on real traffic: drop-icmp on
# the pod's eth0, src-counter on the same, syn-limit on an uplink. Needs
# freplace, so it runs in the VM tier.

load ../lib/plugnetd
load ../lib/plugctl

setup() {
	cd "$BATS_TEST_DIRNAME/../.."
	build=${PLUGNET_BUILD:-$PWD/build}
	dir=$(mktemp -d /tmp/plugnetd-examples.XXXXXX)
	pin_root=/sys/fs/bpf/plugnet-test-examples
	write_config ', "uplinks": [{"ifname": "pn-up0", "slot_quota": 2, "priority": {"min": 0, "max": 199}}]'
	# The catalog as the build leaves it: objects with their manifests.
	cp "$build"/bpf/examples/*.bpf.o "$build"/bpf/examples/*.json "$dir/programs/"
	pid=
	host_ns=$(stat -L -c %i /proc/self/ns/net)
	golden_dir=vm
	listeners=()
	mkpod a 1
	mkuplink
}

teardown() {
	local l
	for l in "${listeners[@]}"; do
		kill "$l" 2>/dev/null || true
		wait "$l" 2>/dev/null || true
	done
	kill_agent
	ip netns del pn-pod-a 2>/dev/null || true
	ip netns del pn-wire 2>/dev/null || true
	ip link del pn-up0 2>/dev/null || true
	rm -rf "$dir" "$pin_root"
}

traffic=$BATS_TEST_DIRNAME/../lib/examples_traffic.py

# Run a command in netns $1, or in the host's for "host".
in_ns() { # netns command...
	local ns=$1
	shift
	if [ "$ns" = host ]; then "$@"; else ip netns exec "$ns" "$@"; fi
}

# A listener in a netns on every address, until teardown; what it gets is
# appended to $dir/got-PROTO-PORT. Started as a simple command, so that $!
# is python itself for teardown to kill (ip netns exec execs it), and
# without bats' fd 3, which a process left holding it would keep the test
# from ending.
listen() { # netns tcp|udp port
	local ready=$dir/ready-$2-$3
	local cmd=(/usr/bin/python3 "$traffic" listen "$2" "$3" "$ready" "$dir/got-$2-$3")
	[ "$1" = host ] || cmd=(ip netns exec "$1" "${cmd[@]}")
	"${cmd[@]}" 3>&- >/dev/null 2>&1 &
	listeners+=($!)
	for _ in $(seq 100); do
		[ -e "$ready" ] && return 0
		sleep 0.05
	done
	echo "no $2 listener on port $3"
	return 1
}

# Does a TCP connection from netns $1 to addr:port complete?
tcp_connects() { # netns addr port
	in_ns "$1" timeout 5 bash -c "exec 3<>/dev/tcp/$2/$3"
}

# The id of the map named $2 among program $1's maps.
map_of() { # prog_id name
	local m
	for m in $(bpftool prog show id "$1" -j | jq '.map_ids[]'); do
		bpftool map show id "$m" -j
	done | jq --arg n "$2" 'select(.name == $n) | .id'
}

# Plug catalog program $2 as pod $1 with the JSON members $3; prints the
# id of the program the kernel runs in that slot.
plug() { # pod program [json members]
	local out slot iface
	out=$(as_pod "$1" POST /v1/slots -d "{\"program\": \"$2\"${3:+, $3}}")
	[ "$(tail -n1 <<<"$out")" = 201 ] || { echo "$out"; cat "$dir/log"; return 1; }
	# A slot's id is its interface's id and its attach id.
	slot=$(json_id "$(head -n1 <<<"$out")")
	iface=${slot%-*}
	runtime GET "/v1/interfaces/$iface" | head -n1 |
		jq --arg p "$2" '.slots[] | select(.program == $p) | .prog_id'
}

@test "drop-icmp: ping fails over IPv4 and IPv6, TCP and UDP still pass" {
	ip addr add fd77:1::1/64 dev pnh-a nodad
	ip -n pn-pod-a addr add fd77:1::2/64 dev eth0 nodad
	start
	run register a
	[ "${lines[-1]}" = 201 ]
	listen pn-pod-a tcp 8080
	listen pn-pod-a udp 8081
	reaches 1
	ping -6 -c 2 -i 0.3 -W 2 fd77:1::2 >/dev/null

	run as_pod a POST /v1/slots -d '{"program": "drop-icmp"}'
	[ "${lines[-1]}" = 201 ] || { echo "$output"; cat "$dir/log"; false; }
	# The manifest's priority, since the plug gave none.
	[[ ${lines[0]} == *'"priority":50'* ]]
	! reaches 1 || false
	! ping -6 -c 2 -i 0.3 -W 1 fd77:1::2 >/dev/null || false

	# Forget the neighbours, so that ARP and ICMPv6 neighbour discovery
	# (which is ICMPv6 too) must get through the program again.
	ip neigh flush dev pnh-a
	ip -n pn-pod-a neigh flush dev eth0
	tcp_connects host 10.77.1.2 8080
	tcp_connects host fd77:1::2 8080
	echo over-ipv4 >/dev/udp/10.77.1.2/8081
	echo over-ipv6 >/dev/udp/fd77:1::2/8081
	for _ in $(seq 50); do
		[ "$(wc -l <"$dir/got-udp-8081" 2>/dev/null)" = 2 ] && break
		sleep 0.1
	done
	[ "$(cat "$dir/got-udp-8081")" = $'over-ipv4\nover-ipv6' ]
	[ "$(wc -l <"$dir/got-tcp-8080")" = 2 ]
}

@test "src-counter: counts exactly the packets and bytes a source sent" {
	quiet_link a 1
	start
	register a
	prog=$(plug a src-counter)
	[ -n "$prog" ]
	map=$(map_of "$prog" src_counts)
	[ -n "$map" ] || { bpftool prog show id "$prog"; false; }

	ping -c 20 -i 0.05 -W 2 10.77.1.2 >/dev/null
	ifindex=$(ip -n pn-pod-a -j link show eth0 | jq '.[0].ifindex')
	# Key: the pod's eth0, and 10.77.1.1 (the host's side) in network order.
	row=$(bpftool map dump id "$map" -j | jq -c --argjson i "$ifindex" \
		'.[] | select(.formatted.key.ifindex == $i and .key[4:] == ["0x0a","0x4d","0x01","0x01"]) | .formatted.value')
	echo "row: $row"
	# 20 echo requests of 98 bytes (Ethernet 14, IPv4 20, ICMP 8, data 56).
	[ "$row" = '{"packets":20,"bytes":1960}' ]
	# The pod answered every one: counting passes.
	[ "$(bpftool map dump id "$map" -j | jq length)" = 1 ]

	# plugnetd reads the same map back for the admin, decoded by its BTF;
	# saddr is a __be32, shown as the number it stands for:
	# 10.77.1.1 = 10<<24 | 77<<16 | 1<<8 | 1.
	slot=$(runtime GET /v1/slots | head -n1 | jq -r '.[] | select(.program == "src-counter") | .id')
	run admin GET "/v1/slots/$slot/maps"
	[ "${lines[-1]}" = 200 ] || { echo "$output"; false; }
	got=$(jq -c '.maps[] | select(.name == "src_counts") |
		[.type, .key_type, .value_type, .entries_total, .truncated, .entries]' <<<"${lines[0]}")
	echo "got: $got"
	[ "$got" = '["lru_hash","struct src_key","struct src_count",1,false,[{"key":{"ifindex":'"$ifindex"',"saddr":172818689},"value":{"packets":20,"bytes":1960}}]]' ]
	[ "$(jq .prog_id <<<"${lines[0]}")" = "$prog" ]
	# Not for pods: the map is shared by every slot that plugs src-counter.
	run as_pod a GET "/v1/slots/$slot/maps"
	[ "${lines[-1]}" = 403 ]
	[[ ${lines[0]} == *'"error":"admin-only"'* ]]

	run plugctl maps eth0 "${slot##*-}" --pod default/web-a
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	echo "$output"
	[[ ${lines[0]} == "slot $slot: program src-counter (prog $prog) on pod, owner default/web-a" ]]
	[[ $output == *"src_counts: lru_hash, key struct src_key, value struct src_count, 1 of 16384 entries"* ]]
	printf '%s\n' "${lines[@]}" | grep -Eq '^IFINDEX +SADDR +PACKETS +BYTES$'
	printf '%s\n' "${lines[@]}" | grep -Eq "^$ifindex +172818689 +20 +1960\$"
}

@test "syn-limit on an uplink: a SYN flood is cut to the burst, connections below the rate work" {
	start
	register a
	listen host tcp 8090
	prog=$(plug a syn-limit '"target": "uplink:pn-up0"')
	[ -n "$prog" ]
	stats=$(map_of "$prog" syn_stats)
	[ -n "$stats" ]
	syns() { # passed|dropped: the SYNs counted, summed over the CPUs
		bpftool map dump id "$stats" -j |
			jq --arg f "$1" '[.[0].formatted.values[].value[$f]] | add'
	}

	tcp_connects pn-wire 10.78.0.1 8090
	[ "$(syns passed)" = 1 ]
	[ "$(syns dropped)" = 0 ]

	# 400 SYNs at once from one source: the bucket (200, less the one
	# above, refilled while python starts) passes, and what refills while
	# they are sent (100/s, the time measured: TCG is slow); the rest drop.
	start_ns=$(date +%s%N)
	ip netns exec pn-wire /usr/bin/python3 "$traffic" syns 10.78.0.2 10.78.0.1 8090 400
	ms=$((($(date +%s%N) - start_ns) / 1000000))
	passed=$(syns passed)
	dropped=$(syns dropped)
	echo "# note: 400 SYNs in ${ms} ms: $((passed - 1)) passed, $dropped dropped" >&3
	[ $((passed + dropped)) = 401 ]
	[ "$passed" -ge 200 ]
	[ "$dropped" -gt 0 ]
	[ "$passed" -le $((1 + 200 + ms / 10 + 2)) ]

	# Everything but SYNs passes, and the next second's connection works.
	ip netns exec pn-wire ping -c 3 -i 0.2 -W 2 10.78.0.1 >/dev/null
	sleep 1
	tcp_connects pn-wire 10.78.0.1 8090
	[ "$(syns passed)" = $((passed + 1)) ]

	# plugctl maps on the uplink: the configuration (.rodata), and the
	# per-CPU stats summed as bpftool's per-CPU values add up.
	uslot=$(runtime GET /v1/slots | head -n1 | jq -r '.[] | select(.program == "syn-limit") | .id')
	run plugctl -j maps pn-up0 "$uslot"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(jq -c '.maps[] | select(.name | endswith(".rodata")) | .entries' <<<"$output")" = '[{"key":0,"value":{"syn_rate":100,"syn_burst":200}}]' ]
	[ "$(jq '[.maps[] | select(.name == "syn_stats") | .entries[0].values[].value.dropped] | add' <<<"$output")" = "$dropped" ]
	run plugctl maps pn-up0 "${uslot##*-}"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	echo "$output"
	[[ $output == *"syn_stats: percpu_array, key __u32, value struct syn_stats, 1 of 1 entries, per-CPU values summed"* ]]
	printf '%s\n' "${lines[@]}" | grep -Eq "^0 +$((passed + 1)) +$dropped\$"
}
