#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Install the plugnet CNI plugin on a node and chain it after the node's
# primary network. Run by the DaemonSet's init container; safe to run again.
#
# 1. Copies the plugin ($PLUGNET_CNI_SRC) into $CNI_BIN_DIR, through a
#    temporary file and a rename, and only when it differs.
# 2. Takes the primary network: the first *.conflist, *.conf or *.json in
#    $CNI_NET_DIR (in the order container runtimes read them) that does not
#    already run plugnet. Writes $CNI_NET_DIR/$PLUGNET_CONFLIST: that network
#    with plugnet appended to its plugins (a single .conf becomes a list of
#    one plugin, as libcni reads it). The network keeps its name. The
#    primary's own file is never written to.
# 3. Rewrites the conflist only when its content changes.
#
# Fails (exit 1, one line naming the reason) when there is no primary
# network, when a file cannot be parsed, or when another network's file
# would be read before plugnet's, so that the runtime would not use it.
set -eu
# Runtimes sort the file names bytewise; so does the glob below, in C.
LC_ALL=C
export LC_ALL

: "${PLUGNET_CNI_SRC:=/usr/lib/plugnet/cni/plugnet}"
: "${CNI_BIN_DIR:=/opt/cni/bin}"
: "${CNI_NET_DIR:=/etc/cni/net.d}"
: "${PLUGNET_CONFLIST:=00-plugnet.conflist}"

say() { printf 'install-cni: %s\n' "$*" >&2; }
die() {
	say "$*"
	exit 1
}

command -v jq >/dev/null || die "jq is needed and not installed"
case $PLUGNET_CONFLIST in
*/* | "") die "PLUGNET_CONFLIST '$PLUGNET_CONFLIST' must be a file name" ;;
*.conflist) ;;
*) die "PLUGNET_CONFLIST '$PLUGNET_CONFLIST' must end in .conflist" ;;
esac
[ -f "$PLUGNET_CNI_SRC" ] || die "no plugin at '$PLUGNET_CNI_SRC'"
[ -d "$CNI_BIN_DIR" ] || die "no CNI binary directory '$CNI_BIN_DIR'"
[ -d "$CNI_NET_DIR" ] || die "no CNI configuration directory '$CNI_NET_DIR'"

# Replace dst with src's content unless equal, by renaming a copy made
# beside it (a running plugin keeps its old file, and no reader sees half).
replace() { # src dst mode
	if [ -f "$2" ] && cmp -s "$1" "$2"; then
		return 1
	fi
	cp "$1" "$2.plugnet-tmp"
	chmod "$3" "$2.plugnet-tmp"
	mv -f "$2.plugnet-tmp" "$2"
}

if replace "$PLUGNET_CNI_SRC" "$CNI_BIN_DIR/plugnet" 0755; then
	say "installed $CNI_BIN_DIR/plugnet"
else
	say "$CNI_BIN_DIR/plugnet is up to date"
fi

# Does this network configuration (file) run plugnet?
runs_plugnet() {
	jq -e 'any((.plugins // [.])[]; .type == "plugnet")' "$1" >/dev/null 2>&1
}

# The primary: the first network, in the order the runtime reads them.
primary=
for path in "$CNI_NET_DIR"/*; do
	f=${path##*/}
	case $f in
	*.conflist | *.conf | *.json) ;;
	*) continue ;;
	esac
	[ -f "$path" ] || continue
	[ "$f" = "$PLUGNET_CONFLIST" ] && continue
	jq -e 'type == "object"' "$path" >/dev/null 2>&1 ||
		die "'$path' is not a JSON object"
	runs_plugnet "$path" && continue
	primary=$path
	break
done
[ -n "$primary" ] ||
	die "no primary network in '$CNI_NET_DIR' (no *.conflist, *.conf or *.json without plugnet); install the cluster's network first"

plugin='{"type": "plugnet", "capabilities": {"io.kubernetes.cri.pod-annotations": true}}'
case $primary in
*.conflist) filter='if (.plugins | type) == "array" then .plugins += [$plugin] else error("no plugins array") end' ;;
*) filter='{cniVersion, name, plugins: [., $plugin]}' ;;
esac
tmp=$CNI_NET_DIR/.$PLUGNET_CONFLIST.new
trap 'rm -f "$tmp"' EXIT
jq --argjson plugin "$plugin" "$filter" "$primary" >"$tmp" 2>/dev/null ||
	die "cannot read the network in '$primary'"
jq -e '(.name | type) == "string"' "$tmp" >/dev/null || die "'$primary' names no network (no \"name\")"

if replace "$tmp" "$CNI_NET_DIR/$PLUGNET_CONFLIST" 0644; then
	say "wrote $CNI_NET_DIR/$PLUGNET_CONFLIST: '$primary' with plugnet appended"
else
	say "$CNI_NET_DIR/$PLUGNET_CONFLIST is up to date"
fi

# Runtimes use the first file only: ours must be it.
for path in "$CNI_NET_DIR"/*; do
	f=${path##*/}
	case $f in
	*.conflist | *.conf | *.json) ;;
	*) continue ;;
	esac
	[ -f "$path" ] || continue
	[ "$f" = "$PLUGNET_CONFLIST" ] ||
		die "'$path' is read before '$PLUGNET_CONFLIST', so the runtime would not run plugnet; set PLUGNET_CONFLIST to a name that sorts first"
	break
done
