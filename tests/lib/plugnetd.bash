# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash disable=SC2154 # build and dir come from the test's setup
# Helpers for the bats tests that run plugnetd as a process: they expect
# $build (the build directory) and $dir (the test's scratch directory,
# with plugnetd.json in it), and keep the daemon's pid in $pid.

# Start plugnetd in the background; its stderr goes to $dir/log.
start() {
	"$build/plugnetd" --config "$dir/plugnetd.json" 2>>"$dir/log" &
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
