#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# make deb: build the Debian packages execban (amd64) and execban-dkms (all) with Debian's own
# tools (dpkg-buildpackage, debhelper compat 13, dh-dkms), then run lintian on them:
#   scripts/deb.sh VERSION OUTDIR          (make deb: VERSION from the Makefile, OUTDIR build/deb)
#
# The packaging is debian/ at the top of the checkout, as Debian's tools expect it, except
# debian/changelog: VERSION in the Makefile is the one place the version is set, so the
# changelog is written here, into the copy. The build runs out of tree, in OUTDIR/work/src: a copy
# of the checkout's files (tracked, and new ones git does not ignore; build/ and .cache/ never),
# plus kernel-tools/6.1 (resolve_btfids' source for DKMS on 6.1: scripts/kernel-tools.sh). The
# checkout is left as it was. Result: OUTDIR/execban_VERSION_amd64.deb,
# OUTDIR/execban-dkms_VERSION_all.deb, their .changes and .buildinfo, and OUTDIR/lintian.txt;
# the exit status is lintian's for errors (warnings are printed, and explained in debian/).
# The packages are built in OUTDIR/work (dpkg-buildpackage writes them beside the source
# tree) and moved into OUTDIR only once lintian passed: OUTDIR/*.deb are never half there
# (a system image build installs them from there).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
me=deb.sh
die() { echo "$me: error: $*" >&2; exit 1; }

[ $# = 2 ] || { echo "usage: $0 VERSION OUTDIR" >&2; exit 2; }
version=$1
mkdir -p "$2"
out=$(cd "$2" && pwd)
# The test kernels' cache (vmlinux BTF for the BPF object, linux-source-6.1): the checkout's.
export EXECBAN_CACHE=${EXECBAN_CACHE:-$top/.cache}

for t in dpkg-buildpackage dh dh_dkms lintian fakeroot; do
	command -v "$t" >/dev/null || die "$t not found (run: make deps)"
done
[[ "$version" =~ ^[0-9][0-9A-Za-z.+~]*$ ]] || die "VERSION '$version' is not a Debian native version"

work=$out/work
src=$work/src
rm -rf "$work" "$out/src"
mkdir -p "$src"
# The checkout's files: git's list when this is a git work tree, else everything but the build.
if git -C "$top" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	(cd "$top" && git ls-files -z -co --exclude-standard) |
		(cd "$top" && while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done) |
		(cd "$top" && tar -c --null -T -) | tar -x -C "$src"
else
	(cd "$top" && tar -c --exclude=./build --exclude=./.cache --exclude="./${out#"$top"/}" .) |
		tar -x -C "$src"
fi
[ -f "$src/debian/control" ] || die "no debian/control in $top"
"$top/scripts/kernel-tools.sh" 6.1 "$src/kernel-tools" >/dev/null

# The date: the last commit's (reproducible), else now.
when=$(git -C "$top" log -1 --format=%ct 2>/dev/null || date +%s)
export SOURCE_DATE_EPOCH=$when
cat >"$src/debian/changelog" <<CHANGELOG
execban ($version) bookworm; urgency=medium

  * execban $version, built with make deb from the checkout
    ($(git -C "$top" describe --always --dirty 2>/dev/null || echo "no git")).

 -- execban developers <execban@example.org>  $(date -R -u -d "@$when")
CHANGELOG

echo "$me: building execban $version in $src" >&2
if ! (cd "$src" && dpkg-buildpackage -b -us -uc -j"$(nproc)" >"$work/build.log" 2>&1); then
	tail -40 "$work/build.log" >&2
	die "dpkg-buildpackage failed (log: $work/build.log)"
fi
changes=$work/execban_${version}_amd64.changes
for p in "execban_${version}_amd64.deb" "execban-dkms_${version}_all.deb"; do
	[ -f "$work/$p" ] || die "no $work/$p after the build"
done

# lintian: errors fail the build; warnings are listed (debian/*.lintian-overrides explain the
# ones that stay).
rc=0
lintian --fail-on error --info "$changes" >"$work/lintian.txt" 2>&1 || rc=$?
grep -v '^running with root privileges is not recommended!$' "$work/lintian.txt" || true
echo "$me: lintian: $(grep -c '^E: ' "$work/lintian.txt" || true) errors, $(grep -c '^W: ' "$work/lintian.txt" || true) warnings"
[ $rc = 0 ] || die "lintian reports errors (exit $rc; the packages stay in $work)"
new=("execban_${version}_amd64.deb" "execban-dkms_${version}_all.deb"
	"execban_${version}_amd64.changes" "execban_${version}_amd64.buildinfo")
for f in "${new[@]}" build.log lintian.txt; do
	mv -f "$work/$f" "$out/$f"
done
# Builds of other versions go: OUTDIR/*.deb is what to install.
for f in "$out"/execban_*_amd64.deb "$out"/execban-dkms_*_all.deb "$out"/execban_*_amd64.changes \
	"$out"/execban_*_amd64.buildinfo; do
	case " ${new[*]} " in *" ${f##*/} "*) ;; *) rm -f "$f" ;; esac
done
for p in "execban_${version}_amd64.deb" "execban-dkms_${version}_all.deb"; do
	echo "$me: $out/$p"
done
