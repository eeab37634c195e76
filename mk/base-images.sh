#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Make the base images deploy/Containerfile names, debian:bookworm and
# debian:bookworm-slim, from Debian's package archive, for a machine that
# reaches the archive but no container registry. As root; needs mmdebstrap
# and podman (mk/deps.sh build installs both).
#
#   mk/base-images.sh         make both (when missing or stale); print their names
#
# One mmdebstrap run (variant minbase, merged /usr, as the official images
# are made) gives the root file system of debian:bookworm. debian:bookworm-slim
# is the same tree with the documentation, manual pages and locales removed,
# and a dpkg configuration that keeps them out of later installs, as the
# official slim images do. Both trees are kept as tarballs in
# $PLUGNET_IMAGE_CACHE (.cache/images), in a directory named by a hash of
# this script (the recipe) and mmdebstrap's version; they are made again
# when the recipe changes or when they are older than
# $PLUGNET_BASE_MAX_AGE_DAYS (30) days, so that the archive's updates come
# in. `podman import` makes localhost/debian:bookworm(-slim) from them,
# labelled with the tarball's SHA-256, and is skipped when the image
# already holds that tarball. podman resolves FROM debian:bookworm to them
# (unless a docker.io/library/debian:bookworm was pulled), so
# `podman build -f deploy/Containerfile` uses them unchanged.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
suite=bookworm
max_age=${PLUGNET_BASE_MAX_AGE_DAYS:-30}
label=org.plugnet.base-tarball
say() { printf 'base-images: %s\n' "$*" >&2; }
die() {
	say "$*"
	exit 1
}

[ "$(id -u)" -eq 0 ] || die "needs root (mmdebstrap's root mode, and root's podman storage)"
for tool in mmdebstrap podman sha256sum; do
	command -v "$tool" >/dev/null || die "$tool is not installed (mk/deps.sh build installs it)"
done

key=$({ cat "$0"; mmdebstrap --version; } | sha256sum | cut -c1-16)
images=${PLUGNET_IMAGE_CACHE:-$root/.cache/images}
cache=$images/$suite-$key
mkdir -p "$images"

# Paths the slim images leave out (dpkg's path-exclude/path-include, in order).
slim_filter='path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/lintian/overrides/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/man/*'

# Remove from a tree what slim_filter excludes, and keep it out of later installs.
slimify() { # dir
	local d=$1 sub
	printf '# The "slim" variant: files containers do not need are left out.\n%s\n' \
		"$slim_filter" >"$d/etc/dpkg/dpkg.cfg.d/slim"
	if [ -d "$d/usr/share/doc" ]; then
		find "$d/usr/share/doc" -mindepth 1 ! -type d ! -name copyright -delete
	fi
	for sub in groff info linda lintian/overrides locale man; do
		[ -d "$d/usr/share/$sub" ] || continue
		find "$d/usr/share/$sub" -mindepth 1 ! -type d -delete
		find "$d/usr/share/$sub" -mindepth 1 -depth -type d -empty -delete
	done
	find "$d/usr/share/doc" -mindepth 1 -depth -type d -empty -delete 2>/dev/null || true
}

# Is the cached pair there and young enough?
fresh() {
	[ -f "$cache/$suite.tar" ] && [ -f "$cache/$suite-slim.tar" ] &&
		[ -z "$(find "$cache/$suite.tar" -mtime "+$max_age")" ]
}

make_tarballs() {
	local tmp start try fd
	start=$(date +%s)
	# Older recipes' tarballs are of no more use.
	find "$images" -mindepth 1 -maxdepth 1 -name "$suite-*" ! -name "$suite-$key" -exec rm -rf {} +
	rm -rf "$cache"
	tmp=$(mktemp -d "$images/.make.XXXXXX")
	# shellcheck disable=SC2064 # expand now: tmp is local
	trap "rm -rf --one-file-system '$tmp'" EXIT
	say "making the root file system of debian:$suite with mmdebstrap (variant minbase)"
	# force-unsafe-io: no fsync for every unpacked file (the official images
	# keep it too). The host's resolv.conf and hostname stay out: podman
	# mounts its own.
	# A second try when the first fails: a mirror in the middle of an update
	# answers a download with an error now and then.
	# mmdebstrap has apt run `cat >&N` through /bin/sh with N its pipe's fd,
	# and dash reads no fd number over 9: it runs with no fd open but 0, 1
	# and 2, so that N stays low (bats, for one, leaves 3 to 5, 10 and 251 open).
	for try in 1 2; do
		rm -rf --one-file-system "$tmp/root"
		(
			for fd in /proc/"$BASHPID"/fd/*; do
				fd=${fd##*/}
				[ "$fd" -le 2 ] || [ "$fd" -ge 255 ] || eval "exec $fd>&-"
			done
			exec mmdebstrap --variant=minbase --mode=root \
				--hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
				--dpkgopt=force-unsafe-io \
				--customize-hook='rm -f "$1/etc/resolv.conf" "$1/etc/hostname"' \
				"$suite" "$tmp/root"
		) </dev/null >"$tmp/mmdebstrap.log" 2>&1 && break
		{ grep -E '^(E|W): ' "$tmp/mmdebstrap.log" || tail -n 30 "$tmp/mmdebstrap.log"; } | tail -n 30 >&2
		[ "$try" -eq 1 ] || die "mmdebstrap failed twice (its errors above)"
		say "mmdebstrap failed; trying once more in 10 s"
		sleep 10
	done
	tar --numeric-owner --sort=name -C "$tmp/root" -cf "$tmp/$suite.tar" .
	slimify "$tmp/root"
	tar --numeric-owner --sort=name -C "$tmp/root" -cf "$tmp/$suite-slim.tar" .
	mkdir -p "$cache"
	mv "$tmp/$suite.tar" "$tmp/$suite-slim.tar" "$cache/"
	rm -rf --one-file-system "$tmp"
	trap - EXIT
	say "made $cache/{$suite,$suite-slim}.tar in $(($(date +%s) - start)) s"
}

# Import a tarball as the named image unless the image holds it already.
import() { # tarball name
	local sum have old
	sum=$(sha256sum "$1" | cut -d' ' -f1)
	have=$(podman image inspect --format "{{index .Labels \"$label\"}}" "$2" 2>/dev/null || true)
	if [ "$have" = "$sum" ]; then
		say "$2 is up to date"
		return 0
	fi
	old=$(podman image inspect --format '{{.Id}}' "$2" 2>/dev/null || true)
	say "importing $1 as $2"
	podman import --quiet --change "LABEL $label=$sum" --change 'CMD ["bash"]' \
		--message "mk/base-images.sh: $suite from Debian's archive (mmdebstrap)" "$1" "$2" >/dev/null
	# The image this one replaces, unless something still uses it.
	[ -z "$old" ] || podman rmi "$old" >/dev/null 2>&1 || true
}

exec 9>"$images/.lock"
flock 9
fresh || make_tarballs
import "$cache/$suite.tar" "localhost/debian:$suite"
import "$cache/$suite-slim.tar" "localhost/debian:$suite-slim"
printf '%s\n' "localhost/debian:$suite" "localhost/debian:$suite-slim"
