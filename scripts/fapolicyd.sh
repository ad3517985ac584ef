#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Fetch Debian's fapolicyd (and liblmdb0, the one library of it the host lacks) into
# .cache/fapolicyd/root for the benchmark's comparison (bench/run-in-vm.sh). Extracted with
# dpkg-deb, never installed on the host: an installed fapolicyd could start and judge every
# exec of this machine. Idempotent.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
dir=$top/.cache/fapolicyd
[ -x "$dir/root/usr/sbin/fapolicyd" ] && exit 0
mkdir -p "$dir"
cd "$dir"
apt-get download fapolicyd liblmdb0 2>/dev/null || { apt-get update -qq && apt-get download fapolicyd liblmdb0; }
for d in fapolicyd_*.deb liblmdb0_*.deb; do dpkg-deb -x "$d" root; done
[ -x root/usr/sbin/fapolicyd ] || { echo "fapolicyd.sh: no fapolicyd in the package" >&2; exit 1; }
