#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""adv.py - the attacks of tests/guest/adversarial.sh that need system calls a shell lacks.

Each prints one result word on its last line (and "# ..." detail lines before it):
  mmapx FILE                   mmap(PROT_READ|PROT_EXEC) of FILE: "EPERM", or "mapped:MARK"
  mprot FILE                   mmap(PROT_READ), then mprotect(PROT_EXEC): "EPERM" or "mapped:MARK"
  stalefd MERGED LOWER DATA [UPPER]
                               open MERGED, copy it up (chmod), write DATA's bytes into the
                               lower layer's file (and grow UPPER, the copy, by a byte: a
                               size no rule has), then mmap the fd opened before (which
                               maps the lower file, while reads go to the upper): as mmapx
  race FILE BANNED N MODE      item 4's race, N times: a writer (open before the fill:
                               MODE "before"; opened during it: "during") writes the bytes
                               where BANNED differs (in its first page) while a child maps
                               FILE (the fill: read-only, or executable) and the kernel hashes
                               it, then closes; then FILE (now BANNED's bytes) is made
                               executable (mprotect: the cache only) and mapped executable:
                               prints "escapes:K" (K attempts where either was allowed)
  racepre FILE BANNED N FIFO   race "before" with N writers opened before execban is loaded
                               (run it first; write to FIFO once loaded): "escapes:K"
  memfd BENIGN BANNED N        memfd: write BENIGN, fexecve, write BANNED within the same
                               tick, fexecve: "escapes:K ran:R" over N attempts
  shm BENIGN BANNED            SysV shm: attach writable, write BENIGN, attach SHM_EXEC,
                               write BANNED through the writable attach, attach SHM_EXEC
                               again: "first:R second:R" (R "EPERM" or "mapped:MARK")
  copy HOW SRC DST             write SRC's bytes over DST (same size) by HOW: copy_file_range,
                               sendfile, splice, ficlone, iouring, sharedmap: "done" or "error ..."
  sharedmap FILE BANNED        keep a MAP_SHARED writable mapping of FILE; map FILE executable
                               (allowed); write BANNED's bytes through the shared mapping;
                               map FILE executable again: "first:R second:R mprot:R"
  pinned FILE BANNED           pin FILE's pages (an io_uring fixed buffer), unmap and close it;
                               map and run FILE; write BANNED's bytes into the pinned pages
                               (READ_FIXED); map and run FILE again:
                               "first:R:X reads:MARK second:R:X" (X: what the exec ran)
A MARK is GNU (the benign twin's bytes) or BAN (the banned twin's) or ? (other bytes).
"""
import ctypes
import mmap
import os
import random
import sys
import time

libc = ctypes.CDLL(None, use_errno=True)
libc.mmap.restype = ctypes.c_void_p
libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int,
                      ctypes.c_long]
libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
libc.mprotect.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
libc.shmat.restype = ctypes.c_void_p
libc.shmat.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_int]
libc.shmdt.argtypes = [ctypes.c_void_p]
libc.syscall.restype = ctypes.c_long
MAP_FAILED = ctypes.c_void_p(-1).value
PROT_READ, PROT_WRITE, PROT_EXEC = 1, 2, 4
MAP_SHARED, MAP_PRIVATE = 1, 2
GNU, BAN = b"GNU coreutils", b"BAN coreutils"


def mark(buf):
    if GNU in buf:
        return "GNU"
    if BAN in buf:
        return "BAN"
    return "?"


def errname(e):
    return {1: "EPERM", 13: "EACCES", 26: "ETXTBSY"}.get(e, "errno%d" % e)


def map_fd(fd, size, exec_now=True):
    """Map fd executable (directly, or read-only then mprotect): EPERM or mapped:MARK."""
    prot = PROT_READ | (PROT_EXEC if exec_now else 0)
    p = libc.mmap(None, size, prot, MAP_PRIVATE, fd, 0)
    if p in (None, MAP_FAILED):
        return errname(ctypes.get_errno())
    try:
        if not exec_now and libc.mprotect(p, size, PROT_READ | PROT_EXEC):
            return errname(ctypes.get_errno())
        return "mapped:" + mark(ctypes.string_at(p, size))
    finally:
        libc.munmap(p, size)


def map_path(path, exec_now=True):
    fd = os.open(path, os.O_RDONLY)
    try:
        return map_fd(fd, os.fstat(fd).st_size, exec_now)
    finally:
        os.close(fd)


def marker_offset(data):
    off = data.find(GNU)
    if off < 0:
        off = data.find(BAN)
    return off


def stalefd(merged, layer, data, upper=None):
    fd = os.open(merged, os.O_RDONLY)		# reads and maps the lower file
    size = os.fstat(fd).st_size
    os.chmod(merged, 0o750)			# a metadata change copies the file up
    with open(data, "rb") as f:
        data = f.read()
    wfd = os.open(layer, os.O_WRONLY)		# the lower layer's file, directly
    os.pwrite(wfd, data, 0)
    os.close(wfd)
    if upper:
        os.truncate(upper, os.path.getsize(upper) + 1)
    with open(merged, "rb") as f:
        print("# reads through the overlay now see:", mark(f.read()))
    print(map_fd(fd, size))


def race(path, banned, n, mode):
    with open(banned, "rb") as f:
        bdata = f.read()
    with open(path, "rb") as f:
        gdata = f.read()
    diff = [i for i in range(min(len(gdata), 4096)) if gdata[i] != bdata[i]]
    off, end = diff[0], diff[-1] + 1		# the twins differ early: read first by a hash
    escapes = 0
    for i in range(n):
        w = os.open(path, os.O_WRONLY)		# restore the benign bytes (moves wgen)
        os.pwrite(w, gdata[off:end], off)
        os.close(w)
        if mode == "before":
            w = os.open(path, os.O_WRONLY)
        r, wp = os.pipe()
        pid = os.fork()
        if pid == 0:
            try:
                os.close(r)
                fd = os.open(path, os.O_RDONLY)
                os.write(wp, b"x")		# the fill starts now
                # the fill: a read-only mapping (primes the cache) or an executable one
                if i & 1:
                    map_fd(fd, len(gdata))
                else:
                    libc.mmap(None, len(gdata), PROT_READ, MAP_PRIVATE, fd, 0)
            finally:
                os._exit(0)
        os.close(wp)
        os.read(r, 1)
        os.close(r)
        # within the clock tick of the fill's start, once the hash has read the first page
        time.sleep(random.random() * 0.004)
        if mode == "during":
            w = os.open(path, os.O_WRONLY)
        os.pwrite(w, bdata[off:end], off)
        os.close(w)
        os.waitpid(pid, 0)
        a, b = map_path(path, exec_now=False), map_path(path)
        if a.startswith("mapped") or b.startswith("mapped"):
            escapes += 1
            print("# attempt %d: the banned bytes: mprotect %s, mmap %s" % (i, a, b))
    print("escapes:%d" % escapes)


def racepre(path, banned, n, fifo):
    """race "before" with writers opened before execban was loaded (no hook saw them open):
    N descriptors opened now, one used and closed per attempt once FIFO says go."""
    with open(banned, "rb") as f:
        bdata = f.read()
    with open(path, "rb") as f:
        gdata = f.read()
    diff = [i for i in range(min(len(gdata), 4096)) if gdata[i] != bdata[i]]
    off, end = diff[0], diff[-1] + 1
    ws = [os.open(path, os.O_WRONLY) for _ in range(n)]
    with open(fifo, "rb") as f:			# blocks until the policy is loaded
        f.read()
    escapes = 0
    for i, w in enumerate(ws):
        os.pwrite(w, gdata[off:end], off)	# benign again, through a writer seen by no hook
        r, wp = os.pipe()
        pid = os.fork()
        if pid == 0:
            try:
                os.close(r)
                fd = os.open(path, os.O_RDONLY)
                os.write(wp, b"x")
                if i & 1:
                    map_fd(fd, len(gdata))
                else:
                    libc.mmap(None, len(gdata), PROT_READ, MAP_PRIVATE, fd, 0)
            finally:
                os._exit(0)
        os.close(wp)
        os.read(r, 1)
        os.close(r)
        time.sleep(random.random() * 0.004)
        os.pwrite(w, bdata[off:end], off)
        os.close(w)
        os.waitpid(pid, 0)
        a, b = map_path(path, exec_now=False), map_path(path)
        if a.startswith("mapped") or b.startswith("mapped"):
            escapes += 1
            print("# attempt %d: the banned bytes: mprotect %s, mmap %s" % (i, a, b))
    print("escapes:%d" % escapes)


def memfd(benign, banned, n):
    with open(benign, "rb") as f:
        g = f.read()
    with open(banned, "rb") as f:
        b = f.read()
    off = marker_offset(g)
    escapes = ran = 0
    for _ in range(n):
        fd = os.memfd_create("adv")
        os.write(fd, g)
        r1 = fexec(fd)
        os.pwrite(fd, b[off:off + len(BAN)], off)	# within the tick, no open, no writer count
        r2 = fexec(fd)
        os.close(fd)
        ran += r1 == "GNU"
        if r2 != "EPERM":
            escapes += 1
            print("# first %s, then %s" % (r1, r2))
    print("escapes:%d ran:%d" % (escapes, ran))


def fexec(fd):
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        os.dup2(w, 1)
        try:
            os.execve(fd, ["adv", "--version"], os.environ)
        except PermissionError:
            os._exit(77)
        os._exit(78)
    os.close(w)
    out = os.read(r, 4096)
    os.close(r)
    _, st = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(st)
    return "EPERM" if code == 77 else mark(out) if code == 0 else "exit%d" % code


def shm(benign, banned):
    with open(benign, "rb") as f:
        g = f.read()
    with open(banned, "rb") as f:
        b = f.read()
    SHM_EXEC, IPC_RMID, IPC_PRIVATE = 0o100000, 0, 0
    sid = libc.shmget(IPC_PRIVATE, len(g), 0o700 | 0o1000)	# x: SHM_EXEC needs it
    if sid < 0:
        print("error shmget", errname(ctypes.get_errno()))
        return
    try:
        rw = libc.shmat(sid, None, 0)
        ctypes.memmove(rw, g, len(g))
        res = []
        for data in (None, b):
            if data:
                ctypes.memmove(rw, data, len(data))	# through the writable attach
            x = libc.shmat(sid, None, SHM_EXEC | 0o10000)	# SHM_RDONLY | SHM_EXEC
            if x in (None, MAP_FAILED):
                res.append(errname(ctypes.get_errno()))
            else:
                res.append("mapped:" + mark(ctypes.string_at(x, len(g))))
                libc.shmdt(x)
        print("first:%s second:%s" % tuple(res))
    finally:
        libc.shmctl(sid, IPC_RMID, None)


def copy(how, src, dst):
    size = os.path.getsize(src)
    s = os.open(src, os.O_RDONLY)
    d = os.open(dst, os.O_RDWR)
    try:
        if how == "copy_file_range":
            n = os.copy_file_range(s, d, size, 0, 0)
        elif how == "sendfile":
            n = os.sendfile(d, s, 0, size)
        elif how == "splice":
            r, w = os.pipe()
            n = 0
            while n < size:
                k = os.splice(s, w, min(size - n, 65536), offset_src=n)
                os.splice(r, d, k, offset_dst=n)
                n += k
        elif how == "ficlone":
            import fcntl
            FICLONE = 0x40049409
            fcntl.ioctl(d, FICLONE, s)
            n = size
        elif how == "iouring":
            n = iouring_write(d, open(src, "rb").read())
        else:
            raise SystemExit("unknown copy " + how)
        print("done" if n == size else "error short %d" % n)
    except OSError as e:
        print("error", e)


IORING_OP_READ_FIXED, IORING_OP_WRITE = 4, 23


class Ring:
    """An io_uring through raw system calls (the guest has no liburing), one request at a time."""

    class Params(ctypes.Structure):
        _fields_ = [("sq_entries", ctypes.c_uint32), ("cq_entries", ctypes.c_uint32),
                    ("flags", ctypes.c_uint32), ("sq_thread_cpu", ctypes.c_uint32),
                    ("sq_thread_idle", ctypes.c_uint32), ("features", ctypes.c_uint32),
                    ("wq_fd", ctypes.c_uint32), ("resv", ctypes.c_uint32 * 3),
                    ("sq_off", ctypes.c_uint32 * 10), ("cq_off", ctypes.c_uint32 * 10)]

    def __init__(self):
        p = self.p = Ring.Params()
        self.fd = libc.syscall(425, 4, ctypes.byref(p))
        if self.fd < 0:
            raise OSError(ctypes.get_errno(), "io_uring_setup")
        # sq_off: head tail ring_mask ring_entries flags dropped array resv1 user_addr
        sq_sz = p.sq_off[6] + p.sq_entries * 4
        cq_sz = p.cq_off[5] + p.cq_entries * 16	# cq_off.cqes
        rw, shared = PROT_READ | PROT_WRITE, MAP_SHARED | 0x8000	# MAP_POPULATE
        self.sq = libc.mmap(None, sq_sz, rw, shared, self.fd, 0)
        self.cq = libc.mmap(None, cq_sz, rw, shared, self.fd, 0x8000000)
        self.sqes = libc.mmap(None, 64 * p.sq_entries, rw, shared, self.fd, 0x10000000)

    def register_buffer(self, addr, length):
        """IORING_REGISTER_BUFFERS: pins the pages under [addr, addr + length) for the ring's life."""
        iov = (ctypes.c_uint64 * 2)(addr, length)
        if libc.syscall(427, self.fd, 0, iov, 1) < 0:
            raise OSError(ctypes.get_errno(), "io_uring_register")

    def submit(self, op, fd, addr, length, offset=0, buf_index=0):
        """One request; its result (a negative errno raises)."""
        p, sqes = self.p, self.sqes
        ctypes.memset(sqes, 0, 64)
        ctypes.c_uint8.from_address(sqes).value = op
        ctypes.c_int32.from_address(sqes + 4).value = fd
        ctypes.c_uint64.from_address(sqes + 8).value = offset
        ctypes.c_uint64.from_address(sqes + 16).value = addr
        ctypes.c_uint32.from_address(sqes + 24).value = length
        ctypes.c_uint16.from_address(sqes + 40).value = buf_index
        tail = ctypes.c_uint32.from_address(self.sq + p.sq_off[1])
        mask = ctypes.c_uint32.from_address(self.sq + p.sq_off[2]).value
        ctypes.c_uint32.from_address(self.sq + p.sq_off[6] + 4 * (tail.value & mask)).value = 0
        tail.value += 1
        if libc.syscall(426, self.fd, 1, 1, 1, None, 0) < 0:	# io_uring_enter, GETEVENTS
            raise OSError(ctypes.get_errno(), "io_uring_enter")
        head = ctypes.c_uint32.from_address(self.cq + p.cq_off[0])
        cmask = ctypes.c_uint32.from_address(self.cq + p.cq_off[2]).value
        res = ctypes.c_int32.from_address(self.cq + p.cq_off[5] + 16 * (head.value & cmask) + 8).value
        head.value += 1
        if res < 0:
            raise OSError(-res, "io_uring request %d" % op)
        return res

    def close(self):
        os.close(self.fd)


def iouring_write(fd, data):
    """One IORING_OP_WRITE of data at offset 0 of fd."""
    ring = Ring()
    buf = ctypes.create_string_buffer(data, len(data))
    try:
        return ring.submit(IORING_OP_WRITE, fd, ctypes.addressof(buf), len(data))
    finally:
        ring.close()


def exec_mark(path):
    """Run path --version: EPERM, or which bytes ran."""
    import subprocess
    try:
        out = subprocess.run([path, "--version"], capture_output=True).stdout
    except OSError as e:
        return errname(e.errno)
    return mark(out)


def pinned(path, banned):
    """The pages of path pinned by an io_uring fixed buffer, then no mapping and no open file
    left; path run and mapped (allowed); banned's bytes written into the pinned pages by a
    READ_FIXED, which opens nothing and passes no hook; path run and mapped again."""
    size = os.path.getsize(path)
    length = (size + mmap.PAGESIZE - 1) & ~(mmap.PAGESIZE - 1)
    fd = os.open(path, os.O_RDWR)
    p = libc.mmap(None, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)
    if p in (None, MAP_FAILED):
        raise OSError(ctypes.get_errno(), "mmap")
    ring = Ring()
    ring.register_buffer(p, length)
    libc.munmap(p, length)
    os.close(fd)
    first = "%s:%s" % (map_path(path), exec_mark(path))
    b = os.open(banned, os.O_RDONLY)
    print("# READ_FIXED wrote", ring.submit(IORING_OP_READ_FIXED, b, p, size), "bytes")
    os.close(b)
    with open(path, "rb") as f:
        now = mark(f.read())
    second = "%s:%s" % (map_path(path), exec_mark(path))
    ring.close()
    print("first:%s reads:%s second:%s" % (first, now, second))


def sharedmap(path, banned):
    with open(banned, "rb") as f:
        b = f.read()
    fd = os.open(path, os.O_RDWR)
    size = os.fstat(fd).st_size
    m = mmap.mmap(fd, size, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
    os.close(fd)			# the mapping keeps the file open for writing
    first = map_path(path)
    m[:] = b			# banned bytes through the shared writable mapping
    second = map_path(path)
    third = map_path(path, exec_now=False)
    m.close()
    print("first:%s second:%s mprot:%s" % (first, second, third))


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "mmapx":
        print(map_path(args[0]))
    elif cmd == "mprot":
        print(map_path(args[0], exec_now=False))
    elif cmd == "stalefd":
        stalefd(*args)
    elif cmd == "race":
        race(args[0], args[1], int(args[2]), args[3])
    elif cmd == "racepre":
        racepre(args[0], args[1], int(args[2]), args[3])
    elif cmd == "memfd":
        memfd(args[0], args[1], int(args[2]))
    elif cmd == "shm":
        shm(*args)
    elif cmd == "copy":
        copy(*args)
    elif cmd == "sharedmap":
        sharedmap(*args)
    elif cmd == "pinned":
        pinned(*args)
    else:
        raise SystemExit("unknown command " + cmd)


if __name__ == "__main__":
    try:
        main()
    except OSError as e:
        print("error", e)
