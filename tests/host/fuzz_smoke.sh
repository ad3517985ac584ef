#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Host test: a short smoke run of every fuzz harness (make fuzz runs them long).
cd "$(dirname "$0")/../.."
rc=0
for f in build/fuzz/fuzz_*; do
	[ -x "$f" ] || continue
	n=$(basename "$f")
	corpus=tests/fuzz/corpus/${n#fuzz_}
	tmp=$(mktemp -d)
	if out=$("$f" -max_total_time=10 -print_final_stats=1 "$tmp" "$corpus" 2>&1); then
		echo "ok - fuzz: $n: 10 s without a crash ($(grep -o 'number_of_executed_units: [0-9]*' <<<"$out" | awk '{print $2}') runs)"
	else
		echo "not ok - fuzz: $n crashed"
		grep -E 'ERROR|SUMMARY|Test unit written' <<<"$out" | sed 's/^/#   /'
		rc=1
	fi
	rm -rf "$tmp"
done
exit $rc
