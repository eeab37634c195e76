#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The plugnet CNI plugin against the specification, driven as libcni drives
# it and chained after Debian's reference plugins, with a real plugnetd.
# Nothing here plugs a slot (this host's kernel refuses freplace): the
# programs are in tests/vm/cni.bats.

load ../lib/cni
bats_require_minimum_version 1.5.0

setup() {
	cd "$BATS_TEST_DIRNAME/../.."
	build=${PLUGNET_BUILD:-$PWD/build}
	dir=$(mktemp -d /tmp/plugnet-cni.XXXXXX)
	pin_root=/sys/fs/bpf/plugnet-test-cni-$$
	cni_setup
	pid=
}

teardown() {
	cni_teardown
}

# The same JSON, with every object's keys in the same order.
same_json() { # a b
	/usr/bin/python3 - "$1" "$2" <<-'PY'
		import json, sys
		a, b = (json.loads(open(p).read(), object_pairs_hook=list) for p in sys.argv[1:3])
		sys.exit(0 if a == b else 1)
	PY
}

@test "VERSION lists 0.3.1, 0.4.0, 1.0.0 and 1.1.0" {
	run --separate-stderr bash -c "echo '{\"cniVersion\": \"1.0.0\"}' | CNI_COMMAND=VERSION $build/plugnet"
	[ "$status" -eq 0 ]
	[ "$(/usr/bin/python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(d["cniVersion"], *d["supportedVersions"])' "$output")" = "1.0.0 0.3.1 0.4.0 1.0.0 1.1.0" ]
	run --separate-stderr bash -c "CNI_COMMAND=VERSION $build/plugnet </dev/null"
	[ "$status" -eq 0 ]
	[[ $output == *'"1.1.0"'* ]]
}

@test "ADD after bridge and after ptp, at every version: prevResult out unchanged, the pod registered" {
	local v main n=0 ifindex host_veth
	start
	for main in bridge ptp; do
		for v in 0.3.1 0.4.0 1.0.0 1.1.0; do
			n=$((n + 1))
			list=$dir/$main-$v.conflist
			conflist "$list" "$v" "$main"
			mkns "pn-cni-$$-$n"
			run --separate-stderr cni ADD "c$n" "pn-cni-$$-$n" --trace "$dir/trace-$n"
			echo "$output" "$stderr"
			[ "$status" -eq 0 ]
			same_json <(/usr/bin/python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["prevResult"]))' "$dir/trace-$n/plugnet.ADD.in") "$dir/trace-$n/plugnet.ADD.out"
			grep -q "\"cniVersion\"" "$dir/trace-$n/plugnet.ADD.out"
			run container "c$n"
			[ "${lines[-1]}" = 200 ]
			[[ ${lines[0]} == *"\"pod_name\":\"pod-c$n\""* ]]
			[[ ${lines[0]} == *"\"network\":\"pn-net-$main\""* ]]
			# plugnetd found the host side of the veth the main plugin made.
			host_veth=$(/usr/bin/python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print([i["name"] for i in r["interfaces"] if "sandbox" not in i and i.get("mac") and i["name"].startswith("veth")][0])' "$dir/trace-$n/plugnet.ADD.out")
			ifindex=$(cat "/sys/class/net/$host_veth/ifindex")
			[[ ${lines[0]} == *"\"host_ifindex\":$ifindex"* ]]
			run --separate-stderr cni DEL "c$n" "pn-cni-$$-$n"
			[ "$status" -eq 0 ]
			run container "c$n"
			[ "${lines[-1]}" = 404 ]
		done
	done
	[ "$(pins_left)" -eq 0 ]
}

@test "a prevResult's unknown fields, interface order and ips[].interface indexes come out as they went in" {
	local v
	start
	mkns "pn-cni-$$-1"
	ip -n "pn-cni-$$-1" link add eth0 type veth peer name peer0
	for v in 0.3.1 0.4.0 1.0.0 1.1.0; do
		cat >"$dir/in.json" <<-JSON
			{"cniVersion": "$v", "name": "pn-raw", "type": "plugnet", "socket": "$dir/run/plugnet.sock",
			 "prevResult": {"cniVersion": "$v", "vendorExtra": {"z": 1, "a": [3, 2, 1]},
			   "interfaces": [{"name": "zz0", "mac": "00:11:22:33:44:55", "mtu": 9000, "x-note": "kept"},
			                  {"name": "eth0", "sandbox": "/run/netns/pn-cni-$$-1", "socketPath": "/x"},
			                  {"name": "aa0"}],
			   "ips": [{"interface": 2, "address": "10.1.0.5/24", "version": "4"},
			           {"interface": 0, "address": "fd00::5/64", "gateway": "fd00::1"}],
			   "routes": [{"dst": "0.0.0.0/0", "priority": 7}], "dns": {"nameservers": ["10.0.0.10"]}}}
		JSON
		/usr/bin/python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["prevResult"]))' "$dir/in.json" >"$dir/prev.json"
		CNI_COMMAND=ADD CNI_CONTAINERID=raw CNI_NETNS=/run/netns/pn-cni-$$-1 CNI_IFNAME=eth0 CNI_PATH=/usr/lib/cni \
			"$build/plugnet" <"$dir/in.json" >"$dir/out.json"
		same_json "$dir/prev.json" "$dir/out.json"
		CNI_COMMAND=DEL CNI_CONTAINERID=raw CNI_NETNS=/run/netns/pn-cni-$$-1 CNI_IFNAME=eth0 \
			"$build/plugnet" <"$dir/in.json" >"$dir/del.out"
		[ ! -s "$dir/del.out" ]
	done
}

@test "DEL is idempotent: twice, with no ADD, without prevResult, without CNI_NETNS, after the netns and the veth are gone" {
	local ns=pn-cni-$$-1 base
	list=$dir/bridge.conflist
	conflist "$list" 1.0.0 bridge
	start
	mkns "$ns"
	cni ADD c1 "$ns" >/dev/null
	cni DEL c1 "$ns"
	cni DEL c1 "$ns"
	cni DEL never-added "$ns"
	base="{\"cniVersion\": \"1.0.0\", \"name\": \"pn-net-bridge\", \"type\": \"plugnet\", \"socket\": \"$dir/run/plugnet.sock\"}"
	# Without prevResult and with an empty CNI_NETNS, straight after an ADD.
	cni ADD c2 "$ns" >/dev/null
	run container c2
	[ "${lines[-1]}" = 200 ]
	run --separate-stderr bash -c "CNI_COMMAND=DEL CNI_CONTAINERID=c2 CNI_NETNS= CNI_IFNAME=eth0 $build/plugnet <<<'$base'"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run container c2
	[ "${lines[-1]}" = 404 ]
	# After the veth is gone, and after the netns is gone.
	mkns "$ns-3"
	cni ADD c3 "$ns-3" >/dev/null
	ip -n "$ns-3" link del eth0
	cni DEL c3 "$ns-3"
	run container c3
	[ "${lines[-1]}" = 404 ]
	mkns "$ns-4"
	cni ADD c4 "$ns-4" >/dev/null
	ip netns del "$ns-4"
	cni DEL c4 "$ns-4"
	cni DEL c4 "$ns-4"
	run container c4
	[ "${lines[-1]}" = 404 ]
	[ "$(pins_left)" -eq 0 ]
}

@test "DEL releases only its own container; a DEL from another network leaves it" {
	list=$dir/bridge.conflist
	conflist "$list" 1.0.0 bridge
	start
	mkns "pn-cni-$$-1"
	mkns "pn-cni-$$-2"
	cni ADD a "pn-cni-$$-1" >/dev/null
	cni ADD b "pn-cni-$$-2" >/dev/null
	cni DEL a "pn-cni-$$-1"
	run container b
	[ "${lines[-1]}" = 200 ]
	# The same container id on another network's DEL: not this registration.
	run --separate-stderr bash -c "CNI_COMMAND=DEL CNI_CONTAINERID=b CNI_NETNS=/run/netns/pn-cni-$$-2 CNI_IFNAME=eth0 $build/plugnet <<<'{\"cniVersion\": \"1.0.0\", \"name\": \"other-net\", \"type\": \"plugnet\", \"socket\": \"$dir/run/plugnet.sock\"}'"
	[ "$status" -eq 0 ]
	run container b
	[ "${lines[-1]}" = 200 ]
	cni DEL b "pn-cni-$$-2"
}

@test "CHECK passes after ADD, fails with code 106 once the registration is gone, and needs 0.4.0" {
	local v
	start
	for v in 0.4.0 1.0.0 1.1.0; do
		list=$dir/bridge-$v.conflist
		conflist "$list" "$v" bridge
		mkns "pn-cni-$$-$v"
		cni ADD "c-$v" "pn-cni-$$-$v" >/dev/null
		run --separate-stderr cni CHECK "c-$v" "pn-cni-$$-$v"
		echo "$output $stderr"
		[ "$status" -eq 0 ]
		admin DELETE "/v1/containers/c-$v" -d '{"reason": "test: a registration lost"}' >/dev/null
		run --separate-stderr cni CHECK "c-$v" "pn-cni-$$-$v"
		[ "$status" -eq 1 ]
		[ "$(cni_code "$output")" = 106 ]
		[[ $output == *"c-$v: not registered with plugnetd"* ]]
		cni DEL "c-$v" "pn-cni-$$-$v"
	done
	list=$dir/bridge-0.3.1.conflist
	conflist "$list" 0.3.1 bridge
	run --separate-stderr bash -c "CNI_COMMAND=CHECK CNI_CONTAINERID=x CNI_NETNS=/run/netns/pn-cni-$$-1.0.0 CNI_IFNAME=eth0 $build/plugnet <<<'{\"cniVersion\": \"0.3.1\", \"name\": \"n\", \"type\": \"plugnet\", \"prevResult\": {}}'"
	[ "$status" -eq 1 ]
	[ "$(cni_code "$output")" = 1 ]
	[[ $output == *'CHECK needs cniVersion 0.4.0 or later'* ]]
}

@test "GC releases only this network's attachments missing from cni.dev/valid-attachments" {
	local c
	list=$dir/bridge.conflist
	conflist "$list" 1.1.0 bridge
	start
	for c in 1 2 3; do
		mkns "pn-cni-$$-$c"
		cni ADD "g$c" "pn-cni-$$-$c" >/dev/null
	done
	# A registration from another network, and one made directly.
	mkns "pn-cni-$$-4"
	sed 's/"name": "pn-net-bridge"/"name": "other-net"/; s/pnbr-/pnbx-/' "$list" >"$dir/other.conflist"
	list=$dir/other.conflist cni ADD g4 "pn-cni-$$-4" >/dev/null
	ip link del "pnbx-$$" 2>/dev/null || true
	# Without the key: nothing released.
	run --separate-stderr cni GC "" ""
	[ "$status" -eq 0 ]
	for c in 1 2 3 4; do
		run container "g$c"
		[ "${lines[-1]}" = 200 ]
	done
	run --separate-stderr cni GC "" "" --valid-attachments '[{"containerID": "g2", "ifname": "eth0"}, {"containerID": "g3", "ifname": "eth9"}]'
	echo "$output"
	[ "$status" -eq 0 ]
	run container g1
	[ "${lines[-1]}" = 404 ]
	run container g2
	[ "${lines[-1]}" = 200 ]
	run container g3
	[ "${lines[-1]}" = 404 ]
	run container g4
	[ "${lines[-1]}" = 200 ]
	# The older key of the 1.1.0 drafts.
	run --separate-stderr bash -c "CNI_COMMAND=GC $build/plugnet <<<'{\"cniVersion\": \"1.1.0\", \"name\": \"pn-net-bridge\", \"type\": \"plugnet\", \"socket\": \"$dir/run/plugnet.sock\", \"cni.dev/attachments\": []}'"
	[ "$status" -eq 0 ]
	run container g2
	[ "${lines[-1]}" = 404 ]
	run --separate-stderr bash -c "CNI_COMMAND=GC $build/plugnet <<<'{\"cniVersion\": \"1.1.0\", \"name\": \"n\", \"type\": \"plugnet\", \"cni.dev/valid-attachments\": {}}'"
	[ "$status" -eq 1 ]
	[ "$(cni_code "$output")" = 7 ]
	[[ $output == *"cni.dev/valid-attachments"* ]]
	list=$dir/other.conflist cni DEL g4 "pn-cni-$$-4"
}

@test "STATUS: 0 while plugnetd answers, code 50 when it does not; GC and STATUS need 1.1.0" {
	local conf="{\"cniVersion\": \"1.1.0\", \"name\": \"n\", \"type\": \"plugnet\", \"socket\": \"$dir/run/plugnet.sock\"}"
	run --separate-stderr bash -c "CNI_COMMAND=STATUS $build/plugnet <<<'$conf'"
	[ "$status" -eq 1 ]
	[ "$(cni_code "$output")" = 50 ]
	[[ $output == *"plugnetd is unreachable"*"$dir/run/plugnet.sock"* ]]
	start
	run --separate-stderr bash -c "CNI_COMMAND=STATUS $build/plugnet <<<'$conf'"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run --separate-stderr bash -c "CNI_COMMAND=STATUS $build/plugnet <<<'${conf/1.1.0/1.0.0}'"
	[ "$status" -eq 1 ]
	[ "$(cni_code "$output")" = 1 ]
	[[ $output == *"STATUS needs cniVersion 1.1.0"* ]]
	run --separate-stderr bash -c "CNI_COMMAND=GC $build/plugnet <<<'${conf/1.1.0/1.0.0}'"
	[ "$(cni_code "$output")" = 1 ]
}

@test "ADD and CHECK with plugnetd down: code 11 and nothing left behind; DEL still succeeds" {
	list=$dir/bridge.conflist
	conflist "$list" 1.0.0 bridge
	mkns "pn-cni-$$-1"
	run --separate-stderr cni ADD c1 "pn-cni-$$-1"
	[ "$status" -eq 1 ]
	[ "$(cni_code "$output")" = 11 ]
	[[ $output == *"plugnetd is unreachable"* ]]
	run --separate-stderr env CNI_COMMAND=CHECK CNI_CONTAINERID=c1 CNI_NETNS="/run/netns/pn-cni-$$-1" CNI_IFNAME=eth0 \
		"$build/plugnet" <<<"{\"cniVersion\": \"1.0.0\", \"name\": \"pn-net-bridge\", \"type\": \"plugnet\", \"socket\": \"$dir/run/plugnet.sock\", \"prevResult\": {}}"
	[ "$status" -eq 1 ]
	[ "$(cni_code "$output")" = 11 ]
	run --separate-stderr cni DEL c1 "pn-cni-$$-1"
	[ "$status" -eq 0 ]
	start
	run admin GET /v1/containers
	[ "${lines[0]}" = '[]' ]
	[ "$(pins_left)" -eq 0 ]
}

@test "errors: codes 1, 4, 6 and 7 name the version, variable or key" {
	local ok="CNI_CONTAINERID=c1 CNI_NETNS=/run/netns/none CNI_IFNAME=eth0"
	local conf='{"cniVersion": "1.0.0", "name": "n", "type": "plugnet", "prevResult": {}}'
	expect() { # code text env... < stdin
		local code=$1 text=$2
		shift 2
		run --separate-stderr env "$@" "$build/plugnet"
		echo "$output"
		[ "$status" -eq 1 ]
		[ "$(cni_code "$output")" = "$code" ]
		[[ $output == *"$text"* ]]
	}
	expect 1 "cniVersion '9.9.9' is not supported" CNI_COMMAND=ADD $ok <<<'{"cniVersion": "9.9.9", "name": "n", "type": "plugnet"}'
	expect 4 "CNI_COMMAND is not set" $ok <<<"$conf"
	expect 4 "CNI_COMMAND 'FOO'" CNI_COMMAND=FOO $ok <<<"$conf"
	expect 4 "CNI_CONTAINERID is not set" CNI_COMMAND=ADD CNI_NETNS=/x CNI_IFNAME=eth0 <<<"$conf"
	expect 4 "CNI_CONTAINERID '-bad'" CNI_COMMAND=ADD CNI_CONTAINERID=-bad CNI_NETNS=/x CNI_IFNAME=eth0 <<<"$conf"
	expect 4 "CNI_IFNAME is not set" CNI_COMMAND=ADD CNI_CONTAINERID=c1 CNI_NETNS=/x <<<"$conf"
	expect 4 "CNI_IFNAME 'a/b'" CNI_COMMAND=ADD CNI_CONTAINERID=c1 CNI_NETNS=/x CNI_IFNAME=a/b <<<"$conf"
	expect 4 "CNI_NETNS is not set" CNI_COMMAND=ADD CNI_CONTAINERID=c1 CNI_IFNAME=eth0 <<<"$conf"
	expect 4 "CNI_ARGS: unknown key 'FOO'" CNI_COMMAND=ADD $ok CNI_ARGS='K8S_POD_NAME=x;FOO=1' <<<"$conf"
	expect 4 "CNI_ARGS: 'broken' is not KEY=VALUE" CNI_COMMAND=ADD $ok CNI_ARGS='broken' <<<"$conf"
	expect 6 "not JSON" CNI_COMMAND=ADD $ok <<<'{"cniVersion": '
	expect 6 "not a JSON object" CNI_COMMAND=ADD $ok <<<'[1]'
	expect 7 "key 'name' is missing" CNI_COMMAND=ADD $ok <<<'{"cniVersion": "1.0.0", "type": "plugnet"}'
	expect 7 "key 'cniVersion' is missing" CNI_COMMAND=ADD $ok <<<'{"name": "n", "type": "plugnet"}'
	expect 7 "key 'prevResult' is missing" CNI_COMMAND=ADD $ok <<<'{"cniVersion": "1.0.0", "name": "n", "type": "plugnet"}'
	expect 7 "'programs'[0]: unknown key 'prio'" CNI_COMMAND=ADD $ok <<<'{"cniVersion": "1.0.0", "name": "n", "type": "plugnet", "prevResult": {}, "programs": [{"program": "drop", "prio": 1}]}'
	expect 7 "'programs'[1]: 'program' must be a catalog name" CNI_COMMAND=ADD $ok <<<'{"cniVersion": "1.0.0", "name": "n", "type": "plugnet", "prevResult": {}, "programs": [{"program": "drop"}, {"program": "../x"}]}'
	expect 7 "'proceedOn': 'maybe' is not one of" CNI_COMMAND=ADD $ok <<<'{"cniVersion": "1.0.0", "name": "n", "type": "plugnet", "prevResult": {}, "programs": [{"program": "drop", "proceedOn": ["maybe"]}]}'
	expect 7 "'target' must be" CNI_COMMAND=ADD $ok <<<'{"cniVersion": "1.0.0", "name": "n", "type": "plugnet", "prevResult": {}, "programs": [{"program": "drop", "target": "uplink:"}]}'
	expect 7 "key 'timeoutMs'" CNI_COMMAND=ADD $ok <<<'{"cniVersion": "1.0.0", "name": "n", "type": "plugnet", "prevResult": {}, "timeoutMs": "soon"}'
	expect 7 "key 'logLevel': 'loud'" CNI_COMMAND=ADD $ok <<<'{"cniVersion": "1.0.0", "name": "n", "type": "plugnet", "prevResult": {}, "logLevel": "loud"}'
	expect 7 "annotation 'plugnet.io/programs': not JSON" CNI_COMMAND=ADD $ok <<<'{"cniVersion": "1.0.0", "name": "n", "type": "plugnet", "prevResult": {}, "runtimeConfig": {"io.kubernetes.cri.pod-annotations": {"plugnet.io/programs": "[{\"program\": "}}}'
	expect 7 "annotation 'plugnet.io/programs'[0]: 'priority' must be an integer" CNI_COMMAND=ADD $ok <<<'{"cniVersion": "1.0.0", "name": "n", "type": "plugnet", "prevResult": {}, "runtimeConfig": {"io.kubernetes.cri.pod-annotations": {"plugnet.io/programs": "[{\"program\": \"drop\", \"priority\": \"high\"}]"}}}'
	# The error's own cniVersion is the configuration's.
	expect 7 "key 'prevResult' is missing" CNI_COMMAND=ADD $ok <<<'{"cniVersion": "0.4.0", "name": "n", "type": "plugnet"}'
	[[ $output == *'"cniVersion":	"0.4.0"'* ]]
	# DEL does not read the annotation: a broken one must not keep a pod.
	run --separate-stderr env CNI_COMMAND=DEL $ok CNI_CONTAINERID=gone "$build/plugnet" <<<'{"cniVersion": "1.0.0", "name": "n", "type": "plugnet", "socket": "/nonexistent", "runtimeConfig": {"io.kubernetes.cri.pod-annotations": {"plugnet.io/programs": "["}}}'
	[ "$status" -eq 0 ]
}

@test "ADD: an interface missing in CNI_NETNS is code 105 and nothing is left" {
	start
	mkns "pn-cni-$$-1"
	run --separate-stderr env CNI_COMMAND=ADD CNI_CONTAINERID=c1 CNI_NETNS=/run/netns/pn-cni-$$-1 CNI_IFNAME=eth7 \
		"$build/plugnet" <<<"{\"cniVersion\": \"1.0.0\", \"name\": \"n\", \"type\": \"plugnet\", \"socket\": \"$dir/run/plugnet.sock\", \"prevResult\": {}}"
	echo "$output"
	[ "$status" -eq 1 ]
	[ "$(cni_code "$output")" = 105 ]
	[[ $output == *eth7* ]]
	run admin GET /v1/containers
	[ "${lines[0]}" = '[]' ]
	[ "$(pins_left)" -eq 0 ]
}

@test "CNI_ARGS in any order, some missing, as cnitool sends them" {
	list=$dir/bridge.conflist
	conflist "$list" 1.0.0 bridge
	start
	mkns "pn-cni-$$-1"
	mkns "pn-cni-$$-2"
	/usr/bin/python3 tests/lib/cni_run.py --conflist "$list" --command ADD --containerid c1 \
		--netns "/run/netns/pn-cni-$$-1" --path "$cni_path" --cache "$dir/cache" \
		--args "K8S_POD_UID=u1;K8S_POD_NAME=web;IgnoreUnknown=1;K8S_POD_NAMESPACE=shop" >/dev/null
	run container c1
	[[ ${lines[0]} == *'"pod_namespace":"shop","pod_name":"web","pod_uid":"u1"'* ]]
	/usr/bin/python3 tests/lib/cni_run.py --conflist "$list" --command ADD --containerid c2 \
		--netns "/run/netns/pn-cni-$$-2" --path "$cni_path" --cache "$dir/cache" --args "" >/dev/null
	run container c2
	[[ ${lines[0]} == *'"pod_namespace":"cni","pod_name":"c2","pod_uid":""'* ]]
}

@test "stdout holds only the result, with debug logging on; the log goes to stderr or logFile" {
	list=$dir/bridge.conflist
	conflist "$list" 1.0.0 bridge ', "logLevel": "debug"'
	start
	mkns "pn-cni-$$-1"
	cni ADD c1 "pn-cni-$$-1" --trace "$dir/trace" 2>"$dir/stderr" >/dev/null
	/usr/bin/python3 -c 'import json,sys; json.loads(open(sys.argv[1]).read())' "$dir/trace/plugnet.ADD.out"
	grep -q 'debug: plugnet: POST /v1/containers: 201' "$dir/stderr"
	conflist "$list" 1.0.0 bridge ", \"logLevel\": \"debug\", \"logFile\": \"$dir/plugnet.log\""
	cni DEL c1 "pn-cni-$$-1" --trace "$dir/trace" 2>"$dir/stderr"
	[ ! -s "$dir/trace/plugnet.DEL.out" ]
	grep -q 'debug: plugnet: DELETE /v1/containers/c1: 200' "$dir/plugnet.log"
	! grep -q 'plugnet:' "$dir/stderr" || false
	# An error is one JSON document on stdout too.
	run --separate-stderr cni CHECK c1 "pn-cni-$$-1"
	/usr/bin/python3 -c 'import json,sys; json.loads(sys.argv[1])' "$output"
}

@test "20 ADDs at once, then 20 DELs at once: every pod registered, then none, no pin left" {
	local i
	list=$dir/bridge.conflist
	conflist "$list" 1.0.0 bridge
	start
	for i in $(seq 20); do mkns "pn-cni-$$-$i"; done
	cni_at_once ADD 20 "pn-cni-$$-"
	for i in $(seq 20); do
		run container "p$i"
		[ "${lines[-1]}" = 200 ]
	done
	[ "$(pins_left)" -eq 20 ]
	cni_at_once DEL 20 "pn-cni-$$-"
	run admin GET /v1/containers
	[ "${lines[0]}" = '[]' ]
	[ "$(pins_left)" -eq 0 ]
	grep -c '"container_id"' "$dir/state/state.json" && false || true
}
