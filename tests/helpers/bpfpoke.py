#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""bpfpoke - raw bpf(2) calls the lock-mode tests make as an attacker would (tests/guest/lock.sh).

  bpfpoke.py map-in-map PIN [DEST]   insert a read-only fd of PIN into a new array-of-maps
                                     (pinned at DEST if given, so that it outlives this process)
  bpfpoke.py prog-using PIN          load a socket filter that references PIN (read-only fd)
  bpfpoke.py iter PIN [DEST]         attach a map-element iterator to PIN (read-only fd; the
                                     link pinned at DEST if given)
  bpfpoke.py old-fd PIN KEYHEX GO    open PIN for writing now (then create GO.ready); once file
                                     GO exists, delete KEYHEX (an array: zero KEYHEX's entry)
  bpfpoke.py zero PIN KEYHEX         open PIN for writing and zero the entry whose first 32 bytes
                                     are KEYHEX (a rule of a rule array)
  bpfpoke.py mmap-write PIN          open PIN for writing and map it shared and writable
  bpfpoke.py prog-pin PIN DEST       load a socket filter that references PIN (read-only fd) and
                                     pin it at DEST, so that it outlives this process
  bpfpoke.py prog-fd ID              get an fd of program ID (BPF_PROG_GET_FD_BY_ID), which an
                                     fentry, fexit or freplace program on it would need

PIN@SLOT names the map in slot SLOT of the array-of-maps pinned at PIN (a rule array), opened
by its id.

Prints "ok" or "errno N (NAME)" for the last step, and exits 0 either way (1 on a setup error).
"""
import ctypes
import errno
import mmap
import os
import struct
import subprocess
import sys
import time

NR_BPF = 321  # x86_64
MAP_CREATE, MAP_LOOKUP_ELEM, MAP_UPDATE_ELEM, MAP_DELETE_ELEM = 0, 1, 2, 3
PROG_LOAD, OBJ_PIN, OBJ_GET, PROG_GET_FD_BY_ID, MAP_GET_FD_BY_ID, LINK_CREATE = 5, 6, 7, 13, 14, 28
RULE_RECORD = 48
BPF_F_RDONLY = 1 << 3
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long


def bpf(cmd, attr):
    buf = ctypes.create_string_buffer(bytes(attr).ljust(128, b"\0"), 128)
    r = libc.syscall(NR_BPF, cmd, buf, 128)
    return r if r >= 0 else -ctypes.get_errno()


def addr(b):
    return ctypes.addressof(b)


def obj_get(path, flags):
    if "@" in path:
        pin, slot = path.rsplit("@", 1)
        outer, _ = obj_get(pin, BPF_F_RDONLY)
        if outer < 0:
            return outer, None
        k = ctypes.create_string_buffer(struct.pack("<I", int(slot)))
        v = ctypes.create_string_buffer(4)
        r = bpf(MAP_LOOKUP_ELEM, struct.pack("<IIQQQ", outer, 0, addr(k), addr(v), 0))
        os.close(outer)
        if r < 0:
            return r, None
        return bpf(MAP_GET_FD_BY_ID, struct.pack("<III", struct.unpack("<I", v.raw)[0], 0,
                                                 flags)), None
    p = ctypes.create_string_buffer(path.encode())
    return bpf(OBJ_GET, struct.pack("<QII", addr(p), 0, flags)), p


def zero_rule(fd, keyhex):
    """Zero the entry of rule array fd whose key is keyhex."""
    want = bytes.fromhex(keyhex)
    v = ctypes.create_string_buffer(RULE_RECORD)
    i = 0
    while True:
        k = ctypes.create_string_buffer(struct.pack("<I", i))
        r = bpf(MAP_LOOKUP_ELEM, struct.pack("<IIQQQ", fd, 0, addr(k), addr(v), 0))
        if r < 0:
            return r
        if v.raw[:32] == want:
            z = ctypes.create_string_buffer(RULE_RECORD)
            return bpf(MAP_UPDATE_ELEM, struct.pack("<IIQQQ", fd, 0, addr(k), addr(z), 0))
        i += 1


def report(r):
    print("ok" if r >= 0 else "errno %d (%s)" % (-r, errno.errorcode.get(-r, "?")))


def need(r, what):
    if r < 0:
        print("setup failed: %s: errno %d" % (what, -r))
        sys.exit(1)
    return r


def insn(code, dst=0, src=0, off=0, imm=0):
    return struct.pack("<BBhi", code, dst | (src << 4), off, imm)


def prog_load(ptype, insns, attach_type=0, btf_id=0):
    code = ctypes.create_string_buffer(b"".join(insns))
    lic = ctypes.create_string_buffer(b"GPL")
    attr = struct.pack("<IIQQIIQII16sIIIIQIIQII", ptype, len(insns), addr(code), addr(lic),
                       0, 0, 0, 0, 0, b"bpfpoke", 0, attach_type, 0, 0, 0, 0, 0, 0, 0, btf_id)
    return bpf(PROG_LOAD, attr)


def btf_func_id(name):
    out = subprocess.run(["bpftool", "btf", "dump", "file", "/sys/kernel/btf/vmlinux"],
                         capture_output=True, text=True).stdout
    for line in out.splitlines():
        if line.startswith("[") and "FUNC '%s'" % name in line:
            return int(line[1:line.index("]")])
    return 0


def pin_obj(fd, dest):
    path = ctypes.create_string_buffer(dest.encode())
    return bpf(OBJ_PIN, struct.pack("<QI", addr(path), fd))


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 1
    what, pin = sys.argv[1], sys.argv[2]
    if what == "old-fd":
        fd, _ = obj_get(pin, 0)
        need(fd, "open " + pin)
        go = sys.argv[4]
        open(go + ".ready", "w").close()
        while not os.path.exists(go):
            time.sleep(0.1)
        if "@" in pin:
            report(zero_rule(fd, sys.argv[3]))
            return 0
        key = ctypes.create_string_buffer(bytes.fromhex(sys.argv[3]))
        report(bpf(MAP_DELETE_ELEM, struct.pack("<IIQ", fd, 0, addr(key))))
        return 0
    if what == "prog-fd":
        fd = bpf(PROG_GET_FD_BY_ID, struct.pack("<III", int(pin), 0, 0))
        report(fd)
        return 0
    if what == "zero":
        fd, _ = obj_get(pin, 0)
        report(fd if fd < 0 else zero_rule(fd, sys.argv[3]))
        return 0
    if what == "mmap-write":
        fd, _ = obj_get(pin, 0)
        if fd < 0:
            report(fd)
            return 0
        try:
            m = mmap.mmap(fd, mmap.PAGESIZE, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
        except OSError as e:
            report(-e.errno)
            return 0
        m.close()
        report(0)
        return 0
    fd, _ = obj_get(pin, BPF_F_RDONLY)
    need(fd, "open %s read-only" % pin)
    if what == "map-in-map":
        outer = need(bpf(MAP_CREATE, struct.pack("<IIIIII", 12, 4, 4, 1, 0, fd)), "map create")
        k = ctypes.create_string_buffer(struct.pack("<I", 0))
        v = ctypes.create_string_buffer(struct.pack("<I", fd))
        r = bpf(MAP_UPDATE_ELEM, struct.pack("<IIQQQ", outer, 0, addr(k), addr(v), 0))
        report(r if r < 0 or len(sys.argv) < 4 else pin_obj(outer, sys.argv[3]))
    elif what == "prog-using":
        # r1 = map (pseudo map fd); r0 = 0; exit
        report(prog_load(1, [insn(0x18, 1, 1, 0, fd), insn(0), insn(0xb7, 0, 0, 0, 0),
                             insn(0x95)]))
    elif what == "prog-pin":
        prog = prog_load(1, [insn(0x18, 1, 1, 0, fd), insn(0), insn(0xb7, 0, 0, 0, 0),
                             insn(0x95)])
        if prog < 0:
            report(prog)
            return 0
        report(pin_obj(prog, sys.argv[3]))
    elif what == "iter":
        btf_id = btf_func_id("bpf_iter_bpf_map_elem")
        if not btf_id:
            print("setup failed: no BTF id for bpf_iter_bpf_map_elem")
            return 1
        prog = need(prog_load(26, [insn(0xb7, 0, 0, 0, 0), insn(0x95)], 28, btf_id),
                    "iterator program load")
        info = ctypes.create_string_buffer(struct.pack("<I", fd))
        link = bpf(LINK_CREATE, struct.pack("<IIIIQI", prog, 0, 28, 0, addr(info), 4))
        report(link if link < 0 or len(sys.argv) < 4 else pin_obj(link, sys.argv[3]))
    else:
        print(__doc__)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
