#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Resolve the test kernels and fetch their images into a cache.
#
#   scripts/kernels.sh version SERIES   print the concrete kernel release (e.g. 6.1.0-56-amd64)
#   scripts/kernels.sh fetch   SERIES   download + extract the image into $EXECBAN_CACHE/kernels/
#   scripts/kernels.sh dir     SERIES   print the extracted tree (fetching it first if needed)
#   scripts/kernels.sh apt     SERIES apt-get|apt-cache ARG...
#                                       run apt against the archive that carries that kernel
#
# SERIES is 6.1 or 6.12 (Debian 12's kernels, from the host's own apt sources), sid (the newest
# kernel of Debian unstable: what its linux-image-amd64 depends on), X.Y (the newest X.Y.N that
# sid carries, e.g. 7.2), or a full release as uname -r prints it (DKMS builds for installed
# kernels), taken as it is.
#
# The concrete version is resolved from Debian's meta-package every time, so a security update of
# linux-image-amd64 is picked up. The image is never installed on the host: apt-get download +
# dpkg-deb -x into the cache only. Kernels from sid come through a private apt state in
# $EXECBAN_CACHE/apt-sid (its own sources.list, package lists and no dpkg status): the host's
# /etc/apt is never touched. Its lists are refreshed when older than a day, or once when a
# resolution fails. Sid splits the image into linux-image-REL (empty), linux-binary-REL
# (vmlinuz), linux-modules-REL and linux-base-REL (config, System.map), all below
# usr/lib/modules/REL: the extracted tree is laid out like Debian 12's (boot/vmlinuz-REL,
# lib/modules/REL), which is what tests/vm/run and scripts/vmlinux.sh expect.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${EXECBAN_CACHE:-$top/.cache}
me=kernels.sh

die() { echo "$me: $*" >&2; exit 1; }

# --- apt: the host's, or the private state for sid ------------------------------------------
sid_state=$cache/apt-sid
sid_mirror=${EXECBAN_SID_MIRROR:-http://deb.debian.org/debian}
sid_opts=(
	-o "Dir::Etc::sourcelist=$sid_state/etc/sources.list" -o Dir::Etc::sourceparts=-
	-o "Dir::State::Lists=$sid_state/lists" -o "Dir::Cache=$sid_state/cache"
	-o Dir::State::status=/dev/null -o APT::Sandbox::User=root
)

# sid_update [force]: refresh the private lists if they are missing, older than a day, or forced.
sid_update() {
	local stamp=$sid_state/.updated
	mkdir -p "$sid_state/lists/partial" "$sid_state/cache/archives/partial" "$sid_state/etc"
	(
		flock 9
		# Another caller may have refreshed while this one waited for the lock.
		if [ "${1:-}" = force ] && [ -n "$(find "$stamp" -mmin -1 2>/dev/null)" ]; then exit 0; fi
		if [ "${1:-}" != force ] && [ -n "$(find "$stamp" -mmin -1440 2>/dev/null)" ]; then exit 0; fi
		echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $sid_mirror sid main" \
			>"$sid_state/etc/sources.list"
		echo "$me: refreshing the package lists of sid ($sid_state)" >&2
		apt-get "${sid_opts[@]}" -qq update >&2 || { echo "$me: apt-get update of sid failed" >&2; exit 1; }
		touch "$stamp"
	) 9>"$sid_state/.lock"
}

# sid_apt apt-get|apt-cache ARG...: apt with the private state (lists refreshed if stale).
sid_apt() {
	sid_update || return 1
	"$1" "${sid_opts[@]}" "${@:2}"
}

# is_sid SERIES|RELEASE: does this kernel come from sid? Series: anything but 6.1 and 6.12.
# Release: when the host's apt does not know its image and sid's does.
is_sid() {
	case "$1" in
	6.1 | 6.12) return 1 ;;
	*-*)
		! apt-cache show "linux-image-$1" >/dev/null 2>&1 || return 1
		sid_apt apt-cache show "linux-image-$1" >/dev/null 2>&1 ||
			{ sid_update force && sid_apt apt-cache show "linux-image-$1" >/dev/null 2>&1; }
		;;
	sid | [0-9]*.[0-9]*) return 0 ;;
	*) return 1 ;;
	esac
}

# kapt SERIES|RELEASE apt-get|apt-cache ARG...: apt against the archive of that kernel.
kapt() {
	local k=$1
	shift
	if is_sid "$k"; then sid_apt "$@"; else "$@"; fi
}

# --- resolving a series to a release --------------------------------------------------------
# meta_depends APT... META: the first linux-image-* package META depends on.
meta_depends() {
	local meta=${*: -1}
	{ "${@:1:$#-1}" depends "$meta" 2>/dev/null || true; } |
		awk '/Depends: linux-image-/ && p == "" {p = $2} END {print p}'
}

# sid_image SERIES: the image package of sid for sid or X.Y, or nothing.
sid_image() {
	local pkg s=$1 re
	pkg=$(meta_depends sid_apt apt-cache linux-image-amd64)
	if [ "$s" = sid ]; then
		echo "$pkg"
		return
	fi
	# X.Y: the meta package's when it is of that series, else the newest X.Y.N+debNN-amd64.
	re="^linux-image-${s//./\\.}\\.[0-9]+(\\+deb[0-9]+)?-amd64\$"
	if [[ "$pkg" =~ $re ]]; then
		echo "$pkg"
		return
	fi
	{ sid_apt apt-cache pkgnames "linux-image-$s." 2>/dev/null || true; } |
		{ grep -E "$re" || true; } | sort -V | awk '{p = $0} END {print p}'
}

# linux-image-amd64 -> linux-image-6.1.0-56-amd64 -> 6.1.0-56-amd64. A full release (as uname
# -r prints it: DKMS builds for installed kernels) is taken as it is.
release_of() {
	local pkg
	case "$1" in
	*-*) echo "$1"; return ;;
	6.1) pkg=$(meta_depends apt-cache linux-image-amd64) ;;
	6.12) pkg=$(meta_depends apt-cache linux-image-6.12-amd64) ;;
	sid | [0-9]*.[0-9]*)
		pkg=$(sid_image "$1")
		if [ -z "$pkg" ]; then
			# Lists a day old may miss a new series: refresh once and retry.
			sid_update force || true
			pkg=$(sid_image "$1")
		fi
		[ -n "$pkg" ] || die "sid has no linux-image for '$1' (its lists: $sid_state)"
		echo "${pkg#linux-image-}"
		return
		;;
	*) echo "$me: unknown test kernel '$1' (expected 6.1, 6.12, sid, X.Y or a release)" >&2; exit 2 ;;
	esac
	if [ -z "$pkg" ]; then
		# apt lists may be empty on a fresh machine: refresh once and retry.
		apt-get update -qq >/dev/null 2>&1 || true
		case "$1" in
		6.1) pkg=$(meta_depends apt-cache linux-image-amd64) ;;
		6.12) pkg=$(meta_depends apt-cache linux-image-6.12-amd64) ;;
		esac
	fi
	[ -n "$pkg" ] || die "cannot resolve the image of '$1' with apt-cache"
	echo "${pkg#linux-image-}"
}

# --- fetching ----------------------------------------------------------------------------------
fetch() {
	local rel dir tmp pkgs
	rel=$(release_of "$1")
	dir=$cache/kernels/$rel
	if [ -f "$dir/.complete" ]; then
		echo "$dir"
		return
	fi
	mkdir -p "$cache/kernels"
	tmp=$(mktemp -d "$cache/kernels/.fetch.XXXXXX")
	# shellcheck disable=SC2064 # $tmp is fixed now
	trap "rm -rf '$tmp'" EXIT
	# The image and the parts of it that sid splits off (linux-{base,binary,modules}-REL).
	mapfile -t pkgs < <(kapt "$rel" apt-cache depends "linux-image-$rel" 2>/dev/null |
		awk -v r="$rel" '$1 == "Depends:" && $2 ~ "^linux-(base|binary|modules)-" && substr($2, length($2) - length(r) + 1) == r {print $2}' |
		sort -u)
	(cd "$tmp" && kapt "$rel" apt-get download -q "linux-image-$rel" "${pkgs[@]}" >&2) ||
		die "cannot download linux-image-$rel ${pkgs[*]}"
	mkdir "$tmp/root"
	for d in "$tmp"/*.deb; do dpkg-deb -x "$d" "$tmp/root"; done
	rm -f "$tmp"/*.deb
	local r=$tmp/root m
	if [ ! -d "$r/lib/modules/$rel" ] && [ -d "$r/usr/lib/modules/$rel" ]; then
		mkdir -p "$r/lib/modules"
		mv "$r/usr/lib/modules/$rel" "$r/lib/modules/$rel"
	fi
	m=$r/lib/modules/$rel
	mkdir -p "$r/boot"
	for f in vmlinuz config System.map; do
		if [ ! -e "$r/boot/$f-$rel" ] && [ -e "$m/$f" ]; then
			ln -s "../lib/modules/$rel/$f" "$r/boot/$f-$rel"
		fi
	done
	[ -e "$r/boot/vmlinuz-$rel" ] || die "linux-image-$rel ${pkgs[*]} held no vmlinuz"
	# modprobe inside the guest needs an index of the modules as extracted.
	depmod -b "$r" "$rel"
	rm -rf "$dir"
	mv "$r" "$dir"
	touch "$dir/.complete"
	echo "$dir"
}

case "${1:-}" in
version) release_of "$2" ;;
fetch | dir) fetch "$2" ;;
apt)
	[ $# -ge 3 ] || { echo "usage: $0 apt SERIES apt-get|apt-cache ARG..." >&2; exit 2; }
	k=$2
	shift 2
	case "$1" in apt-get | apt-cache) ;; *) echo "$me: apt wants apt-get or apt-cache, not '$1'" >&2; exit 2 ;; esac
	kapt "$k" "$@"
	;;
*) echo "usage: $0 version|fetch|dir SERIES, or apt SERIES apt-get|apt-cache ARG... (SERIES: 6.1, 6.12, sid, X.Y or a release)" >&2; exit 2 ;;
esac
