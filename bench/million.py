#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""bench/million.py [N] - a policy of N (1,000,000) hash rules with random digests and sizes, on
stdout: the policy make bench loads, in the VM and (compiled) on the host."""
import os
import random
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000000
out = sys.stdout
out.write('name "million"\n')
rnd = os.urandom(32 * n)
for i in range(n):
    out.write("deny sha256=%s size=%d\n" % (rnd[32 * i:32 * i + 32].hex(), random.randint(4096, 1 << 30)))
