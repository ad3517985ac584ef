#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""evfields.py - do one banned thing, then check every field of the event execban reports.

    evfields.py [options] EXECBAN POLICY ACTION TARGET

ACTION: exec, mmap, mprotect, rename, link, chmod, module, init_module, open, install; and
unpin (lock mode: removing a pin of execban's, a "tamper" event).
TARGET: the banned file (install: its bytes are written to the --new file; unpin: the pin).

The process that acts is this one, so everything the event says about the process is known
here: pids, ids, audit login, cgroup, comm (set to "eb-ACTION"), parent, executable. What it
says about the file comes from stat and sha256 of the file; about the rule, from `execban check
--keys --json POLICY` (a rule's id is the first 32 bits of its key); about the policy, from `execban
status --json`. Each field of the event's JSON (docs/events.md) is compared with what it
should be; a field the event lacks, or has and this list does not know, fails too.

Prints "ok - events: NAME" or "not ok - events: NAME" with one "#" line per wrong field.
Options: --name NAME, --cached yes|no (default no), --new PATH (rename, link),
--path-fs-relative PATH (the path the event must show when it is relative to the file's
filesystem root), --expect-errno NAME (default EPERM; install: none), --digest HEX (the
file's SHA-256, for an actor that may not read it: an interpreter named by the policy).
"""
import argparse
import ctypes
import datetime
import errno
import hashlib
import json
import mmap
import os
import subprocess
import sys
import threading
import time

FIELDS = [
    "schema", "type", "time", "time_ns", "boot_id", "cpu", "seq", "action", "verdict",
    "pid", "tid", "ppid", "uid", "euid", "gid", "loginuid", "sessionid", "cgroup_id",
    "comm", "parent_comm", "exe", "path", "filename", "dev", "ino", "size", "sha256",
    "rule", "rule_id", "reason", "identity", "match", "match_key", "policy_version",
    "policy_digest", "policy_generation", "cached", "hash_error", "path_truncated",
    "path_fs_relative", "untrusted_fs", "stale_layer", "signature_error", "signer",
]

libc = ctypes.CDLL(None, use_errno=True)
PR_SET_NAME = 15
SYS_finit_module = 313
SYS_init_module = 175
PROT_READ, PROT_EXEC = 1, 4


def run_json(*argv):
    return json.loads(subprocess.run(argv, check=True, capture_output=True, text=True).stdout)


def drain(eb):
    out = subprocess.run([eb, "events", "--json"], check=True, capture_output=True, text=True)
    return [json.loads(line) for line in out.stdout.splitlines() if line.strip()]


def read_id(path):
    v = int(open(path).read().strip() or "4294967295")
    return -1 if v == 4294967295 else v


def cgroup_id():
    rel = [line.split(":", 2)[2].strip() for line in open("/proc/self/cgroup")
           if line.startswith("0::")]
    with open("/proc/mounts") as f:
        cg2 = any(line.split()[1] == "/sys/fs/cgroup" and line.split()[2] == "cgroup2"
                  for line in f)
    if not rel or not cg2:
        return None
    return os.stat("/sys/fs/cgroup" + rel[0]).st_ino


def errname(e):
    return errno.errorcode.get(e, str(e))


def act(a, target, new):
    """Do the action; return the errno name it failed with, or None."""
    try:
        if a == "exec":
            os.execv(target, [target])
        elif a in ("mmap", "mprotect"):
            fd = os.open(target, os.O_RDONLY)
            size = os.fstat(fd).st_size
            libc.mmap.restype = ctypes.c_void_p
            libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int,
                                  ctypes.c_int, ctypes.c_long]
            libc.mprotect.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
            prot = PROT_READ | (PROT_EXEC if a == "mmap" else 0)
            addr = libc.mmap(None, size, prot, mmap.MAP_PRIVATE, fd, 0)
            if addr in (None, ctypes.c_void_p(-1).value):
                raise OSError(ctypes.get_errno(), "mmap")
            if a == "mprotect" and libc.mprotect(addr, size, PROT_READ | PROT_EXEC):
                raise OSError(ctypes.get_errno(), "mprotect")
        elif a == "rename":
            os.rename(target, new)
        elif a == "link":
            os.link(target, new)
        elif a == "chmod":
            os.chmod(target, 0o755)
        elif a == "module":
            fd = os.open(target, os.O_RDONLY)
            if libc.syscall(SYS_finit_module, fd, b"", 0):
                raise OSError(ctypes.get_errno(), "finit_module")
        elif a == "init_module":
            img = open(target, "rb").read()
            if libc.syscall(SYS_init_module, img, ctypes.c_ulong(len(img)), b""):
                raise OSError(ctypes.get_errno(), "init_module")
        elif a == "open":
            os.open(target, os.O_RDONLY)
        elif a == "unpin":
            os.unlink(target)
        elif a == "install":
            data = open(target, "rb").read()
            fd = os.open(new, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o755)
            os.write(fd, data)
            os.close(fd)
    except OSError as e:
        return errname(e.errno)
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("eb")
    ap.add_argument("policy")
    ap.add_argument("action")
    ap.add_argument("target")
    ap.add_argument("--name")
    ap.add_argument("--cached", default="no")
    ap.add_argument("--new")
    ap.add_argument("--path-fs-relative")
    ap.add_argument("--expect-errno")
    ap.add_argument("--digest")
    ap.add_argument("--events-from", help="read the events a daemon appends to this JSON log "
                    "(lock mode: the daemon is the ring buffer's reader)")
    o = ap.parse_args()
    name = o.name or o.action
    a = o.action
    comm = ("eb-" + a)[:15]
    libc.prctl(PR_SET_NAME, comm.encode(), 0, 0, 0)

    keys = run_json(o.eb, "check", "--keys", "--json", o.policy)["entries"]
    if o.events_from:
        start = os.path.getsize(o.events_from)
    else:
        drain(o.eb)
    status = run_json(o.eb, "status", "--json")
    t0 = time.time_ns()
    got_errno = act(a, o.target, o.new)
    t1 = time.time_ns()
    if o.events_from:
        for _ in range(50):
            with open(o.events_from) as f:
                f.seek(start)
                got = [json.loads(line) for line in f if line.strip()]
            if any(e.get("pid") == os.getpid() for e in got):
                break
            time.sleep(0.1)
    else:
        got = drain(o.eb)
    evs = [e for e in got if e.get("type") == "decision" and e.get("pid") == os.getpid()]

    bad = []
    want_errno = o.expect_errno or (None if a == "install" else "EPERM")
    if got_errno != want_errno:
        bad.append("the %s ended with %s, want %s" % (a, got_errno, want_errno))
    if len(evs) != 1:
        print("not ok - events: %s" % name)
        print("#   want exactly one event of this process, got %d: %s" % (len(evs), evs))
        sys.exit(1)
    e = evs[0]

    if a == "unpin":
        check(bad, e, tamper_want(o, e, status, comm))
        check_time(bad, e, t0, t1)
        report(name, bad)
        return
    file = o.new if a == "install" else o.target
    if a == "rename":
        file = o.target if os.path.exists(o.target) else o.new
    st = os.stat(file)
    if o.digest:
        # this process may not read it (an interpreter named by the policy): the caller did
        digest, size = o.digest, st.st_size
    else:
        data = open(file, "rb").read()
        digest, size = hashlib.sha256(data).hexdigest(), len(data)
    rules = {k["key"]: (int(k["key"][:8], 16), k) for k in keys}
    rid, rule = rules.get(digest, (None, {}))
    pol = status["policy"]
    by_mem = a == "init_module"
    want = {
        "action": "module" if by_mem else a,
        "verdict": "audited" if a == "install" else "denied",
        "path": "" if by_mem else o.path_fs_relative or os.path.realpath(file),
        "filename": {"exec": o.target, "rename": os.path.basename(o.new or ""),
                     "link": os.path.basename(o.new or ""),
                     "init_module": "init_module"}.get(a, ""),
        "dev": "0:0" if by_mem else "%d:%d" % (os.major(st.st_dev), os.minor(st.st_dev)),
        "ino": 0 if by_mem else st.st_ino,
        "size": size,
        "sha256": digest,
        "rule": rule.get("label", ""), "rule_id": rid, "reason": rule.get("reason", ""),
        "identity": "sha256", "match": "sha256=" + digest, "match_key": digest,
        "policy_version": pol["version"], "policy_digest": pol["digest"],
        "policy_generation": status["generation"],
        "cached": o.cached == "yes", "hash_error": False, "path_truncated": False,
        "path_fs_relative": bool(o.path_fs_relative), "untrusted_fs": False,
        "stale_layer": False, "signature_error": False,
        "signer": None,
    }
    want.update(process_want(comm))
    if rid is None:
        bad.append("the policy has no rule for %s" % digest)
    check(bad, e, want)
    check_time(bad, e, t0, t1)
    report(name, bad)


def process_want(comm):
    """What the event must say of this process."""
    return {
        "pid": os.getpid(), "tid": threading.get_native_id(), "ppid": os.getppid(),
        "uid": os.getuid(), "euid": os.geteuid(), "gid": os.getgid(),
        "loginuid": read_id("/proc/self/loginuid"),
        "sessionid": read_id("/proc/self/sessionid"),
        "comm": comm,
        "parent_comm": open("/proc/%d/comm" % os.getppid()).read().strip(),
        "exe": os.readlink("/proc/self/exe"),
        "boot_id": open("/proc/sys/kernel/random/boot_id").read().strip(),
        "schema": 1, "type": "decision",
    }


def tamper_want(o, e, status, comm):
    """A tamper event: the attempt and its target, the process; no file, no rule."""
    pol = status["policy"]
    want = process_want(comm)
    want.update({
        "action": "tamper", "verdict": "denied", "filename": "unpin", "path": o.target,
        "dev": "0:0", "ino": 0, "size": 0, "sha256": "", "rule": "", "rule_id": None,
        "reason": "lock mode", "identity": "", "match": "", "match_key": "",
        "policy_version": pol["version"], "policy_digest": pol["digest"],
        "policy_generation": status["generation"], "cached": False, "hash_error": False,
        "path_truncated": False, "path_fs_relative": False, "untrusted_fs": False,
        "stale_layer": False, "signature_error": False,
        "signer": None,
    })
    return want


def check(bad, e, want):
    cg = cgroup_id()
    if cg is not None:
        want["cgroup_id"] = cg
    elif not (isinstance(e.get("cgroup_id"), int) and e["cgroup_id"] >= 1):
        bad.append("cgroup_id %r" % e.get("cgroup_id"))
    for f in FIELDS:
        if f not in e:
            bad.append("field %s is missing" % f)
    for f in e:
        if f not in FIELDS:
            bad.append("field %s is not in docs/events.md's list" % f)
    for f, v in want.items():
        if f in e and e[f] != v:
            bad.append("%s: %r, want %r" % (f, e[f], v))
    if not (0 <= e.get("cpu", -1) < os.cpu_count()):
        bad.append("cpu %r is not a CPU of this machine" % e.get("cpu"))
    if not (isinstance(e.get("seq"), int) and e["seq"] >= 1):
        bad.append("seq %r is not a sequence number" % e.get("seq"))


def check_time(bad, e, t0, t1):
    if not (t0 - 2_000_000_000 <= e.get("time_ns", 0) <= t1 + 2_000_000_000):
        bad.append("time_ns %s is not within 2 s of the action (%d..%d)" % (
            e.get("time_ns"), t0, t1))
    when = datetime.datetime.fromtimestamp(e.get("time_ns", 0) // 10**9, datetime.timezone.utc)
    if not str(e.get("time", "")).startswith(when.strftime("%Y-%m-%dT%H:%M:%S")):
        bad.append("time %r does not say time_ns %s" % (e.get("time"), e.get("time_ns")))


def report(name, bad):
    if bad:
        print("not ok - events: %s" % name)
        for b in bad:
            print("#   " + b)
        sys.exit(1)
    print("ok - events: %s: all %d fields as they should be" % (name, len(FIELDS)))


if __name__ == "__main__":
    main()
