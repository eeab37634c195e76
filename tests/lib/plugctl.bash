# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash disable=SC2154 # build, dir, host_ns and golden_dir come from the test's setup
# Helpers for the bats tests of plugctl, on top of plugnetd.bash: plugctl on
# the test's plugnetd, and its output compared with golden files after the
# numbers that vary are named. They expect $build, $dir, $host_ns (the inode
# of the host's netns) and $golden_dir (host or vm).

plugctl() {
	"$build/plugctl" --socket "$dir/run/admin.sock" "$@"
}

# $output with the numbers that change from run to run named (plugctl_norm.py).
normalized() {
	local id
	# Every interface in full, with its slots.
	admin GET /v1/interfaces | head -n 1 | jq -r '.[].id' | while read -r id; do
		admin GET "/v1/interfaces/$id" | head -n 1
	done | jq -s . >"$dir/ifaces.json"
	admin GET /v1/containers | head -n 1 >"$dir/containers.json"
	/usr/bin/python3 "$BATS_TEST_DIRNAME/../lib/plugctl_norm.py" "$host_ns" \
		"$dir/ifaces.json" "$dir/containers.json" <<<"$output"
}

# Compare the normalized $output with tests/golden/plugctl/$golden_dir/NAME,
# or write it there with PLUGCTL_GOLDEN_UPDATE=1.
golden() { # name
	local name=$1 file=tests/golden/plugctl/$golden_dir/$1
	normalized >"$dir/got" || return 1
	if [ -n "${PLUGCTL_GOLDEN_UPDATE:-}" ]; then
		mkdir -p "$(dirname "$file")" && cp "$dir/got" "$file"
		return
	fi
	diff -u "$file" "$dir/got" || { echo "golden $name differs (- want, + got)"; return 1; }
}
