#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""bench/stats.py RAWDIR OUT.json - turn bench/run-in-vm.sh's raw samples into figures.

Writes OUT.json: a list of figures {name, unit, median, min, max, samples[, baseline, ratio,
...]} (ratio = median / the baseline figure's median) and prints a markdown table. Comparisons
of latency distributions carry a two-sided Mann-Whitney U p-value (normal approximation with
tie correction; no scipy in the guest). Standard library only.
"""
import json
import math
import os
import sys


def read(rawdir, name):
    p = os.path.join(rawdir, name)
    if not os.path.exists(p):
        return None
    vals = [float(l.split()[-1]) for l in open(p) if l.strip()]
    return vals or None


def median(xs):
    s = sorted(xs)
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def mann_whitney_p(a, b):
    """Two-sided p-value of the Mann-Whitney U test, normal approximation, tie-corrected."""
    n1, n2 = len(a), len(b)
    if n1 == 0 or n2 == 0:
        return None
    allv = sorted([(v, 0) for v in a] + [(v, 1) for v in b])
    n = n1 + n2
    ranks = [0.0] * n
    ties = 0.0
    i = 0
    while i < n:
        j = i
        while j + 1 < n and allv[j + 1][0] == allv[i][0]:
            j += 1
        r = (i + j) / 2 + 1  # average rank, 1-based
        for k in range(i, j + 1):
            ranks[k] = r
        t = j - i + 1
        ties += t ** 3 - t
        i = j + 1
    r1 = sum(r for r, (_, g) in zip(ranks, allv) if g == 0)
    u1 = r1 - n1 * (n1 + 1) / 2
    mu = n1 * n2 / 2
    var = n1 * n2 / 12 * ((n + 1) - ties / (n * (n - 1)))
    if var <= 0:
        return 1.0
    z = (abs(u1 - mu) - 0.5) / math.sqrt(var)  # continuity correction
    return max(0.0, min(1.0, math.erfc(max(z, 0) / math.sqrt(2))))


figures = []
by_name = {}


def figure(name, unit, vals, desc, scale=1.0, baseline=None, mwu=False, **extra):
    if not vals:
        return None
    v = [x / scale for x in vals]
    f = {"name": name, "unit": unit, "median": median(v), "min": min(v), "max": max(v),
         "samples": len(v), "description": desc}
    if baseline and baseline in by_name:
        b = by_name[baseline]
        f["baseline"] = baseline
        f["ratio"] = f["median"] / b["median"] if b["median"] else None
        if mwu:
            f["overhead"] = f["median"] - b["median"]
            f["p_value"] = mann_whitney_p(v, b["_vals"])
    f.update(extra)
    f["_vals"] = v
    figures.append(f)
    by_name[name] = f
    return f


def hook_costs(rawdir, prefix, units, unit_name):
    """Figures of each program's run time over `units` things done, from bpftool's statistics
    before and after (prefix.before.json, prefix.after.json)."""
    pb, pa = (os.path.join(rawdir, "%s.%s.json" % (prefix, t)) for t in ("before", "after"))
    if not (os.path.exists(pb) and os.path.exists(pa) and units):
        return
    before = {p["name"]: p for p in json.load(open(pb))}
    # lock mode's guards on bpf() run when bpftool reads these statistics, not for the work
    guards = ("execban_bpf", "execban_bpf_map", "execban_bpf_prog")
    for prog in json.load(open(pa)):
        if prog["name"] in guards:
            continue
        b = before.get(prog["name"], {})
        runs = prog.get("run_cnt", 0) - b.get("run_cnt", 0)
        ns = prog.get("run_time_ns", 0) - b.get("run_time_ns", 0)
        if runs > 0:
            figure("%s.%s" % (prefix.replace("hooks", "hook"), prog["name"]),
                   "ns/" + unit_name.split()[0], [ns / units],
                   "%s: %.2f runs per %s, %.0f ns per run" % (prog["name"], runs / units,
                                                              unit_name, ns / runs),
                   runs_per_unit=runs / units, ns_per_run=ns / runs)


def main():
    rawdir, out = sys.argv[1], sys.argv[2]
    info = {}
    if os.path.exists(os.path.join(rawdir, "info.txt")):
        for line in open(os.path.join(rawdir, "info.txt")):
            if "=" in line:
                k, v = line.rstrip("\n").split("=", 1)
                info[k] = v
    us = 1e3
    r = lambda n: read(rawdir, n)
    size = info.get("true_size", "?")

    # 1. exec storm (per fork+exec+wait, microseconds)
    figure("exec.baseline", "us", r("storm.baseline"),
           "fork+exec+wait of a %s-byte static binary, execban not loaded" % size, us)
    figure("exec.prefilter", "us", r("storm.prefilter"),
           "100,002 rules, binary's size not banned (size prefilter)", us,
           "exec.baseline", True)
    figure("exec.cached", "us", r("storm.cached"),
           "binary's size banned, digest from the per-inode cache", us, "exec.baseline", True)
    figure("exec.cached/prefilter", "us", r("storm.cached"),
           "cached against prefilter, execs alternated in the same storm", us,
           "exec.prefilter", True)
    figure("exec.prefilter_kmod", "us", r("storm.prefilter_kmod"),
           "prefilter, execban.ko loaded", us, "exec.baseline", True)
    figure("exec.cached_kmod", "us", r("storm.cached_kmod"),
           "cached, execban.ko loaded", us, "exec.baseline", True)
    figure("exec.baseline_copies", "us", r("storm.baseline_copies"),
           "execban not loaded, a distinct fresh copy per exec", us, "exec.baseline", True)
    figure("exec.cold_ima", "us", r("storm.cold"),
           "size banned, distinct copy per exec: hashed every time (bpf_ima_file_hash)", us,
           "exec.baseline_copies", True)
    figure("exec.cold_kmod", "us", r("storm.cold_kmod"),
           "same, hashed by execban.ko's kfunc", us, "exec.baseline_copies", True)

    # 2. first exec of a big banned-size binary vs AF_ALG
    big = int(info.get("big_size", "0") or 0)
    ms = 1e6
    figure("bigexec.unloaded", "ms", r("big.unloaded"),
           "first exec of a fresh %d-byte binary, execban not loaded" % big, ms)
    figure("bigexec.ima", "ms", r("big.ima"),
           "same, size banned: hashed by bpf_ima_file_hash", ms, "bigexec.unloaded", True)
    figure("bigexec.kmod", "ms", r("big.kmod"),
           "same, size banned: hashed by execban.ko", ms, "bigexec.unloaded", True)
    af = r("afalg")
    if big and af:
        mbps = lambda ns: big / 1e6 / (ns / 1e9)
        figure("sha256.afalg", "MB/s", [mbps(x) for x in af],
               "kernel SHA-256 through AF_ALG, %d bytes from user memory" % big)
        base = by_name.get("bigexec.unloaded")
        for cfg in ("ima", "kmod"):
            vals = r("big." + cfg)
            if base and vals:
                extra = [x - base["median"] * ms for x in vals]
                if all(e > 0 for e in extra):
                    figure("hash_throughput." + cfg, "MB/s", [mbps(e) for e in extra],
                           "cold hashing at exec: size / (exec time - unloaded median)",
                           1.0, "sha256.afalg")

    # 3. policy load, 1,000,000 rules
    s = 1e9
    figure("load1M.fresh_serial", "s", r("load.fresh_serial"),
           "execban load, 1,000,000 rules, after unload, EXECBAN_NO_OVERLAP=1: the programs "
           "verified after the compile", s)
    figure("load1M.fresh", "s", r("load.fresh"),
           "execban load, 1,000,000 rules, after unload (verified while compiling)", s,
           "load1M.fresh_serial")
    figure("load1M.replace", "s", r("load.replace"),
           "execban load --full of the same 1,000,000 rules while loaded (compiled, written)", s)
    figure("load1M.unchanged", "s", r("load.unchanged"),
           "execban load of the same unchanged files while loaded (nothing to compile)", s)
    for tag in ("fresh", "fresh_serial", "replace", "unchanged", "add1", "add1_back"):
        figure("load1M.%s.cpu" % tag, "s", r("load.%s.cpu" % tag),
               "the same loads' CPU time (user + system): no idle jumps of the clock", s)
    for tag in ("fresh", "replace"):
        p = os.path.join(rawdir, "maps.%s.json" % tag)
        if os.path.exists(p):
            maps = [m for m in json.load(open(p)) if m.get("id") is not None]
            tot = sum(m.get("bytes_memlock") or 0 for m in maps)
            figure("maps_memlock.%s" % tag, "MiB", [tot], "sum of bytes_memlock over %d maps"
                   % len(maps), 2 ** 20,
                   maps={m.get("name", "?%s" % m.get("id")): m.get("bytes_memlock") for m in maps})
        v = r("kmem.%s" % tag)
        if v:
            figure("kernel_mem.%s" % tag, "MiB", v,
                   "SUnreclaim+VmallocUsed+Percpu growth over the unloaded VM", 2 ** 20)
        v = r("meminfo.%s" % tag)
        if v:
            figure("used_mem.%s" % tag, "MiB", v,
                   "MemTotal-MemAvailable growth over the unloaded VM", 2 ** 20)

    # 4. events
    ev = {}
    p = os.path.join(rawdir, "events.txt")
    if os.path.exists(p):
        for line in open(p):
            if "=" in line:
                k, v = line.strip().split("=", 1)
                ev[k] = float(v)
    if ev.get("follow_seconds"):
        figure("events.follow_rate", "events/s", [ev["follow_delivered"] / ev["follow_seconds"]],
               "denials delivered to events --follow --json during a burst of %d" %
               ev["follow_burst"], lost=ev.get("follow_lost"), delivered=ev["follow_delivered"])
    if "noreader_delivered" in ev:
        figure("events.capacity", "events", [ev["noreader_delivered"]],
               "events held by the default ring buffer with no reader (burst of %d; lost %d)" %
               (ev["noreader_burst"], ev.get("noreader_lost", 0)), lost=ev.get("noreader_lost"))

    # 5. scaling: per-exec cost as the ban list grows, execban and fapolicyd
    sizes = sorted(int(f[len("storm.scale_base_"):]) for f in os.listdir(rawdir)
                   if f.startswith("storm.scale_base_"))
    for n in sizes:
        base = "scale.baseline.%d" % n
        figure(base, "us", r("storm.scale_base_%d" % n),
               "fork+exec+wait, no enforcement (measured just before the %d-rule runs)" % n, us)
        figure("scale.execban.%d" % n, "us", r("storm.scale_execban_%d" % n),
               "execban, %d hash rules, cached path" % n, us, base, True)
        figure("scale.fapolicyd.%d" % n, "us", r("storm.scale_fapolicyd_%d" % n),
               "fapolicyd 1.1.7, the same %d sha256hash deny rules" % n, us, base, True)
        st = r("fapolicyd.start_%d" % n)
        if st:
            figure("fapolicyd_start.%d" % n, "s", st, "fapolicyd start until it listens, "
                   "%d rules" % n, 1e9)

    # 5b. loading n rules: fresh, one rule added (and removed again), kernel memory of a copy
    for n in sorted(int(f[len("scale_kmem."):]) for f in os.listdir(rawdir)
                    if f.startswith("scale_kmem.")):
        figure("scale.load_fresh.%d" % n, "s", r("scale_load.fresh_%d" % n),
               "execban load of %d rules, after unload" % n, 1e9)
        figure("scale.load_add1.%d" % n, "s", r("scale_load.add1_%d" % n),
               "execban load of the same %d rules with one added (entries written: %s)" %
               (n, ",".join("%d" % x for x in r("scale_load.add1_written_%d" % n) or [])), 1e9)
        figure("scale.load_add1_back.%d" % n, "s", r("scale_load.add1_back_%d" % n),
               "execban load of the %d rules again, the added one removed" % n, 1e9)
        figure("scale.load_unchanged.%d" % n, "s", r("scale_load.unchanged_%d" % n),
               "execban load of the %d rules once more, the files unchanged" % n, 1e9)
        for k in ("fresh", "add1", "add1_back", "unchanged"):
            figure("scale.load_%s_cpu.%d" % (k, n), "s", r("scale_load.%s_%d.cpu" % (k, n)),
                   "CPU time (user + system) of that load (%s, %d rules)" % (k, n), 1e9)
        figure("scale.kmem.%d" % n, "MiB", r("scale_kmem.%d" % n),
               "kernel memory growth of the fresh load of %d rules (one copy)" % n, 1 << 20)

    # 5c. the rule map's candidates (bench/lookup), n digests each, in one boot
    desc = {"hash56": "a hash to the former 56-byte rule (label inline)",
            "hash8": "a hash to an 8-byte value (the allocator class of today's 16-byte rule)",
            "sorted": "a sorted array of 48-byte entries and a 16-bit prefix index",
            "inner": "the same array as an inner map (BPF_F_INNER_MAP) of an ARRAY_OF_MAPS, "
                     "searched whole",
            "inner_idx": "that inner map searched from a 16-bit prefix index (a fixed array)"}
    for n in sorted(int(f.rsplit(".", 1)[1]) for f in os.listdir(rawdir)
                    if f.startswith("cand.sorted.kmem.")):
        for c in ("hash56", "hash8", "sorted", "inner", "inner_idx"):
            if not os.path.exists(os.path.join(rawdir, "cand.%s.kmem.%d" % (c, n))):
                continue	# a run from before the inner candidate
            figure("cand.%s.kmem.%d" % (c, n), "MiB", r("cand.%s.kmem.%d" % (c, n)),
                   "kernel memory of %s, %d digests" % (desc[c], n), 1 << 20)
            figure("cand.%s.fill.%d" % (c, n), "s", r("cand.%s.fill_ms.%d" % (c, n)),
                   "filling it (batches of 8192)", 1e3)
            figure("cand.%s.lookup.%d" % (c, n), "ns", r("cand.%s.lookup_ns.%d" % (c, n)),
                   "one lookup from a BPF program, half hits (loop cost removed)", 1.0,
                   "cand.hash56.lookup.%d" % n)

    # 6. dpkg -i of a 2,000-file package
    figure("dpkg.none", "s", r("dpkg.none"), "dpkg -i of a 2,000-file package, execban not loaded",
           1e9)
    figure("dpkg.ima", "s", r("dpkg.ima"), "same, 100,002 rules loaded (no execban.ko); no "
           "file of a banned size", 1e9, "dpkg.none", True)
    figure("dpkg.kmod", "s", r("dpkg.kmod"), "same, with execban.ko: rename/chmod hooks and "
           "closes of written files checked", 1e9, "dpkg.none", True)
    # 6b. the same dpkg -i on the system image: a real ext4 root on a virtio disk
    # (bench/dpkg-system.sh), execban as the workstation boots it against execban unloaded
    figure("dpkg_system.none", "s", r("dpkg-system.none"), "dpkg -i of a 2,000-file package "
           "on the system image (ext4 root on a disk), execban not loaded", 1e9)
    figure("dpkg_system.on", "s", r("dpkg-system.on"), "same, execban as execban.service "
           "loads it at boot (example policy, execban.ko, lock hooks)", 1e9,
           "dpkg_system.none", True)
    figure("dpkg_system_cpu.none", "s", r("dpkg-system-cpu.none"), "CPU time (user + sys) of "
           "that dpkg -i and its children, execban not loaded", 1e9)
    figure("dpkg_system_cpu.on", "s", r("dpkg-system-cpu.on"), "same, execban loaded (its "
           "programs run in dpkg's context, in its sys time)", 1e9, "dpkg_system_cpu.none", True)
    figure("dpkg-sized.none", "s", r("dpkg-sized.none"), "dpkg -i of the package with 100 "
           "executables of a banned size, execban not loaded", 1e9)
    figure("dpkg-sized.ima", "s", r("dpkg-sized.ima"), "same, 100,002 rules loaded", 1e9,
           "dpkg-sized.none", True)
    figure("dpkg-sized.kmod", "s", r("dpkg-sized.kmod"), "same, with execban.ko: those 100 "
           "hashed at close, chmod and rename", 1e9, "dpkg-sized.none", True)

    # 7. dlopen of N distinct libraries (per dlopen)
    dn = int(info.get("dlopen_n", "1000") or 1000)
    per = lambda name: [x / dn for x in (r(name) or [])] or None
    figure("dlopen.none", "us", per("dlopen.none"),
           "dlopen() of one of %d distinct libraries, execban not loaded" % dn, us)
    figure("dlopen.ima", "us", per("dlopen.ima"), "same, 100,002 rules loaded", us,
           "dlopen.none", True)
    figure("dlopen.kmod", "us", per("dlopen.kmod"), "same, with execban.ko", us,
           "dlopen.none", True)

    # per-program cost in one storm, and in one dpkg -i (kernel.bpf_stats_enabled)
    hook_costs(rawdir, "hooks", int(info.get("hooks_execs", "0") or 0), "exec")
    hook_costs(rawdir, "hooks.dpkg", int(info.get("dpkg_files", "0") or 0), "file installed")

    # the steps of the 1M-rule loads (EXECBAN_TIMING), medians over the samples
    for tag in ("fresh", "fresh_serial", "replace", "unchanged", "add1", "add1_back"):
        p = os.path.join(rawdir, "load.%s.steps" % tag)
        if not os.path.exists(p):
            continue
        steps = {}
        for line in open(p):
            if "=" in line:
                k, v = line.strip().split("=", 1)
                steps.setdefault(k, []).append(float(v))
        figure("load1M.%s.steps" % tag, "s", [sum(median(v) for v in steps.values()) * 1e6],
               "execban load's own steps (EXECBAN_TIMING), medians", 1e9,
               steps_ms={k: median(v) for k, v in steps.items()})
    figure("load1M.add1", "s", r("load.add1"),
           "execban load of the 1,000,000 rules with one rule added, while loaded", s)

    # the host, natively (bench/host.sh): no emulation
    hraw = os.path.join(os.path.dirname(rawdir), "raw-host")
    hc = read(hraw, "compile")
    if hc:
        hinfo = open(os.path.join(hraw, "info")).read().split("\n") if os.path.exists(
            os.path.join(hraw, "info")) else []
        figure("host.compile1M", "s", hc, "native on the host (%s): execban check of the "
               "1,000,000-rule policy" % (hinfo[0] if hinfo else "?"), 1e9)
    p = os.path.join(hraw, "mapfill.jsonl")
    if os.path.exists(p):
        mf = [json.loads(l) for l in open(p) if l.strip()]
        for k, d in (("fill_ms", "writing 1,000,000 rules into a rule map (8192 a batch)"),
                     ("read_ms", "reading them back (what a load does with the inactive copy)"),
                     ("delete_ms", "deleting them (rules a new policy no longer has)")):
            figure("host.mapfill.%s" % k[:-3], "s", [m[k] for m in mf if k in m],
                   "native on the host: " + d, 1e3)

    for f in figures:
        del f["_vals"]
    with open(out, "w") as fh:
        json.dump(figures, fh, indent=1)
    with open(os.path.join(os.path.dirname(out), "machine.json"), "w") as fh:
        json.dump(info, fh, indent=1)
    clock = info.get("clock", "wall")
    accel = info.get("accel", "unknown")
    print("accelerator: %s (%s)" % (accel, "hardware virtualisation: faster, but wall-clock "
                                    "figures; the reference ratios are TCG's under icount"
                                    if accel == "kvm" else "qemu's emulator"))
    print("clock: %s (%s)\n" % (clock, "the host's time, as the guest sees it" if clock == "wall"
                                  else "the guest's clocks count its instructions, 1 ns each"))
    print(table(figures))


def fmt(x):
    if x is None:
        return ""
    if abs(x) >= 100:
        return "%.0f" % x
    if abs(x) >= 10:
        return "%.1f" % x
    return "%.3g" % x


def table(figs):
    rows = ["| figure | unit | median | min | max | n | vs. | ratio | overhead | p (MWU) |",
            "|---|---|---:|---:|---:|---:|---|---:|---:|---:|"]
    for f in figs:
        p = f.get("p_value")
        rows.append("| %s | %s | %s | %s | %s | %d | %s | %s | %s | %s |" % (
            f["name"], f["unit"], fmt(f["median"]), fmt(f["min"]), fmt(f["max"]), f["samples"],
            f.get("baseline", ""), "%.3f" % f["ratio"] if f.get("ratio") is not None else "",
            ("%+.4g" % f["overhead"]) if "overhead" in f else "",
            ("%.2g" % p) if p is not None else ""))
    return "\n".join(rows)


if __name__ == "__main__":
    main()
