#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The project's shell scripts pass ShellCheck (warnings and errors).

setup() {
	cd "$BATS_TEST_DIRNAME/../.."
}

@test "shell scripts pass shellcheck" {
	run shellcheck -S warning -s bash tests/run tests/demo tests/vm/vm-run tests/vm/fetch-kernel \
		mk/deps.sh mk/base-images.sh .ci/run tests/bench/slot_limit.sh tests/lib/plugnetd.bash
	[ "$status" -eq 0 ] || { echo "$output"; false; }
}

@test "POSIX sh scripts (busybox, install-cni) pass shellcheck as POSIX sh" {
	run shellcheck -S warning -s sh tests/vm/guest-init tests/vm/guest-run mk/gen-slots.sh \
		deploy/install-cni.sh
	[ "$status" -eq 0 ] || { echo "$output"; false; }
}
