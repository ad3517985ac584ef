#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# bench/host.sh OUT - the parts of a 1,000,000-rule load that can run without emulation, on
# this host: compiling the policy (execban check, which compiles as load does) and storing
# that many entries in BPF hash maps of the rule map's layout (bench/mapfill; it needs maps
# only, not the LSM programs this host's kernel refuses). Writes OUT/bench/raw-host/*, which
# bench/stats.py reports beside the VM's figures. Three samples each.
set -eu
out=${1:-build}
raw=$out/bench/raw-host
rm -rf "$raw" && mkdir -p "$raw"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 "$(dirname "$0")/million.py" >"$tmp/million.policy"
now() { date +%s%N; }
for _ in 1 2 3; do
	t0=$(now)
	"$out/execban" check "$tmp/million.policy" >/dev/null
	echo $(($(now) - t0)) >>"$raw/compile"
	"$out/bench/mapfill" 1000000 >>"$raw/mapfill.jsonl" ||
		{ echo "bench: host: mapfill failed (no BPF maps here?)" >&2; rm -f "$raw/mapfill.jsonl"; }
done
{ uname -r; nproc; sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | awk 'NR == 1'; } >"$raw/info"
echo "bench: host: $(wc -l <"$raw/compile") compiles and mapfill samples in $raw" >&2
