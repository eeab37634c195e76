#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The node image, built and run. setup_file makes the base images
# debian:bookworm and debian:bookworm-slim from Debian's archive
# (mk/base-images.sh: no registry needed) and builds deploy/Containerfile,
# unchanged, with podman, once for the whole file. The tests then check
# what the image holds, that its binaries find their libraries and run,
# and run its two containers as deploy/kubernetes/daemonset.yaml says
# (command, env, mounts, privileges, host network and pid namespace, read
# from the manifest by tests/lib/pod_podman.py): the init container
# installing the CNI plugin into a stand-in node's directories, and
# plugnetd answering the manifest's probes, the host's plugctl and the
# installed plugin, then stopping and leaving nothing behind.
#
# podman runs here with runc and no raised rlimits (its own containers.conf):
# crun refuses a cgroup v1/v2 hybrid host with a controller on v2, and a
# host without CAP_SYS_RESOURCE cannot raise RLIMIT_NOFILE and RLIMIT_NPROC
# as podman asks by default.

bats_require_minimum_version 1.5.0

image=localhost/plugnet:test
# The build stage, tagged so that its layers stay the next build's cache.
image_build=localhost/plugnet-build:test
daemonset=deploy/kubernetes/daemonset.yaml

pm() {
	CONTAINERS_CONF=$BATS_FILE_TMPDIR/containers.conf podman "$@"
}

setup_file() {
	cd "$BATS_TEST_DIRNAME/../.." || return 1
	local tool t0 t1 t2 cached steps
	for tool in podman runc mmdebstrap jq; do
		command -v "$tool" >/dev/null ||
			{ echo "$tool is not installed: mk/deps.sh build (make deps) installs it" >&2; return 1; }
	done
	# One run of this file at a time on this machine: another one's build
	# would move the tags and prune what this one uses.
	exec {image_lock}>/run/lock/plugnet-image-test.lock
	flock -w 1800 "$image_lock" || { echo "another image.bats held /run/lock/plugnet-image-test.lock for 30 min" >&2; return 1; }
	printf '[containers]\ndefault_ulimits = []\n[engine]\nruntime = "runc"\n' >"$BATS_FILE_TMPDIR/containers.conf"

	t0=$(date +%s)
	if ! mk/base-images.sh >"$BATS_FILE_TMPDIR/base.log" 2>&1; then
		echo "mk/base-images.sh failed:" >&2
		tail -n 40 "$BATS_FILE_TMPDIR/base.log" >&2
		return 1
	fi
	t1=$(date +%s)
	if ! pm build -f deploy/Containerfile -t "$image" . >"$BATS_FILE_TMPDIR/build.log" 2>&1; then
		echo "podman build -f deploy/Containerfile failed; its last lines:" >&2
		tail -n 60 "$BATS_FILE_TMPDIR/build.log" >&2
		return 1
	fi
	t2=$(date +%s)
	# Tag the build stage (all cached now), then drop what earlier builds
	# left: untagged images made from mk/base-images.sh's images only.
	pm build -q --target build -f deploy/Containerfile -t "$image_build" . >>"$BATS_FILE_TMPDIR/build.log" 2>&1 &&
		pm image prune -f --filter label=org.plugnet.base-tarball >>"$BATS_FILE_TMPDIR/build.log" 2>&1 ||
		{ tail -n 20 "$BATS_FILE_TMPDIR/build.log" >&2; return 1; }
	cached=$(grep -c '^--> Using cache' "$BATS_FILE_TMPDIR/build.log" || true)
	steps=$(grep -c '^\[[0-9]/[0-9]\] STEP' "$BATS_FILE_TMPDIR/build.log" || true)
	printf '# note: base images in %d s (%s), image built in %d s (%d of %d steps from cache)\n' \
		$((t1 - t0)) "$(grep -q 'made .*tar in' "$BATS_FILE_TMPDIR/base.log" && echo made || echo cached)" \
		$((t2 - t1)) "$cached" "$steps" >&3
}

setup() {
	cd "$BATS_TEST_DIRNAME/../.." || return 1
	build=${PLUGNET_BUILD:-$PWD/build}
	tmp=$(mktemp -d /tmp/plugnet-image.XXXXXX)
	# The stand-in node: the DaemonSet's hostPath directories, under $tmp/host.
	host=$tmp/host
	ctr=plugnet-image-test-$$
	pin_root=/sys/fs/bpf/plugnet-test-image-$$
}

teardown() {
	if pm container exists "$ctr" 2>/dev/null; then
		echo "--- podman logs $ctr"
		pm logs "$ctr" 2>&1 || true
		pm rm -f -t 0 "$ctr" >/dev/null 2>&1 || true
	fi
	rm -rf "$tmp" "$pin_root"
}

# Run a command in the image (entry point replaced).
in_image() { # command [args...]
	pm run --rm --entrypoint "$1" "$image" "${@:2}"
}

# The DaemonSet's container $1 as podman runs it (tests/lib/pod_podman.py):
# sets opts (run options), entry, args, readiness, liveness and grace.
pod_container() { # name [pod_podman.py options...]
	local j
	j=$(/usr/bin/python3 tests/lib/pod_podman.py "$daemonset" "$1" "$host" "${@:2}") || return 1
	mapfile -t opts < <(jq -r '.options[]' <<<"$j")
	mapfile -t args < <(jq -r '.args[]' <<<"$j")
	mapfile -t readiness < <(jq -r '.readiness[]' <<<"$j")
	mapfile -t liveness < <(jq -r '.liveness[]' <<<"$j")
	entry=$(jq -r '.entrypoint' <<<"$j")
	grace=$(jq -r '.grace' <<<"$j")
}

# The node's primary network: a bridge conflist, as in tests/unit/deploy.bats.
node_network() {
	mkdir -p "$host/etc/cni/net.d"
	cat >"$host/etc/cni/net.d/10-bridge.conflist" <<-'JSON'
		{"cniVersion": "1.0.0", "name": "pods", "plugins": [
		  {"type": "bridge", "bridge": "cni0", "isGateway": true,
		   "ipam": {"type": "host-local", "subnet": "10.88.0.0/16"}},
		  {"type": "portmap", "capabilities": {"portMappings": true}}]}
	JSON
}

# The init container install-cni, run to completion; output in $output.
run_init() {
	pod_container install-cni
	run pm run --rm "${opts[@]}" --entrypoint "$entry" "$image" "${args[@]}"
	echo "$output"
}

# "KIND ID" of every BPF object process $1 holds an fd of.
held_objects() { # pid
	grep -h -E '^(prog|map|link)_id:' /proc/"$1"/fdinfo/* 2>/dev/null |
		sed -E 's/^(prog|map|link)_id:[[:space:]]*/\1 /' | sort -u
}

# "KIND ID" of every object pinned under $1.
pinned_objects() { # dir
	local f kind out
	while IFS= read -r f; do
		for kind in prog map link; do
			if out=$(bpftool -j "$kind" show pinned "$f" 2>/dev/null); then
				printf '%s %s\n' "$kind" "$(jq -er .id <<<"$out")"
				break
			fi
		done
	done < <(find "$1" -type f)
}

# Wait until none of the listed objects ("KIND ID" lines) is alive; print
# the ones still alive after 20 s.
objects_gone() { # list
	local kind id alive
	for _ in $(seq 40); do
		alive=
		while read -r kind id; do
			[ -n "$kind" ] || continue
			bpftool "$kind" show id "$id" >/dev/null 2>&1 && alive+="$kind $id "
		done <<<"$1"
		[ -z "$alive" ] && return 0
		sleep 0.5
	done
	echo "still alive: $alive"
	return 1
}

@test "the image holds what the Containerfile promises: binaries, install-cni.sh, configuration, the example catalog" {
	local want p f
	run in_image /usr/bin/find /usr/sbin/plugnetd /usr/bin/plugctl /usr/bin/plugnet-slot \
		/usr/lib/plugnet /etc/plugnet -printf '%m %y %p\n'
	echo "$output"
	[ "$status" -eq 0 ]
	# The catalog: every example program of the repository, drop-icmp,
	# src-counter and syn-limit among them, each object with its manifest.
	for p in drop-icmp src-counter syn-limit; do
		[ -f "bpf/examples/$p.bpf.c" ] && [ -f "bpf/examples/$p.json" ]
	done
	want=$(
		printf '%s\n' '755 f /usr/sbin/plugnetd' '755 f /usr/bin/plugctl' '755 f /usr/bin/plugnet-slot' \
			'755 d /usr/lib/plugnet' '755 d /usr/lib/plugnet/cni' '755 f /usr/lib/plugnet/cni/plugnet' \
			'755 f /usr/lib/plugnet/install-cni.sh' '755 d /etc/plugnet' '644 f /etc/plugnet/plugnetd.json' \
			'755 d /etc/plugnet/programs'
		for f in bpf/examples/*.bpf.c; do
			p=$(basename "$f" .bpf.c)
			printf '644 f /etc/plugnet/programs/%s\n' "$p.bpf.o" "$p.json"
		done
	)
	diff <(sort <<<"$want") <(sort <<<"$output")
	# Copied as they are in the repository.
	run in_image /usr/bin/sha256sum /etc/plugnet/plugnetd.json /usr/lib/plugnet/install-cni.sh \
		/etc/plugnet/programs/drop-icmp.json /etc/plugnet/programs/src-counter.json /etc/plugnet/programs/syn-limit.json
	[ "$status" -eq 0 ]
	diff <(sha256sum deploy/plugnetd.json deploy/install-cni.sh bpf/examples/drop-icmp.json \
		bpf/examples/src-counter.json bpf/examples/syn-limit.json | cut -d' ' -f1) <(cut -d' ' -f1 <<<"$output")
	# The objects are BPF ELF files.
	run in_image /bin/sh -c 'for f in /etc/plugnet/programs/*.bpf.o; do head -c 20 "$f" | od -An -tx1 | tr -d " \n"; echo; done'
	echo "$output"
	for f in "${lines[@]}"; do
		# ELF magic, 64-bit, little-endian; e_machine 0xf7 (EM_BPF).
		[[ $f == 7f454c460201* ]] && [ "${f:36:4}" = f700 ]
	done
	run pm image inspect --format '{{json .Config.Entrypoint}} {{json .Config.Cmd}}' "$image"
	[ "$output" = '["/usr/sbin/plugnetd"] ["--config","/etc/plugnet/plugnetd.json"]' ]
}

@test "the build context is the sources: no .git, .cache or build directory (.containerignore)" {
	# The build stage's /src is the context; build-image is the one the
	# Containerfile's make writes there.
	run pm run --rm --entrypoint /bin/ls "$image_build" -A /src
	echo "$output"
	[ "$status" -eq 0 ]
	[[ " ${lines[*]} " == *" Makefile "* ]]
	[[ " ${lines[*]} " == *" build-image "* ]]
	! grep -x -E '\.git|\.cache|build|build-.*|compile_commands\.json' <<<"$output" | grep -vx build-image || false
}

@test "every binary's shared libraries resolve inside the image" {
	local b
	for b in /usr/sbin/plugnetd /usr/bin/plugctl /usr/lib/plugnet/cni/plugnet; do
		run in_image /usr/bin/ldd "$b"
		echo "== ldd $b (exit $status)"
		echo "$output"
		[ "$status" -eq 0 ]
		[[ $output == *libc.so.6* ]]
		[[ $output != *"not found"* ]]
	done
	# plugnet-slot is static (docs/client.md): it needs no library at all.
	run in_image /usr/bin/ldd /usr/bin/plugnet-slot
	echo "$output"
	[[ $output == *"not a dynamic executable"* ]]
}

@test "plugnetd --version (the entry point), plugctl --help, plugnet-slot --help and the CNI plugin's VERSION run in the image" {
	run --separate-stderr pm run --rm "$image" --version
	echo "$output $stderr"
	[ "$status" -eq 0 ]
	[ "$output" = "$("$build/plugnetd" --version)" ]
	run in_image /usr/bin/plugctl --help
	echo "$output"
	[ "$status" -eq 0 ]
	[[ ${lines[0]} == "Usage: plugctl "* ]]
	run in_image /usr/bin/plugnet-slot --help
	[ "$status" -eq 0 ]
	[[ ${lines[0]} == "usage: plugnet-slot "* ]]
	run --separate-stderr pm run --rm -e CNI_COMMAND=VERSION --entrypoint /usr/lib/plugnet/cni/plugnet "$image"
	echo "$output $stderr"
	[ "$status" -eq 0 ]
	jq -e '.supportedVersions | index("1.1.0")' <<<"$output"
}

@test "init container: install-cni as the DaemonSet runs it installs the plugin on the node and chains it after the node's network" {
	local sum
	node_network
	cp "$host/etc/cni/net.d/10-bridge.conflist" "$tmp/orig"
	run_init
	[ "$status" -eq 0 ]
	[[ $output == *"installed /opt/cni/bin/plugnet"* ]]
	# The image's plugin, executable, on the node.
	sum=$(in_image /usr/bin/sha256sum /usr/lib/plugnet/cni/plugnet | cut -d' ' -f1)
	[ "$(sha256sum "$host/opt/cni/bin/plugnet" | cut -d' ' -f1)" = "$sum" ]
	[ "$(stat -c %a "$host/opt/cni/bin/plugnet")" = 755 ]
	# The chained list, beside the untouched primary.
	cmp "$tmp/orig" "$host/etc/cni/net.d/10-bridge.conflist"
	cat "$host/etc/cni/net.d/00-plugnet.conflist"
	jq -e '.name == "pods" and ([.plugins[].type] == ["bridge", "portmap", "plugnet"])
		and .plugins[2].capabilities == {"io.kubernetes.cri.pod-annotations": true}' \
		"$host/etc/cni/net.d/00-plugnet.conflist"
	[ "$(ls -A "$host/etc/cni/net.d" | tr '\n' ' ')" = "00-plugnet.conflist 10-bridge.conflist " ]
	# The pod's next start (a restart, an upgrade) changes nothing.
	run_init
	[ "$status" -eq 0 ]
	[[ $output == *"/opt/cni/bin/plugnet is up to date"*"00-plugnet.conflist is up to date"* ]]
	# The plugin it put on the node runs there, with the node's libraries.
	run --separate-stderr env CNI_COMMAND=VERSION "$host/opt/cni/bin/plugnet"
	[ "$status" -eq 0 ]
	jq -e '.supportedVersions | index("1.1.0")' <<<"$output"
}

@test "plugnetd as the DaemonSet runs it: the probes pass, the host's plugctl and the installed plugin reach it; SIGTERM leaves nothing behind" {
	local rc objects conf
	node_network
	run_init
	[ "$status" -eq 0 ]
	# The image's configuration, with a pin root of this test's own: the
	# pins are in the host's bpffs, which other tests share. Every other
	# path is in a directory the manifest mounts from the stand-in node.
	mkdir -p "$tmp/config"
	in_image /bin/cat /etc/plugnet/plugnetd.json |
		jq --arg p "$pin_root" '.pin_root = $p' >"$tmp/config/plugnetd.json"
	cat "$tmp/config/plugnetd.json"
	pod_container plugnetd --host /sys/fs/bpf=/sys/fs/bpf --volume "config=$tmp/config"
	[ ${#readiness[@]} -gt 0 ] && [ ${#liveness[@]} -gt 0 ]
	printf 'podman run %s\n' "${opts[*]} --entrypoint $entry $image ${args[*]}"
	pm run -d --name "$ctr" "${opts[@]}" --entrypoint "$entry" "$image" "${args[@]}"
	for _ in $(seq 100); do
		[ -S "$host/run/plugnet/admin.sock" ] && break
		[ "$(pm inspect --format '{{.State.Running}}' "$ctr")" = true ] || break
		sleep 0.1
	done
	[ -S "$host/run/plugnet/admin.sock" ] || { echo "no admin socket on the node"; false; }
	[ "$(stat -c %a "$host/run/plugnet/admin.sock")" = 600 ]
	[ "$(stat -c %a "$host/run/plugnet/plugnet.sock")" = 666 ]

	# The probes, as the kubelet runs them: exec in the container, exit 0.
	run pm exec "$ctr" "${readiness[@]}"
	echo "readiness: $output"
	[ "$status" -eq 0 ]
	[[ $output == *serving* ]]
	run pm exec "$ctr" "${liveness[@]}"
	[ "$status" -eq 0 ]
	# The host's plugctl, on the socket the node sees.
	run "$build/plugctl" --socket "$host/run/plugnet/admin.sock" status
	echo "host plugctl: $output"
	[ "$status" -eq 0 ]
	[[ $output == *serving* ]]
	# The plugin install-cni put on the node, as the runtime would run it.
	conf=$(jq -c --arg s "$host/run/plugnet/plugnet.sock" \
		'.plugins[-1] + {cniVersion: "1.1.0", name: .name, socket: $s}' "$host/etc/cni/net.d/00-plugnet.conflist")
	run --separate-stderr env CNI_COMMAND=STATUS "$host/opt/cni/bin/plugnet" <<<"$conf"
	echo "STATUS: $output $stderr"
	[ "$status" -eq 0 ]

	# What plugnetd holds and pinned, to be freed once it stopped and the pins went.
	objects=$({
		held_objects "$(pm inspect --format '{{.State.Pid}}' "$ctr")"
		pinned_objects "$pin_root"
	} | sort -u)
	echo "BPF objects: $(tr '\n' ' ' <<<"$objects")"
	[ -e "$pin_root/prog-index" ]
	grep -qx 'map [0-9]*' <<<"$objects"
	! grep -v -x '\(prog\|map\|link\) [0-9][0-9]*' <<<"$objects" || false

	# The kubelet's stop: SIGTERM, the grace period, then the container goes.
	pm stop -t "$grace" "$ctr"
	rc=$(pm inspect --format '{{.State.ExitCode}}' "$ctr")
	run pm logs "$ctr"
	echo "$output"
	[ "$rc" -eq 0 ]
	[[ $output == *"stopping; dispatchers and slots stay in place"* ]]
	pm rm "$ctr"
	! pm container exists "$ctr" || false
	# Sockets gone from the node; the pins stay for the next plugnetd, as
	# tests/host/plugnetd.bats expects of a SIGTERM; removing them frees all.
	[ -z "$(ls -A "$host/run/plugnet")" ]
	[ -d "$pin_root" ]
	rm -rf "$pin_root"
	objects_gone "$objects"
}
