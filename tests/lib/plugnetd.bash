# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash disable=SC2154 # build and dir come from the test's setup
# Helpers for the bats tests that run plugnetd as a process: they expect
# $build (the build directory) and $dir (the test's scratch directory,
# with plugnetd.json in it), and keep the daemon's pid in $pid.

# Start plugnetd in the background, with extra options if given; its
# stderr goes to $dir/log.
start() { # [plugnetd options]
	"$build/plugnetd" --config "$dir/plugnetd.json" "$@" 2>>"$dir/log" &
	pid=$!
	for _ in $(seq 200); do
		[ -S "$dir/run/admin.sock" ] && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	cat "$dir/log"
	return 1
}

# SIGTERM, and wait for a clean exit.
stop() {
	kill -TERM "$pid"
	wait "$pid"
	pid=
}

# Kill it if a test left it running.
kill_agent() {
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid"
		wait "$pid" 2>/dev/null || true
	fi
}

# A request on a socket; prints the body, then the status on its own line.
call() { # socket method path [curl args...]
	local sock=$1 method=$2 path=$3
	shift 3
	curl -sS --max-time 60 --unix-socket "$sock" -X "$method" -w '\n%{http_code}\n' \
		"$@" "http://plugnet$path"
}

# A catalog with drop and pass (the verdicts test programs), and a
# configuration in $dir whose runtime is curl, or $cni_binary when set;
# extra top-level JSON keys (with a leading comma) come from $1.
write_config() { # [extra keys]
	mkdir -p "$dir/programs"
	cp "$build/tests/progs/verdicts.bpf.o" "$dir/programs/drop.bpf.o"
	printf '{"program": "xdp_drop"}' >"$dir/programs/drop.json"
	cp "$build/tests/progs/verdicts.bpf.o" "$dir/programs/pass.bpf.o"
	printf '{"program": "xdp_pass"}' >"$dir/programs/pass.json"
	cat >"$dir/plugnetd.json" <<-JSON
		{
		  "workload_socket": "$dir/run/plugnet.sock",
		  "admin_socket": "$dir/run/admin.sock",
		  "pin_root": "$pin_root",
		  "state_dir": "$dir/state",
		  "catalog_dir": "$dir/programs",
		  "cni_binary": "$(readlink -f "${cni_binary:-$(command -v curl)}")"
		  ${1:-}
		}
	JSON
}

# A pod as a CNI plugin makes one: its eth0 in its netns, the peer on the host.
mkpod() { # name n
	ip netns add "pn-pod-$1"
	ip link add "pnh-$1" type veth peer name eth0 netns "pn-pod-$1"
	ip addr add "10.77.$2.1/24" dev "pnh-$1"
	ip link set "pnh-$1" up
	ip -n "pn-pod-$1" addr add "10.77.$2.2/24" dev eth0
	ip -n "pn-pod-$1" link set eth0 up
	ip -n "pn-pod-$1" link set lo up
}

# The uplink pn-up0 (10.78.0.1): a veth whose far end, wire0 (10.78.0.2)
# in netns pn-wire, stands in for the network.
mkuplink() {
	ip netns add pn-wire
	ip link add pn-up0 type veth peer name wire0 netns pn-wire
	ip addr add 10.78.0.1/24 dev pn-up0
	ip link set pn-up0 up
	ip -n pn-wire addr add 10.78.0.2/24 dev wire0
	ip -n pn-wire link set wire0 up
}

# Only the pings reach the pod's eth0: no ARP (static neighbours both
# ways) and no IPv6 (router solicitations, MLD), so the counts are exact.
quiet_link() { # pod n
	local pod_mac host_mac
	sysctl -qw "net.ipv6.conf.pnh-$1.disable_ipv6=1"
	ip netns exec "pn-pod-$1" sysctl -qw net.ipv6.conf.eth0.disable_ipv6=1
	pod_mac=$(ip -n "pn-pod-$1" -br link show eth0 | awk '{print $3}')
	host_mac=$(ip -br link show "pnh-$1" | awk '{print $3}')
	ip neigh replace "10.77.$2.2" lladdr "$pod_mac" dev "pnh-$1" nud permanent
	ip -n "pn-pod-$1" neigh replace "10.77.$2.1" lladdr "$host_mac" dev eth0 nud permanent
}

# As the runtime (curl on the host is the configured CNI binary), as pod
# $1 (curl in its netns), or as the admin.
runtime() { # method path [curl args]
	call "$dir/run/plugnet.sock" "$@"
}

as_pod() { # pod method path [curl args]
	local pod=$1 method=$2 path=$3
	shift 3
	ip netns exec "pn-pod-$pod" bash -c "$(declare -f call); call \"\$@\"" _ \
		"$dir/run/plugnet.sock" "$method" "$path" "$@"
}

admin() { # method path [curl args]
	call "$dir/run/admin.sock" "$@"
}

register() { # pod
	runtime POST /v1/containers -d "{\"container_id\": \"cid-$1\", \"pod_namespace\": \"default\", \"pod_name\": \"web-$1\", \"netns\": \"/run/netns/pn-pod-$1\"}"
}

# Does a ping from the host reach pod n's eth0?
reaches() { # n
	ping -c 3 -i 0.3 -W 2 "10.77.$1.2" >/dev/null 2>&1
}

# The "id" of the JSON object printed first by call.
json_id() { # text
	sed -n 's/^{"id":"\([^"]*\)".*/\1/p' <<<"$1"
}

# --- the metrics endpoint: $port is its TCP port on 127.0.0.1 ---------------

# A TCP port nothing listens on now (the kernel's pick; the test binds it soon after).
free_port() {
	/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start, then wait for the metrics endpoint, which comes up after the API sockets.
start_metrics() { # [plugnetd options]
	start "$@" || return 1
	for _ in $(seq 200); do
		curl -s -o /dev/null "http://127.0.0.1:$port/metrics" && return 0
		sleep 0.05
	done
	cat "$dir/log"
	return 1
}

# GET /metrics: the body in $dir/metrics, the headers in $dir/headers
# (without their CRs).
scrape() {
	curl -sS --max-time 60 -D "$dir/headers" -o "$dir/metrics" "http://127.0.0.1:$port/metrics" &&
		sed -i 's/\r$//' "$dir/headers"
}

# The status code of a response whose headers curl -D wrote to a file.
status_of() { # headers file
	sed -n '1s/^HTTP\/[0-9.]* \([0-9]*\).*/\1/p' "$1"
}

# Validate an exposition (exit 1 naming the bad line); with a metric name
# and LABEL=VALUE filters, print the value of its one matching sample.
# Debian's python3, where python3-prometheus-client is installed.
exposition() { # file [name [label=value...]]
	/usr/bin/python3 "$BATS_TEST_DIRNAME/../lib/check_exposition.py" "$@"
}
