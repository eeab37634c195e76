# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash disable=SC2154 # build and dir come from the test's setup
# Helpers for the tests that drive the plugnet CNI plugin as a runtime does:
# plugnetd runs with plugnet as its CNI binary, network lists chain a
# reference plugin (bridge or ptp, with host-local) and plugnet, and
# tests/lib/cni_run.py runs them the way libcni does. Expects $build, $dir
# and $pin_root, like tests/lib/plugnetd.bash, which it loads.

load ../lib/plugnetd

# plugnetd with plugnet as the runtime (further configuration keys, with a
# leading comma, in $1), and the plugin where CNI_PATH finds it.
cni_setup() { # [plugnetd keys]
	cni_binary=$build/plugnet
	write_config ", \"limits\": {\"sweep_interval_ms\": 200} ${1:-}"
	mkdir -p "$dir/bin" "$dir/cache" "$dir/ipam"
	ln -sf "$(readlink -f "$build/plugnet")" "$dir/bin/plugnet"
	cni_path=/usr/lib/cni:$dir/bin
	nets=()
}

cni_teardown() {
	local ns
	kill_agent
	for ns in "${nets[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
	ip link del "pnbr-$$" 2>/dev/null || true
	rm -rf "$dir" "$pin_root"
}

# A pod's empty network namespace, for the main plugin to wire.
mkns() { # name
	ip netns add "$1"
	nets+=("$1")
}

# A network list: the main plugin (bridge or ptp, with host-local) then
# plugnet, whose entry gets the extra keys in $4 (with a leading comma).
conflist() { # file version main [plugnet keys]
	local main
	case $3 in
	bridge) main="\"type\": \"bridge\", \"bridge\": \"pnbr-$$\", \"isGateway\": true," ;;
	ptp) main='"type": "ptp",' ;;
	esac
	cat >"$1" <<-JSON
		{
		  "cniVersion": "$2",
		  "name": "pn-net-$3",
		  "plugins": [
		    {
		      $main
		      "ipam": {"type": "host-local", "subnet": "10.99.0.0/16", "dataDir": "$dir/ipam"}
		    },
		    {
		      "type": "plugnet",
		      "socket": "$dir/run/plugnet.sock",
		      "capabilities": {"io.kubernetes.cri.pod-annotations": true}
		      ${4:-}
		    }
		  ]
		}
	JSON
}

# Run a verb of the list $list on container $1 in netns $2 (cni_run.py's
# further options after), with Kubernetes' CNI_ARGS; 1.1.0 lists run the
# reference plugins at 1.0.0.
cni() { # verb container netns [cni_run options]
	local verb=$1 cid=$2 ns=$3 main_version=()
	shift 3
	grep -q '"cniVersion": "1.1.0"' "$list" && main_version=(--main-version 1.0.0)
	/usr/bin/python3 tests/lib/cni_run.py --conflist "$list" --command "$verb" \
		--containerid "$cid" --netns "${ns:+/run/netns/$ns}" --path "$cni_path" \
		--cache "$dir/cache" \
		--args "IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=pod-$cid;K8S_POD_UID=uid-$cid;K8S_POD_INFRA_CONTAINER_ID=$cid" \
		"${main_version[@]}" "$@"
}

# VERB for containers p1..pN, in netns ${prefix}1..N, all at once (as a
# node starting or stopping many pods); fails, printing their output, if
# any of them failed.
cni_at_once() { # verb n netns-prefix
	local verb=$1 n=$2 prefix=$3 i failed=0 pids=()
	for i in $(seq "$n"); do
		cni "$verb" "p$i" "$prefix$i" >"$dir/$verb-$i.out" 2>&1 &
		pids+=($!)
	done
	for i in $(seq "$n"); do
		wait "${pids[$((i - 1))]}" || { failed=1; echo "$verb p$i:"; cat "$dir/$verb-$i.out"; }
	done
	return "$failed"
}

# plugnet alone, as a runtime runs it: the CNI_* variables from the
# environment of the call, the configuration on stdin.
plugnet() { # < config
	"$build/plugnet"
}

# The admin's view of one container, or 404.
container() { # id
	admin GET "/v1/containers/$1"
}

# Interfaces plugnetd still holds a dispatcher on: their directories under
# the pin root (besides plugnetd's own program index).
pins_left() {
	find "$pin_root" -mindepth 1 -maxdepth 1 -not -name prog-index 2>/dev/null | wc -l
}

# The first IPv4 address of a CNI result, without its prefix length.
result_ip() { # result file
	/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["ips"][0]["address"].split("/")[0])' "$1"
}

# The error code in a CNI error document.
cni_code() { # json
	/usr/bin/python3 -c 'import json,sys; print(json.loads(sys.argv[1])["code"])' "$1"
}
