#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A policy at feed scale in the VM: one million rules load, status counts them and their
# kernel memory, the one banned file among them is refused and a file outside them runs, and a
# small policy replaces them. Its timings are printed, not judged (make bench measures them).
# execban-test-kernels: one
# execban-test-cost: 25
# (the maps and the load path are the same on every kernel, and policy.sh checks loads,
# replacement and kills on each: tests/run runs this suite on one test kernel, where it
# balances the run; EXECBAN_ALL_SUITES_EVERYWHERE=1 runs it on every kernel)
set -u
. "$(dirname "$0")/../lib.sh"

W=$(mktemp -d /tmp/execban-scale.XXXXXX)
"$EB" unload >/dev/null 2>&1
unique_copy /bin/true "$W/x" x		# the banned one among the million
unique_copy /bin/true "$W/a" a
{ rule "$W/x" x; rule "$W/a" a; } >"$W/A.policy"

# ---- one million rules ----
python3 - "$W/x" >"$W/million.policy" <<'PY'
import hashlib, os, sys
out = sys.stdout
out.write('name "million"\n')
rnd = os.urandom(32 * 999999)
for i in range(999999):
    out.write("deny sha256=%s size=%d\n" % (rnd[32 * i:32 * i + 32].hex(), 1000 + i % 50000))
data = open(sys.argv[1], "rb").read()
out.write("deny sha256=%s size=%d label=x\n" % (hashlib.sha256(data).hexdigest(), len(data)))
PY
start=$(date +%s%N)
"$EB" load "$W/million.policy" >"$W/million.out" 2>&1
rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
echo "# 1,000,000 rules: load took ${ms} ms in this VM (TCG)"
check "a 1,000,000-rule policy loads" [ $rc = 0 ]
check "status counts 1,000,000 rules" bash -c "grep -q '\"rules\":1000000,' <<<\"\$('$EB' status --json)\""
mem=$("$EB" status --json | python3 -c 'import json,sys; p=json.load(sys.stdin)["policy"]; print(p["kernel_memory"], p["kernel_memory_other_copy"])')
echo "# 1,000,000 rules: kernel memory $((${mem% *} >> 20)) MiB in force, $((${mem#* } >> 20)) MiB other copy"
# At least the keys and rules themselves (the sorted array: 48 bytes a rule), as the kernel
# accounts them.
check "status reports the policy's kernel memory" [ "${mem% *}" -ge 48000000 ]
check "status prints the policy's memory" bash -c "grep -q '^  memory  *[0-9.]* MiB for the policy in force' <<<\"\$('$EB' status)\""
expect_exec "the rule among a million is enforced" "exec-error EPERM" "$W/x"
expect_exec "a file outside the million runs" "exit 0" "$W/a"
start=$(date +%s%N)
"$EB" load "$W/A.policy" >/dev/null 2>&1
ms=$((($(date +%s%N) - start) / 1000000))
echo "# replacing 1,000,000 rules by 2 took ${ms} ms"
expect_exec "after replacing the million: the small policy applies" "exec-error EPERM" "$W/a"

rm -rf "$W"
finish
