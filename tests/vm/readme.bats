#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# README.md's commands, run as the README shows them, so that the README
# cannot drift from what plugnet does. tests/lib/readme_blocks.py takes
# each block from under its heading (and fails, naming the section, when a
# heading or block is gone). The `## plugctl` block: every line, verbatim
# and in order, against a real plugnetd holding the pod default/web-1 (its
# eth0 with src-counter as attach id 1 and drop-icmp, syn-limit on the
# uplink pn-up0), each line exiting 0 and doing what its comment or the
# README says. The `## The CNI plugin` network list and annotation: run
# through the real CNI chain (bridge + host-local, then plugnet) for two
# pods, the programs they name plugged, and nothing left after DEL. Needs
# freplace, so it runs in the VM tier.

load ../lib/cni

setup() {
	cd "$BATS_TEST_DIRNAME/../.."
	build=${PLUGNET_BUILD:-$PWD/build}
	dir=$(mktemp -d /tmp/plugnet-readme.XXXXXX)
	pin_root=/sys/fs/bpf/plugnet-test-readme
	pid=
	nets=()
	bridge=
}

teardown() {
	local ns
	kill_agent
	for ns in "${nets[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
	ip netns del pn-pod-1 2>/dev/null || true
	ip netns del pn-wire 2>/dev/null || true
	ip link del pn-up0 2>/dev/null || true
	if [ -n "$bridge" ]; then ip link del "$bridge" 2>/dev/null || true; fi
	rm -rf "$dir" "$pin_root"
}

# A block of README.md, by the heading it is under (tests/lib/readme_blocks.py).
readme_block() { # section lang
	/usr/bin/python3 tests/lib/readme_blocks.py "$@"
}

# The example catalog as the build leaves it: objects with their manifests.
example_catalog() {
	cp "$build"/bpf/examples/*.bpf.o "$build"/bpf/examples/*.json "$dir/programs/"
}

# Plug catalog program $1 as pod 1 (web-1), with the JSON members $2;
# prints the slot's id.
plug() { # program [json members]
	local out
	out=$(as_pod 1 POST /v1/slots -d "{\"program\": \"$1\"${2:+, $2}}")
	[ "$(tail -n1 <<<"$out")" = 201 ] || { echo "plug $1: $out"; cat "$dir/log"; return 1; }
	json_id "$(head -n1 <<<"$out")"
}

# What the admin sees, as JSON.
admin_json() { # path
	admin GET "$1" | head -n1
}

# web-1's slots still plugged (not released), one line each: "ATTACH PROGRAM
# TARGET".
live_slots() {
	admin_json /v1/slots | jq -r --arg c cid-1 \
		'.[] | select(.container_id == $c and .released_by == null) | "\(.attach_id) \(.program) \(.target)"'
}

pings() { # ip
	ping -c 3 -i 0.3 -W 2 "$1" >/dev/null 2>&1
}

# "program@target" of a container's slots, sorted.
slots_of() { # container
	admin_json /v1/slots | jq -r --arg c "$1" '[.[] | select(.container_id == $c) | "\(.program)@\(.target)"] | sort | join(" ")'
}

# A failed step: what went wrong, and plugnetd's log.
failed() { # message
	echo "$1"
	echo "--- plugnetd's log:"
	cat "$dir/log"
	return 1
}

# The failure of README line $n ($line): what it printed, and plugnetd's log.
line_failed() { # what went wrong
	echo "README '## plugctl' line $n: $line"
	echo "  $1"
	echo "  exit $status; output:"
	sed 's/^/    /' <<<"$output"
	echo "--- plugnetd's log:"
	cat "$dir/log"
	return 1
}

# What README line $line should have done, after it exited 0: checked by
# its subcommand, so that lines the block gains later are run too (and
# only their exit code checked until this knows them).
check_effect() {
	local words=() reason="" i new want slot iface
	# Its words as the shell reads them (python's shlex: nothing runs).
	mapfile -t words < <(/usr/bin/python3 -c 'import shlex, sys; print("\n".join(shlex.split(sys.argv[1])))' "$line")
	for ((i = 0; i < ${#words[@]} - 1; i++)); do
		[ "${words[i]}" = --reason ] && reason=${words[i + 1]}
	done
	# An override writes its reason to the audit log first: every entry it
	# added carries this line's reason.
	new=$(admin_json /v1/audit | jq --argjson n "$audit_len" '.[$n:]')
	audit_len=$(admin_json /v1/audit | jq length)
	if [ -n "$reason" ]; then
		[ "$(jq length <<<"$new")" -ge 1 ] || line_failed "no audit entry for it"
		jq -e --arg r "$reason" 'all(.reason == $r)' <<<"$new" >/dev/null ||
			line_failed "audit entries without its reason: $new"
		reasons+=("$reason")
	fi
	case ${words[1]} in
	list)
		# Interfaces, dispatcher, revision, slots.
		head -n1 <<<"$output" | grep -q 'IFNAME.*REV.*DISPATCHER.*SLOTS' ||
			line_failed "no interface, revision, dispatcher and slots columns"
		grep -Eq '^[0-9]+-[0-9]+ +pn-up0 +[0-9]+ +uplink ' <<<"$output" ||
			line_failed "no line for the uplink pn-up0"
		grep -Eq '^[0-9]+-[0-9]+ +eth0 +[0-9]+ +pod +default/web-1 ' <<<"$output" ||
			line_failed "no line for web-1's eth0"
		;;
	show)
		# The slot table, with owners and counters: a row for each of web-1's
		# slots on eth0, with the packets the pings brought it.
		while read -r slot; do
			read -r i want _ <<<"$slot"
			grep -Eq "^[0-9]+ +$i +.* $want +default/web-1 +[1-9][0-9]* +" <<<"$output" ||
				line_failed "no row for slot $i ($want) with owner default/web-1 and a packet count"
		done < <(live_slots | grep ' pod$')
		[ -n "$(live_slots | grep ' pod$')" ] || grep -q 'no slots in use' <<<"$output" ||
			line_failed "not 'no slots in use'"
		;;
	maps)
		# IFACE SLOT on web-1's eth0: slot 1 is src-counter, which has
		# counted the pings to web-1 by their source (the host's side).
		grep -Eq "^slot [0-9]+-[0-9]+-${words[3]##*-}: program src-counter " <<<"$output" ||
			line_failed "not the maps of src-counter's slot"
		grep -q 'src_counts: lru_hash, key struct src_key, value struct src_count' <<<"$output" ||
			line_failed "no src_counts map"
		grep -Eq '^[0-9]+ +[0-9]+ +[1-9][0-9]* +[1-9][0-9]*$' <<<"$output" ||
			line_failed "no source with packets and bytes counted"
		;;
	release)
		if [[ " ${words[*]} " == *" --owner "* ]]; then
			grep -Eq '^released [1-9][0-9]* slots? of default/web-1 ' <<<"$output" ||
				line_failed "it released nothing of default/web-1"
			[ -z "$(live_slots)" ] || line_failed "web-1 still has slots: $(live_slots)"
		else
			# IFACE SLOT (an attach id, or a slot id ending in one): that slot is
			# released, with the reason, for its owner to see.
			i=${words[3]##*-}
			grep -q "^released slot [0-9]*-[0-9]*-$i " <<<"$output" ||
				line_failed "not 'released slot ...-$i'"
			admin_json /v1/slots | jq -e --argjson a "$i" --arg r "$reason" \
				'any(.[]; .container_id == "cid-1" and .attach_id == $a and .released_by == "admin" and .released_reason == $r)' \
				>/dev/null || line_failed "GET /v1/slots does not show slot $i released with its reason"
		fi
		;;
	detach)
		iface=${words[2]}
		"$build/plugctl" -j list | jq -e --arg i "$iface" \
			'any(.[]; .ifname == $i and .state == "detached-by-admin")' >/dev/null ||
			line_failed "plugctl list does not show $iface detached-by-admin: $("$build/plugctl" list)"
		detached+=("$iface")
		;;
	audit)
		for want in "${reasons[@]}"; do
			grep -qF -- "$want" <<<"$output" || line_failed "the audit lacks the reason '$want'"
		done
		;;
	programs)
		for want in drop-icmp src-counter syn-limit; do
			grep -Eq "^$want " <<<"$output" || line_failed "the catalog lacks $want"
		done
		;;
	status)
		grep -Eq '^status +serving$' <<<"$output" || line_failed "not serving"
		;;
	esac
}

@test "README '## plugctl': every line of its block runs verbatim on a real plugnetd" {
	local block line n=0 id audit_len=0 reasons=() detached=() iface
	block=$(readme_block '## plugctl' sh)

	# plugnetd with counters on, the example catalog and the uplink pn-up0;
	# the pod default/web-1 (netns pn-pod-1, its eth0 at 10.77.1.2).
	write_config ', "slot_counters": true, "uplinks": [{"ifname": "pn-up0", "slot_quota": 2, "priority": {"min": 0, "max": 199}}]'
	example_catalog
	mkpod 1 1
	mkuplink
	start
	run register 1
	[ "${lines[-1]}" = 201 ] || failed "registering web-1: $output"
	# src-counter is attach id 1 on eth0, which the release line names;
	# drop-icmp and a slot on the uplink are left for release --owner.
	id=$(plug src-counter)
	[[ $id == *-1 ]] || failed "src-counter's slot is $id, not attach id 1"
	plug drop-icmp >/dev/null
	plug syn-limit '"target": "uplink:pn-up0"' >/dev/null
	# Packets for the counters show displays: drop-icmp drops the pings.
	! reaches 1 || failed "web-1 answers ping with drop-icmp plugged"

	# plugctl as the README runs it: on PATH, on the test's admin socket.
	mkdir "$dir/path"
	ln -s "$build/plugctl" "$dir/path/plugctl"
	export PATH="$dir/path:$PATH" PLUGNET_ADMIN_SOCKET="$dir/run/admin.sock"
	[ "$(command -v plugctl)" = "$dir/path/plugctl" ] || failed "plugctl is $(command -v plugctl)"

	audit_len=$(admin_json /v1/audit | jq length)
	while IFS= read -r line; do
		n=$((n + 1))
		run bash -c "$line" </dev/null
		[ "$status" -eq 0 ] || line_failed "exited $status, not 0"
		check_effect
	done <<<"$block"
	echo "# note: ran the $n lines of README's '## plugctl' block" >&3

	# The detach line's comment: adopt IFACE --reason ... gives it back.
	for iface in "${detached[@]}"; do
		run plugctl adopt "$iface" --reason "..."
		[ "$status" -eq 0 ] || failed "adopt $iface: exit $status: $output"
		plugctl -j list | jq -e --arg i "$iface" 'any(.[]; .ifname == $i and .state == "serving")' >/dev/null ||
			failed "$iface is not serving after adopt: $(plugctl list)"
	done
}

@test "README '## The CNI plugin': its network list and annotation plug their programs through the CNI chain" {
	local readme_list annotations expect_1 expect_2 ip_1 ip_2
	readme_list=$(readme_block '## The CNI plugin' json)
	annotations=$(readme_block '## The CNI plugin' yaml)

	cni_setup
	example_catalog
	start
	# The README's list, bound to this test's plugnetd and IPAM directory
	# (plugnet's socket and host-local's dataDir, the only keys added).
	list=$dir/readme.conflist
	/usr/bin/python3 -c '
import json, sys
conf = json.loads(sys.argv[1])
entries = [p for p in conf["plugins"] if p.get("type") == "plugnet"]
if len(entries) != 1:
    sys.exit(f"the README list has {len(entries)} plugnet entries, not 1")
for key in ("socket",):
    if key in entries[0]:
        sys.exit(f"the README list sets plugnet key {key!r}, which the test binds")
entries[0]["socket"] = sys.argv[3]
for p in conf["plugins"]:
    if p.get("ipam", {}).get("type") == "host-local":
        p["ipam"]["dataDir"] = sys.argv[4]
with open(sys.argv[2], "w") as f:
    json.dump(conf, f, indent=2)
' "$readme_list" "$list" "$dir/run/plugnet.sock" "$dir/ipam"
	bridge=$(jq -r '.plugins[] | select(.type == "bridge") | .bridge' "$list")
	[ -n "$bridge" ] || failed "the README list has no bridge: $readme_list"
	if ip link show "$bridge" >/dev/null 2>&1; then
		echo "$bridge exists already; the test makes its own"
		bridge=
		false
	fi
	# The annotation, as the runtime passes a pod's annotations to plugnet.
	annotations=$(/usr/bin/python3 -c '
import json, sys, yaml
a = yaml.safe_load(sys.argv[1])
if not isinstance(a, dict) or "plugnet.io/programs" not in a:
    sys.exit("the README yaml block is not annotations with plugnet.io/programs")
print("io.kubernetes.cri.pod-annotations=" + json.dumps(a))
' "$annotations")
	# What each pod should get, "program@target" sorted: pod 1 the network's
	# programs, pod 2 those and its annotation's.
	expect_1=$(jq -r '[.plugins[] | select(.type == "plugnet") | .programs[]? | "\(.program)@\(.target // "pod")"] | sort | join(" ")' "$list")
	expect_2=$(/usr/bin/python3 -c '
import json, sys
conf = json.load(open(sys.argv[1]))
ann = json.loads(sys.argv[2].partition("=")[2])
progs = [p for e in conf["plugins"] if e.get("type") == "plugnet" for p in e.get("programs", [])]
progs += json.loads(ann["plugnet.io/programs"])
print(" ".join(sorted("%s@%s" % (p["program"], p.get("target", "pod")) for p in progs)))
' "$list" "$annotations")
	echo "pod 1 expects: $expect_1; pod 2 expects: $expect_2"
	[ -n "$expect_1" ]
	[ "$expect_2" != "$expect_1" ]

	mkns pn-readme-1
	mkns pn-readme-2
	cni ADD c1 pn-readme-1 >"$dir/c1.json" || failed "ADD of pod 1: $(cat "$dir/c1.json")"
	cni ADD c2 pn-readme-2 --cap "$annotations" >"$dir/c2.json" ||
		failed "ADD of pod 2, with the annotation: $(cat "$dir/c2.json")"
	[ "$(slots_of c1)" = "$expect_1" ] || failed "pod 1 has: $(slots_of c1)"
	[ "$(slots_of c2)" = "$expect_2" ] || failed "pod 2 has: $(slots_of c2)"
	run cni CHECK c1 pn-readme-1
	[ "$status" -eq 0 ] || failed "CHECK of pod 1: $output"
	run cni CHECK c2 pn-readme-2 --cap "$annotations"
	[ "$status" -eq 0 ] || failed "CHECK of pod 2: $output"

	# drop-icmp on a pod's interface: the host's ping through the bridge fails.
	ip_1=$(result_ip "$dir/c1.json")
	ip_2=$(result_ip "$dir/c2.json")
	[[ " $expect_1 " == *" drop-icmp@pod "* ]] || failed "the README's network does not plug drop-icmp on pods"
	! pings "$ip_1" || failed "pod 1 ($ip_1) answers ping"
	! pings "$ip_2" || failed "pod 2 ($ip_2) answers ping"
	# And it was drop-icmp: with pod 1's slots released it answers.
	run "$build/plugctl" --socket "$dir/run/admin.sock" release --owner default/pod-c1 --reason "README test"
	[ "$status" -eq 0 ] || failed "releasing pod 1's slots: $output"
	pings "$ip_1" || failed "pod 1 ($ip_1) does not answer with its slots released"

	run cni DEL c2 pn-readme-2
	[ "$status" -eq 0 ] || failed "DEL of pod 2: $output"
	run cni DEL c1 pn-readme-1
	[ "$status" -eq 0 ] || failed "DEL of pod 1: $output"
	run admin GET /v1/containers
	[ "${lines[0]}" = "[]" ] || failed "registrations left after DEL: $output"
	[ "$(pins_left)" -eq 0 ] || failed "pins left after DEL: $(find "$pin_root")"
}

