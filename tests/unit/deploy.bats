#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# deploy/: the Kubernetes manifests and the Containerfile, checked
# statically (no cluster, no image build); `make install` into a scratch
# DESTDIR; the systemd unit through systemd-analyze; install-cni.sh against
# sample CNI configurations. No privileges needed.

setup() {
	cd "$BATS_TEST_DIRNAME/../.." || return 1
	root=$PWD
	# make wants the build directory as the build named it (relative).
	build=${PLUGNET_BUILD:-$root/build}
	build=${build#"$root"/}
	tmp=$(mktemp -d "${BATS_TMPDIR:-/tmp}/plugnet-deploy.XXXXXX")
	py=/usr/bin/python3
}

teardown() {
	rm -rf "$tmp"
}

# make install with the given variables, quietly; output shown on failure.
install_to() { # make variables...
	run make -s --no-print-directory BUILD="$build" install "$@"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
}

# Every file and directory under $1, with its mode, relative to $1.
listing() {
	(cd "$1" && find . -mindepth 1 -printf '%m %p\n' | sort -k2)
}

@test "manifests: every YAML parses and the DaemonSet has what plugnetd needs" {
	run "$py" tests/lib/check_deploy.py manifests deploy/kubernetes deploy/plugnetd.json
	[ "$status" -eq 0 ] || { echo "$output"; false; }
}

@test "manifests: the checker names what a broken DaemonSet lacks" {
	cp -r deploy/kubernetes "$tmp/k"
	sed -i -e 's/hostPID: true/hostPID: false/' -e 's|mountPath: /run/netns|mountPath: /elsewhere|' \
		-e 's/name: plugnetd-config$/name: nosuch-config/' "$tmp/k/daemonset.yaml"
	run "$py" tests/lib/check_deploy.py manifests "$tmp/k" deploy/plugnetd.json
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"hostPID is not true"* ]]
	[[ $output == *"nothing mounted at /run/netns"* ]]
	[[ $output == *"ConfigMap 'nosuch-config' is not among the manifests"* ]]
}

@test "manifests: liveness fails only when plugnetd cannot be reached (plugctl exit 3)" {
	local cmd rc
	cmd=$("$py" -c 'import sys, yaml
for d in yaml.safe_load_all(open("deploy/kubernetes/daemonset.yaml")):
    c = d["spec"]["template"]["spec"]["containers"][0]
    e = c["livenessProbe"]["exec"]["command"]
    assert e[:2] == ["/bin/sh", "-c"], e
    print(e[2])')
	[[ $cmd == *"/usr/bin/plugctl status"* ]]
	for rc in 0 1 3 4; do
		printf '#!/bin/sh\nexit %s\n' "$rc" >"$tmp/plugctl"
		chmod +x "$tmp/plugctl"
		run sh -c "${cmd//\/usr\/bin\/plugctl/$tmp/plugctl}"
		if [ "$rc" -eq 3 ]; then
			[ "$status" -ne 0 ] || { echo "alive with plugctl exit 3"; false; }
		else
			[ "$status" -eq 0 ] || { echo "dead with plugctl exit $rc"; false; }
		fi
	done
}

@test "Containerfile: two stages from Debian 12, every COPY source exists" {
	run "$py" tests/lib/check_deploy.py containerfile deploy/Containerfile
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	echo "$output" >&3
	cp deploy/Containerfile "$tmp/Containerfile"
	mkdir -p "$tmp/deploy" && cp "$tmp/Containerfile" "$tmp/deploy/"
	printf 'COPY deploy/nosuch.sh /x\n' >>"$tmp/deploy/Containerfile"
	run "$py" tests/lib/check_deploy.py containerfile "$tmp/deploy/Containerfile"
	[ "$status" -eq 1 ]
	[[ $output == *"COPY source 'deploy/nosuch.sh' is not in the repository"* ]]
}

# The packages one stage's `apt-get install` names, one a line.
stage_packages() { # 1 (build) or 2 (runtime)
	awk -v want="$1" '/^FROM /{n++} n==want' deploy/Containerfile | sed 's/\\$//' | tr '\n' ' ' |
		sed -n 's/.*--no-install-recommends\(.*\)&& rm -rf.*/\1/p' | tr -s ' ' '\n' | sed '/^$/d'
}

@test "Containerfile: its packages are Debian 12's, and the runtime's cover every library the binaries link" {
	local pkgs p lib path owner
	pkgs=$(stage_packages 2)
	[ -n "$pkgs" ]
	# The -dev packages depend on the runtime libraries: all are installed here.
	for p in $pkgs $(stage_packages 1); do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			{ echo "package '$p' is not a Debian package installed here"; false; }
	done
	# Build-stage packages come from mk/deps.sh's build group (and libc's headers).
	for p in $(stage_packages 1); do
		[ "$p" = libc6-dev ] || grep -qw -- "$p" mk/deps.sh || { echo "'$p' is not in mk/deps.sh"; false; }
	done
	for bin in plugnetd plugctl plugnet; do
		for lib in $(readelf -d "$build/$bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
			path=$(ldconfig -p | awk -v l="$lib" '$1 == l {print $NF; exit}')
			[ -n "$path" ] || { echo "$bin: $lib not found"; false; }
			owner=$(dpkg -S "$(readlink -f "$path")" 2>/dev/null || dpkg -S "$path")
			owner=${owner%%:*}
			[ "$owner" = libc6 ] || grep -qx -- "$owner" <<<"$pkgs" ||
				{ echo "$bin needs $lib from $owner, which the runtime stage does not install"; false; }
		done
	done
}

@test "Containerfile: its install puts every file the image and the DaemonSet run" {
	local cmd
	cmd=$(sed 's/\\$//' deploy/Containerfile | tr '\n' ' ' |
		grep -o 'install  *DESTDIR=[^ ]*  *PREFIX=[^ ]*  *CNI_BINDIR=[^ ]*')
	[ -n "$cmd" ] || { echo "no make install line in the Containerfile"; false; }
	read -r -a vars <<<"${cmd#install}"
	vars=("${vars[@]/#DESTDIR=*/DESTDIR=$tmp/stage}")
	install_to "${vars[@]}"
	for f in /usr/sbin/plugnetd /usr/bin/plugctl /usr/lib/plugnet/cni/plugnet /etc/plugnet/plugnetd.json; do
		[ -f "$tmp/stage$f" ] || { echo "the image has no $f"; false; }
	done
	[ -d "$tmp/stage/etc/plugnet/programs" ]
	grep -q '^ENTRYPOINT \["/usr/sbin/plugnetd"\]' deploy/Containerfile
	grep -q 'COPY deploy/install-cni.sh /usr/lib/plugnet/install-cni.sh' deploy/Containerfile
	grep -q '"/usr/lib/plugnet/install-cni.sh"' deploy/kubernetes/daemonset.yaml
	grep -q 'value: /usr/lib/plugnet/cni/plugnet' deploy/kubernetes/daemonset.yaml
}

@test "plugnetd.json: plugnetd accepts the default configuration" {
	# Its paths moved into the scratch directory, which is no bpffs: plugnetd
	# gets past the configuration and stops at the pin root.
	jq --arg t "$tmp" '.workload_socket = $t + "/run/plugnet.sock" | .admin_socket = $t + "/run/admin.sock"
		| .pin_root = $t + "/pins" | .state_dir = $t + "/state" | .catalog_dir = $t + "/programs"' \
		deploy/plugnetd.json >"$tmp/plugnetd.json"
	run timeout 10 "$build/plugnetd" --config "$tmp/plugnetd.json"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output != *"config '"* ]]
	[[ $output == *"pin root '$tmp/pins'"* ]]
}

@test "make install: the files, their modes, and ExecStart at the installed plugnetd" {
	install_to DESTDIR="$tmp/root" PREFIX=/usr
	run listing "$tmp/root"
	echo "$output"
	[ "$output" = "$(printf '%s\n' \
		'755 ./etc' '755 ./etc/plugnet' '644 ./etc/plugnet/plugnetd.json' '755 ./etc/plugnet/programs' \
		'644 ./etc/plugnet/programs/drop-icmp.bpf.o' '644 ./etc/plugnet/programs/drop-icmp.json' \
		'644 ./etc/plugnet/programs/src-counter.bpf.o' '644 ./etc/plugnet/programs/src-counter.json' \
		'644 ./etc/plugnet/programs/syn-limit.bpf.o' '644 ./etc/plugnet/programs/syn-limit.json' \
		'755 ./opt' '755 ./opt/cni' '755 ./opt/cni/bin' '755 ./opt/cni/bin/plugnet' \
		'755 ./usr' '755 ./usr/bin' '755 ./usr/bin/plugctl' '755 ./usr/bin/plugnet-slot' '755 ./usr/lib' '755 ./usr/lib/systemd' \
		'755 ./usr/lib/systemd/system' '644 ./usr/lib/systemd/system/plugnetd.service' \
		'755 ./usr/sbin' '755 ./usr/sbin/plugnetd')" ]
	cmp deploy/plugnetd.json "$tmp/root/etc/plugnet/plugnetd.json"
	run grep '^ExecStart=' "$tmp/root/usr/lib/systemd/system/plugnetd.service"
	[ "$output" = "ExecStart=/usr/sbin/plugnetd --config /etc/plugnet/plugnetd.json" ]
	! grep -q @ "$tmp/root/usr/lib/systemd/system/plugnetd.service" || false
	"$tmp/root/usr/sbin/plugnetd" --version
}

@test "make install: ExecStart follows PREFIX" {
	install_to DESTDIR="$tmp/root" PREFIX=/usr/local
	run grep '^ExecStart=' "$tmp/root/usr/local/lib/systemd/system/plugnetd.service"
	[ "$output" = "ExecStart=/usr/local/sbin/plugnetd --config /etc/plugnet/plugnetd.json" ]
	[ -x "$tmp/root/usr/local/sbin/plugnetd" ]
	[ -x "$tmp/root/usr/local/bin/plugctl" ]
	[ -x "$tmp/root/opt/cni/bin/plugnet" ]
}

@test "make install: a second install keeps a changed configuration and replaces the rest" {
	install_to DESTDIR="$tmp/root" PREFIX=/usr
	printf '{"uplinks": [{"ifname": "eth0", "slot_quota": 2}]}\n' >"$tmp/root/etc/plugnet/plugnetd.json"
	printf 'old\n' >"$tmp/root/usr/sbin/plugnetd"
	install_to DESTDIR="$tmp/root" PREFIX=/usr
	[ "$(cat "$tmp/root/etc/plugnet/plugnetd.json")" = '{"uplinks": [{"ifname": "eth0", "slot_quota": 2}]}' ]
	[[ $output == *"keeping the existing"*"plugnetd.json"* ]]
	cmp "$build/plugnetd" "$tmp/root/usr/sbin/plugnetd"
}

@test "make install: the example catalog, when the build made one" {
	# A stand-in build directory: the binaries, and two example programs.
	mkdir -p "$tmp/b/bpf/examples"
	cp "$build/plugnetd" "$build/plugctl" "$build/plugnet" "$tmp/b/"
	printf 'obj' >"$tmp/b/bpf/examples/drop-icmp.bpf.o"
	printf '{"program": "xdp_drop_icmp"}' >"$tmp/b/bpf/examples/drop-icmp.json"
	run make -s --no-print-directory BUILD="$tmp/b" -o "$tmp/b/plugnetd" -o "$tmp/b/plugctl" \
		-o "$tmp/b/plugnet" install DESTDIR="$tmp/root" PREFIX=/usr
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run listing "$tmp/root/etc/plugnet/programs"
	[ "$output" = "$(printf '%s\n' '644 ./drop-icmp.bpf.o' '644 ./drop-icmp.json')" ]
}

@test "systemd unit: systemd-analyze verify passes on the installed unit" {
	if ! command -v systemd-analyze >/dev/null; then
		skip "systemd-analyze is not installed (package systemd): the unit is not verified"
	fi
	install_to DESTDIR="$tmp/root" PREFIX=/usr
	# --root checks ExecStart inside the tree; it needs the targets the unit names.
	local u
	for u in sysinit.target basic.target shutdown.target multi-user.target network-pre.target; do
		cp "/usr/lib/systemd/system/$u" "$tmp/root/usr/lib/systemd/system/"
	done
	run systemd-analyze verify --root="$tmp/root" "$tmp/root/usr/lib/systemd/system/plugnetd.service"
	echo "$output"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

# --- install-cni.sh ------------------------------------------------------------

cni_setup() {
	mkdir -p "$tmp/bin" "$tmp/net.d"
	printf 'plugin v1\n' >"$tmp/plugnet"
}

install_cni() {
	run env PLUGNET_CNI_SRC="$tmp/plugnet" CNI_BIN_DIR="$tmp/bin" CNI_NET_DIR="$tmp/net.d" \
		sh deploy/install-cni.sh
}

bridge_conflist() {
	cat >"$tmp/net.d/10-bridge.conflist" <<-'JSON'
		{"cniVersion": "1.0.0", "name": "pods", "plugins": [
		  {"type": "bridge", "bridge": "cni0", "isGateway": true,
		   "ipam": {"type": "host-local", "subnet": "10.88.0.0/16"}},
		  {"type": "portmap", "capabilities": {"portMappings": true}}]}
	JSON
}

@test "install-cni.sh: chains plugnet after a bridge conflist, leaving the original alone" {
	cni_setup
	bridge_conflist
	printf 'not a network\n' >"$tmp/net.d/README"
	cp "$tmp/net.d/10-bridge.conflist" "$tmp/orig"
	install_cni
	echo "$output"
	[ "$status" -eq 0 ]
	cmp "$tmp/plugnet" "$tmp/bin/plugnet"
	[ "$(stat -c %a "$tmp/bin/plugnet")" = 755 ]
	cmp "$tmp/orig" "$tmp/net.d/10-bridge.conflist"
	jq -e '.name == "pods" and .cniVersion == "1.0.0"
		and ([.plugins[].type] == ["bridge", "portmap", "plugnet"])
		and .plugins[0].ipam.subnet == "10.88.0.0/16"
		and .plugins[2].capabilities == {"io.kubernetes.cri.pod-annotations": true}' \
		"$tmp/net.d/00-plugnet.conflist"
	[ "$(stat -c %a "$tmp/net.d/00-plugnet.conflist")" = 644 ]
	[ "$(ls -A "$tmp/net.d" | tr '\n' ' ')" = "00-plugnet.conflist 10-bridge.conflist README " ]
}

@test "install-cni.sh: a single ptp .conf becomes a list of it and plugnet" {
	cni_setup
	printf '%s\n' '{"cniVersion": "0.4.0", "name": "ptpnet", "type": "ptp", "ipMasq": true,' \
		'"ipam": {"type": "host-local", "subnet": "10.1.1.0/24"}}' >"$tmp/net.d/20-ptp.conf"
	cp "$tmp/net.d/20-ptp.conf" "$tmp/orig"
	install_cni
	echo "$output"
	[ "$status" -eq 0 ]
	cmp "$tmp/orig" "$tmp/net.d/20-ptp.conf"
	jq -e '.name == "ptpnet" and .cniVersion == "0.4.0"
		and ([.plugins[].type] == ["ptp", "plugnet"])
		and .plugins[0].ipMasq == true and .plugins[0].ipam.subnet == "10.1.1.0/24"' \
		"$tmp/net.d/00-plugnet.conflist"
}

@test "install-cni.sh: a second run changes nothing; a new plugin or primary is picked up" {
	cni_setup
	bridge_conflist
	install_cni
	[ "$status" -eq 0 ]
	touch -d '2000-01-01' "$tmp/net.d/00-plugnet.conflist" "$tmp/bin/plugnet"
	cp "$tmp/net.d/00-plugnet.conflist" "$tmp/first"
	install_cni
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"is up to date"*"is up to date"* ]]
	cmp "$tmp/first" "$tmp/net.d/00-plugnet.conflist"
	[ "$(stat -c %Y "$tmp/net.d/00-plugnet.conflist")" = "$(date -d 2000-01-01 +%s)" ]
	[ "$(stat -c %Y "$tmp/bin/plugnet")" = "$(date -d 2000-01-01 +%s)" ]
	[ "$(ls -A "$tmp/net.d" | tr '\n' ' ')" = "00-plugnet.conflist 10-bridge.conflist " ]
	# A new plugin build and a changed primary network replace what was written.
	printf 'plugin v2\n' >"$tmp/plugnet"
	sed -i 's/10.88.0.0/10.99.0.0/' "$tmp/net.d/10-bridge.conflist"
	install_cni
	[ "$status" -eq 0 ]
	cmp "$tmp/plugnet" "$tmp/bin/plugnet"
	jq -e '.plugins[0].ipam.subnet == "10.99.0.0/16" and (.plugins | length) == 3' "$tmp/net.d/00-plugnet.conflist"
}

@test "install-cni.sh: a network that runs plugnet already is not the primary" {
	cni_setup
	bridge_conflist
	printf '{"cniVersion": "1.0.0", "name": "mine", "plugins": [{"type": "ptp"}, {"type": "plugnet"}]}\n' \
		>"$tmp/net.d/05-mine.conflist"
	install_cni
	echo "$output"
	[ "$status" -eq 0 ]
	jq -e '.name == "pods"' "$tmp/net.d/00-plugnet.conflist"
}

@test "install-cni.sh: no primary network is an error, and writes no conflist" {
	cni_setup
	install_cni
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"no primary network in '$tmp/net.d'"* ]]
	[ ! -e "$tmp/net.d/00-plugnet.conflist" ]
	# A directory with only plugnet's own list has no primary either.
	printf '{"cniVersion": "1.0.0", "name": "x", "plugins": [{"type": "plugnet"}]}\n' \
		>"$tmp/net.d/00-plugnet.conflist"
	install_cni
	[ "$status" -eq 1 ]
	[[ $output == *"no primary network"* ]]
}

@test "install-cni.sh: a broken primary or one read before plugnet's list is an error" {
	cni_setup
	printf '{"name": "x", "plugins": [' >"$tmp/net.d/10-broken.conflist"
	install_cni
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"'$tmp/net.d/10-broken.conflist' is not a JSON object"* ]]
	rm "$tmp/net.d/10-broken.conflist"
	bridge_conflist
	mv "$tmp/net.d/10-bridge.conflist" "$tmp/net.d/00-bridge.conflist"
	install_cni
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"'$tmp/net.d/00-bridge.conflist' is read before '00-plugnet.conflist'"* ]]
}
