#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# plugnet under a real container runtime: Debian's podman with its CNI
# backend runs containers on a network whose list chains bridge +
# host-local + plugnet. Container A plugs drop-icmp from inside itself with
# plugnet-slot over the bind-mounted workload socket, and pings from the
# host stop; container B, on the same network, cannot unplug A's slot;
# `podman rm -f` runs the CNI DEL chain and leaves nothing of plugnet
# behind. Needs freplace, so it runs in the VM tier (whose guest has the
# host's podman, crun and busybox).

load ../lib/cni
bats_require_minimum_version 1.5.0

net=pn-podman
image=localhost/pn-busybox

# podman as the test runs it: its own containers.conf, and no inherited
# rlimits (the guest's are higher than crun accepts).
pm() {
	CONTAINERS_CONF=$dir/containers.conf podman "$@"
}

# A tmpfs on $1 unless it is one already; remembered for teardown.
tmpfs_on() { # dir
	mkdir -p "$1"
	[ "$(stat -f -c %T "$1")" = tmpfs ] && return 0
	mount -t tmpfs "pn-podman" "$1"
	mounted+=("$1")
}

setup() {
	cd "$BATS_TEST_DIRNAME/../.."
	build=${PLUGNET_BUILD:-$PWD/build}
	dir=$(mktemp -d /tmp/plugnet-podman.XXXXXX)
	pin_root=/sys/fs/bpf/plugnet-test-podman
	mounted=()
	pid=
	if ! command -v podman >/dev/null; then
		echo "podman is not installed: mk/deps.sh build (make deps) installs podman and crun" >&2
		return 1
	fi
	tmpfs_on /var/lib/containers
	tmpfs_on /dev/shm
	[ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ] ||
		{ echo "podman here needs cgroup v2 alone on /sys/fs/cgroup" >&2; return 1; }

	# plugnetd with plugnet as its runtime, and drop-icmp in its catalog.
	cni_setup
	cp "$build/bpf/examples/drop-icmp.bpf.o" "$build/bpf/examples/drop-icmp.json" "$dir/programs/"
	# Where podman finds the CNI plugins: Debian's, and the build's plugnet.
	ln -sf /usr/lib/cni/* "$dir/bin/"
	cat >"$dir/containers.conf" <<-CONF
		[containers]
		default_ulimits = []
		[network]
		network_backend = "cni"
		cni_plugin_dirs = ["$dir/bin"]
	CONF
	mkdir -p /etc/cni/net.d
	cat >"/etc/cni/net.d/$net.conflist" <<-JSON
		{
		  "cniVersion": "1.0.0",
		  "name": "$net",
		  "plugins": [
		    {
		      "type": "bridge", "bridge": "pnbr-$$", "isGateway": true, "ipMasq": false,
		      "ipam": {"type": "host-local", "subnet": "10.98.0.0/24", "dataDir": "$dir/ipam"}
		    },
		    {"type": "plugnet", "socket": "$dir/run/plugnet.sock"}
		  ]
		}
	JSON

	# The image: a bare busybox rootfs, nothing else.
	mkdir -p "$dir/rootfs/bin" "$dir/rootfs/run/plugnet"
	cp /bin/busybox "$dir/rootfs/bin/busybox"
	tar -C "$dir/rootfs" -cf "$dir/rootfs.tar" .
	pm import "$dir/rootfs.tar" "$image" >/dev/null
}

teardown() {
	local m
	pm rm -f -a >/dev/null 2>&1 || true
	pm rmi -f "$image" >/dev/null 2>&1 || true
	rm -f "/etc/cni/net.d/$net.conflist"
	rm -rf "/var/lib/cni/results/$net"-* "/var/lib/cni/networks/$net"
	cni_teardown
	for m in "${mounted[@]}"; do umount "$m" 2>/dev/null || true; done
}

# A container on the network, or in the netns of another with
# --network container:NAME; the workload socket (only it, not the admin
# socket beside it) and the client bind-mounted in.
run_in() { # podman run options... -- command...
	local opts=()
	while [ "$1" != -- ]; do opts+=("$1"); shift; done
	shift
	pm run --cap-add NET_RAW \
		-v "$dir/run/plugnet.sock:/run/plugnet/plugnet.sock" \
		-v "$build/plugnet-slot:/plugnet-slot:ro" \
		"${opts[@]}" "$image" "$@"
}

ip_of() { # container
	pm inspect "$1" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["NetworkSettings"]["Networks"][sys.argv[1]]["IPAddress"])' "$net"
}

pings() { # ip
	ping -c 2 -i 0.3 -W 2 "$1" >/dev/null 2>&1
}

# What plugnetd holds: every registered container's id, sorted.
registered() {
	admin GET /v1/containers | head -1 |
		/usr/bin/python3 -c 'import json,sys; print(" ".join(sorted(c["container_id"] for c in json.load(sys.stdin))))'
}

@test "a podman container plugs drop-icmp from inside itself; another cannot unplug it; rm -f leaves nothing" {
	local a ip_a slot_id out
	start
	pm run -d --name pn-a --network "$net" "$image" /bin/busybox sleep 600 >"$dir/a.id"
	a=$(cat "$dir/a.id")
	ip_a=$(ip_of pn-a)
	echo "A: $a at $ip_a"
	[ "$(registered)" = "$a" ]
	pings "$ip_a"
	[ -n "$(find /var/lib/cni/results -name "$net-$a-*")" ] # libcni's result cache

	# A's netns, so plugnetd sees container A calling.
	run_in --rm --network container:pn-a -- /plugnet-slot plug drop-icmp >"$dir/slot.json"
	cat "$dir/slot.json"
	slot_id=$(/usr/bin/python3 -c 'import json,sys; s = json.load(open(sys.argv[1])); assert s["program"] == "drop-icmp" and s["target"] == "pod" and s["container_id"] == sys.argv[2], s; print(s["id"])' "$dir/slot.json" "$a")
	! pings "$ip_a" || false
	run_in --rm --network container:pn-a -- /plugnet-slot list >"$dir/list.json"
	grep -q "\"$slot_id\"" "$dir/list.json"

	# B: its own netns on the same network, registered by the same chain.
	run -1 --separate-stderr run_in --rm --network "$net" -- /plugnet-slot unplug "$slot_id"
	echo "B: $stderr"
	[[ $stderr == "plugnet-slot: 403: DELETE /v1/slots/$slot_id: "*"is owned by "*"pn-a (container ${a:0:12})"* ]]
	! pings "$ip_a" || false
	[ "$(admin GET /v1/slots | head -1 | /usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" -eq 1 ]

	pm rm -f pn-a >/dev/null
	# B's --rm and A's rm -f ran CNI DEL: nothing registered, no pins.
	for _ in $(seq 100); do
		[ -z "$(registered)" ] && break
		sleep 0.2
	done
	[ "$(admin GET /v1/containers | head -1)" = "[]" ]
	# libcni's result cache holds nothing of the network either.
	[ -z "$(find /var/lib/cni/results -name "$net-*" 2>/dev/null)" ]
	[ "$(pins_left)" -eq 0 ]
	stop
}
