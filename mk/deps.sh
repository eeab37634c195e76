#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Install what plugnet needs from Debian packages; does nothing when all is present.
#   mk/deps.sh build   compilers, libraries, host test tools (python3-prometheus-client:
#                      tests/lib/check_exposition.py reads the metrics with its parser;
#                      python3-yaml: tests/lib/check_deploy.py reads the Kubernetes
#                      manifests; jq: deploy/install-cni.sh, tested in tests/unit/deploy.bats;
#                      podman, crun: tests/vm/podman.bats runs containers with them;
#                      mmdebstrap, runc: tests/host/image.bats makes the node image's base
#                      images from Debian's archive (mk/base-images.sh), then builds and runs
#                      the image with podman and runc)
#   mk/deps.sh vm      qemu, busybox and the guest kernel (unpacked, never installed)
#   mk/deps.sh missing build|vm   only print the group's missing packages, on one line
set -euo pipefail

build_pkgs=(
	make gcc clang llvm pkg-config bpftool
	libbpf-dev libelf-dev zlib1g-dev libssl-dev
	libnl-3-dev libnl-route-3-dev libcjson-dev libcurl4-openssl-dev libmicrohttpd-dev
	libcmocka-dev bats shellcheck iproute2 iputils-ping curl containernetworking-plugins
	xdp-tools libxdp-dev
	python3-prometheus-client python3-yaml jq
	podman crun mmdebstrap runc
)
# kmod: depmod for the unpacked kernel, and modprobe inside the guest (which runs the host's binaries).
vm_pkgs=(qemu-system-x86 busybox-static cpio kmod)

say() { printf 'deps: %s\n' "$*" >&2; }

missing() {
	local p
	for p in "$@"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
			printf '%s\n' "$p"
	done
}

install_pkgs() {
	local need
	mapfile -t need < <(missing "$@")
	[ "${#need[@]}" -eq 0 ] && return 0
	if [ "$(id -u)" -ne 0 ]; then
		say "missing packages: ${need[*]} (run as root, or install them yourself)"
		exit 1
	fi
	say "installing: ${need[*]}"
	export DEBIAN_FRONTEND=noninteractive
	# A fresh machine may have never fetched package lists.
	apt-get update -qq >&2
	apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
}

case "${1:-build}" in
missing)
	case ${2:-} in
	build) mapfile -t need < <(missing "${build_pkgs[@]}") ;;
	vm) mapfile -t need < <(missing "${vm_pkgs[@]}") ;;
	*) say "missing: unknown group '${2:-}' (expected: build, vm)"; exit 2 ;;
	esac
	printf '%s\n' "${need[*]}"
	;;
build) install_pkgs "${build_pkgs[@]}" ;;
vm)
	install_pkgs "${vm_pkgs[@]}"
	"$(dirname "$0")/../tests/vm/fetch-kernel"
	;;
*)
	say "unknown group '$1' (expected: build, vm)"
	exit 2
	;;
esac
