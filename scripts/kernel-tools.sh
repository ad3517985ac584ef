#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Copy the sources of resolve_btfids (tools/bpf/resolve_btfids and the parts of tools/ it builds
# from, scripts/bpf_doc.py) of a Debian 12 kernel series into DEST/SERIES, for the module's
# sources that DKMS builds on a workstation (make install, make deb: execban-dkms):
#   scripts/kernel-tools.sh 6.1 DEST
#
# Why: module BTF (what makes execban.ko's kfuncs usable) needs resolve_btfids. Debian 12's
# linux-headers-6.12-* ship it; linux-headers-6.1.0-* do not, and building it needs the
# kernel's own tools/ source, which no installed package has. Without this copy,
# scripts/kmod-build.sh would fetch linux-source-6.1 with apt at build time, which fails on an
# air-gapped machine. With it, DKMS builds resolve_btfids once per execban version (into its
# cache) from these 3.8 MB of GPL-2.0 source with the host's gcc, libelf and zlib, and python3
# (bpf_doc.py generates a libbpf header): no network. The tools barely change within a stable
# series, so one copy serves every 6.1.0-N kernel (the one of linux-source-6.1 as in the cache:
# scripts/kernel-source.sh; DEST/SERIES/SOURCE names its version).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
die() { echo "kernel-tools.sh: $*" >&2; exit 1; }

[ $# = 2 ] || { echo "usage: $0 SERIES DEST" >&2; exit 2; }
series=$1
dest=$2/$series
src=$("$top/scripts/kernel-source.sh" "$series") || die "no source of linux $series"
# The source tree's folder is named after the linux-source version (kernel-source.sh).
ver=${src%/}
ver=${ver##*/}

parts=(
	tools/build tools/include tools/lib/bpf tools/lib/subcmd tools/lib/ctype.c
	tools/lib/rbtree.c tools/lib/str_error_r.c tools/lib/string.c tools/lib/zalloc.c
	tools/scripts tools/arch/x86/include scripts/bpf_doc.py
	tools/bpf/resolve_btfids/Makefile tools/bpf/resolve_btfids/Build
	tools/bpf/resolve_btfids/main.c
)
rm -rf "$dest"
mkdir -p "$dest"
# Only the source files (no .gitignore, tests or documentation either): kmod-build.sh builds resolve_btfids in the cache tree too (objects,
# fixdep, libbpf/ below tools/bpf/resolve_btfids), which tar leaves out.
(cd "$src" && tar -c --exclude='*.o' --exclude='.*.cmd' --exclude='.*.d' --exclude=.gitignore \
	--exclude=tools/build/tests --exclude=tools/build/Documentation "${parts[@]}") |
	tar -x -C "$dest" || die "cannot copy ${parts[*]} from $src"
echo "linux-source-$series $ver" >"$dest/SOURCE"
echo "$dest"
