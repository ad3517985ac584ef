// SPDX-License-Identifier: GPL-2.0
/*
 * sysguard.c - the files a machine needs to boot and to be repaired, and whether a ban list
 * names one of them (issue 19: a list that bans the shell or libc leaves a machine that does
 * not boot, and in lock mode nothing can lift it). check, load and import refuse such a list
 * unless --force.
 *
 * Protected (docs/execban.8.md, PROTECTED FILES, says the same):
 *  1. named programs, symlinks resolved: /sbin/init, /bin/sh, /bin/bash, /usr/bin/dpkg,
 *     /usr/bin/apt, /usr/bin/apt-get, the dynamic loaders of the usual architectures
 *     (/lib64/ld-linux-x86-64.so.2, ...), /usr/sbin/execban and the running execban
 *     (/proc/self/exe);
 *  2. for each of those that is an ELF file, its program interpreter (PT_INTERP) and the shared
 *     libraries it needs (DT_NEEDED), transitively, found as ld.so finds them: DT_RPATH (when
 *     there is no DT_RUNPATH) or DT_RUNPATH with $ORIGIN, then /etc/ld.so.cache (without one,
 *     the folders /etc/ld.so.conf names, its includes followed), then /lib/<multiarch>,
 *     /usr/lib/<multiarch>, /lib64, /usr/lib64, /lib, /usr/lib; the first ELF file of the same
 *     class and machine wins, and its glibc-hwcaps variants are protected too. No program is
 *     run (no ldd);
 *  3. from the dpkg database (/var/lib/dpkg/status and /var/lib/dpkg/info/<package>.list):
 *     every regular file that is ELF or starts with "#!" of each package whose files are on
 *     disk (any status but not-installed and config-files) and that is Essential: yes or
 *     Priority: required, and of every package those depend on (Depends and Pre-Depends,
 *     recursively, every installed alternative and every installed provider of a virtual
 *     package): libc6, zlib1g, and with init installed the init system and its libraries;
 *     not under the data trees of /usr/share (doc, man, locale, zoneinfo, ...: data_trees[]).
 *
 * A ban list bans a protected file when the kernel would refuse it: a sha256 rule names its
 * digest (and, when every sha256 rule has a size, the file's size is one of theirs: otherwise
 * the kernel never hashes it), or a signer rule names an identity of one of its signatures
 * (read as scan reads them, filesig.c: an issuer and serial is resolved to its key id through
 * the kernel's keyrings when execban.ko is loaded), or the list has signer rules and its
 * signature cannot be read (the kernel refuses such a file then). Audit rules count as bans:
 * flipping the mode to enforce must not make a list that passed unsafe.
 *
 * Cost: what was read of each file (its kind: ELF, script, other; its digest; its signer
 * keys) is kept in a cache (/var/cache/execban/sysguard.cache, 0600 in a 0700 folder, used only
 * when owned by this user or root and writable by nobody else; one that does not read back
 * whole, its last line holding the SHA-256 of the rest, is ignored and written again), keyed
 * by path and (dev, ino, size, mtime, ctime), and a file is opened only when the cache does not
 * know it under its key and the list could ban it (only files of a banned size are hashed).
 * While the dpkg status is the one the cache was written under, the packages' files are taken
 * from the cache and stat'ed again only when their size could be banned; while ld.so.cache,
 * where each named path leads and every program and library found are unchanged (a stat
 * each), so is what the programs load. A warm run is thus a few stat calls and one read.
 *
 * EXECBAN_SYSROOT=DIR computes all of it inside DIR (symlinks resolved within it, openat2
 * RESOLVE_IN_ROOT), for tests; the running execban stays protected. EXECBAN_TIMING=1 prints
 * what it cost and how much the cache saved.
 */
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <linux/openat2.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "cli.h"
#include "filesig.h"
#include "policy.h"
#include "sysguard.h"

#define CACHE_MAGIC	"execban-sysguard-cache 2\n"
#define CACHE_MAX	(64U << 20)
#define LIST_MAX	(64U << 20)	/* a dpkg .list or the status file */
#define ELF_MAX_PHDRS	256
#define ELF_MAX_DYN	(64U << 10)
#define ELF_MAX_STRTAB	(4U << 20)
#define MAX_DEPTH	8		/* ld.so.conf includes */

enum kind { K_UNKNOWN, K_ELF, K_SCRIPT, K_OTHER };
/* a named program or what it loads; a package's file; execban itself (outside a sysroot) */
enum src { SRC_NAMED, SRC_PKG, SRC_HOST };
enum sigstate { SIG_UNREAD, SIG_READ, SIG_UNREADABLE };

/* A file: one the guard looks at, or one the cache remembers. */
struct gfile {
	char *path;		/* as this machine sees it: under the sysroot, if any */
	const char *why;	/* why protected (not owned) */
	uint64_t dev, ino, size;
	int64_t mtime, ctime;	/* nanoseconds */
	uint8_t kind;		/* enum kind */
	uint8_t sigs;		/* enum sigstate */
	uint8_t n_sigkeys;
	uint8_t src;		/* enum src */
	bool named;		/* protected whatever its content */
	bool host;		/* outside the sysroot (execban itself) */
	bool has_digest;
	bool trusted;		/* a package file as the cache knows it: not stat'ed in this run */
	bool gone;		/* found missing: left out of the cache */
	uint8_t digest[EXECBAN_SHA256_LEN];
	struct sha256_key sigkeys[EXECBAN_SIGNER_KEYS];
	char *sig_why;		/* SIG_UNREADABLE read in this run: why */
};

/* An open-addressing index of strings: slot = index + 1, 0 empty. */
struct strindex {
	uint32_t *slot;
	size_t cap;		/* a power of two */
};

struct pkg {
	const char *name, *arch, *dep, *predep, *prov;
	size_t name_len, arch_len, dep_len, predep_len, prov_len;
	bool on_disk;
	uint8_t root;		/* 1 Essential, 2 Priority required */
	bool marked;
	char *why;
};

struct prov {
	const char *name;	/* the virtual package */
	size_t len;
	size_t pkg;
};

struct guard {
	char root[PATH_MAX];	/* "" for / */
	int rootfd;
	struct gfile *f;
	size_t n, cap;
	struct strindex fidx;
	struct gfile *cache;
	size_t n_cache;
	struct strindex cidx;
	char **libdirs;		/* ld.so.conf's folders, in the root */
	size_t n_libdirs;
	bool libdirs_read;
	char *ldcache;		/* /etc/ld.so.cache, its new format's header at ldc */
	size_t ldcache_len, ldc, ldc_n;
	bool ldcache_read;
	struct gfile status;	/* the key of /var/lib/dpkg/status now (path NULL: none) */
	bool have_status, pkgs_complete;
	struct gfile cstatus;	/* the key the cache's package files were read under */
	bool have_cstatus;
	/* the named programs: where each path led (path: the named path), ld.so.cache's key */
	struct gfile *roots, *croots;
	size_t n_roots, n_croots;
	struct gfile ldc_now, cldc;
	bool have_ldc_now, have_cldc, have_cnamed, named_cached;
	char **cwhy;		/* the cache's why strings */
	size_t n_cwhy;
	char **looked;		/* library lookups done (lookup_key()): each is made once */
	struct strindex lidx;
	size_t n_looked;
	char **hwdirs;		/* folders known to have (hw[i] 1) or not (0) a glibc-hwcaps */
	int8_t *hw;
	size_t n_hwdirs;
	char **whys;		/* owned why strings */
	size_t n_whys;
	/* for EXECBAN_TIMING */
	unsigned int n_hashed, n_cached_digests, n_opened, n_sigread, n_pkgs, n_pkg_files;
	unsigned int n_statted;
	bool cache_used, cache_written, pkgs_cached;
	const char *cache_note;
};

/* ---- small helpers ---- */

static uint64_t fnv64(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
	return h;
}

/* The slot of (s, n) in ix: where it is (*found) or where it goes. name(i) gives entry i. */
static uint32_t *strindex_slot(struct strindex *ix, const char *s, size_t n,
			       const char *(*name)(const void *, size_t, size_t *),
			       const void *arg, bool *found)
{
	size_t j, len;
	const char *t;

	*found = false;
	if (!ix->cap)
		return NULL;
	for (j = fnv64(s, n) & (ix->cap - 1); ix->slot[j]; j = (j + 1) & (ix->cap - 1)) {
		t = name(arg, ix->slot[j] - 1, &len);
		if (len == n && !memcmp(t, s, n)) {
			*found = true;
			break;
		}
	}
	return &ix->slot[j];
}

/* Room for n entries at a load below one half; rehashes entries 0..n-1. */
static int strindex_reserve(struct strindex *ix, size_t n,
			    const char *(*name)(const void *, size_t, size_t *), const void *arg,
			    size_t have)
{
	struct strindex nx;
	size_t i, len;
	const char *s;
	uint32_t *sl;
	bool found;

	if (2 * n < ix->cap)
		return 0;
	nx.cap = ix->cap ? ix->cap : 256;
	while (2 * n >= nx.cap)
		nx.cap *= 2;
	nx.slot = calloc(nx.cap, sizeof(*nx.slot));
	if (!nx.slot)
		return -ENOMEM;
	for (i = 0; i < have; i++) {
		s = name(arg, i, &len);
		sl = strindex_slot(&nx, s, len, name, arg, &found);
		if (!found)
			*sl = (uint32_t)i + 1;
	}
	free(ix->slot);
	*ix = nx;
	return 0;
}

static const char *gfile_name(const void *arg, size_t i, size_t *len)
{
	const struct gfile *f = (const struct gfile *)arg + i;

	*len = strlen(f->path);
	return f->path;
}

static const char *keep_why(struct guard *g, char *s)
{
	char **w;

	if (!s)
		return NULL;
	w = realloc(g->whys, (g->n_whys + 1) * sizeof(*w));
	if (!w) {
		free(s);
		return NULL;
	}
	g->whys = w;
	w[g->n_whys++] = s;
	return s;
}

__attribute__((format(printf, 2, 3)))
static const char *why_fmt(struct guard *g, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	return n < 0 ? NULL : keep_why(g, s);
}

static int64_t ns(const struct timespec *t)
{
	return (int64_t)t->tv_sec * 1000000000 + t->tv_nsec;
}

static long long ms(const struct timespec *a, const struct timespec *b)
{
	return (long long)((ns(b) - ns(a)) / 1000000);
}

static void set_key(struct gfile *f, const struct stat *st)
{
	f->dev = st->st_dev;
	f->ino = st->st_ino;
	f->size = (uint64_t)st->st_size;
	f->mtime = ns(&st->st_mtim);
	f->ctime = ns(&st->st_ctim);
}

static bool same_key(const struct gfile *a, const struct gfile *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       a->mtime == b->mtime && a->ctime == b->ctime;
}

/* ---- paths in the root ---- */

/* path (absolute, in the root) opened as this machine would open it, inside the root. */
static int g_open(const struct guard *g, const char *path, int flags)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};

	if (!g->root[0])
		return open(path, flags | O_CLOEXEC);
	return (int)syscall(SYS_openat2, g->rootfd, path, &how, sizeof(how));
}

static int g_lstat(const struct guard *g, const char *path, struct stat *st)
{
	int fd, ret;

	if (!g->root[0])
		return fstatat(AT_FDCWD, path, st, AT_SYMLINK_NOFOLLOW) ? -errno : 0;
	fd = g_open(g, path, O_PATH | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	ret = fstat(fd, st) ? -errno : 0;
	close(fd);
	return ret;
}

/* stat() of path in the root, symlinks followed inside it. */
static int g_stat(const struct guard *g, const char *path, struct stat *st)
{
	int fd, ret;

	if (!g->root[0])
		return stat(path, st) ? -errno : 0;
	fd = g_open(g, path, O_PATH);
	if (fd < 0)
		return -errno;
	ret = fstat(fd, st) ? -errno : 0;
	close(fd);
	return ret;
}

/*
 * The real path (in the root) of what fd is open on: the kernel keeps it with the open file,
 * so this costs no lookup (a realpath() is one per component, each a round trip on 9p).
 */
static int fd_realpath(const struct guard *g, int fd, char *out)
{
	char proc[64], buf[PATH_MAX];
	size_t rl = strlen(g->root);
	ssize_t n;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	n = readlink(proc, buf, sizeof(buf) - 1);
	if (n <= 0 || buf[0] != '/')
		return -EINVAL;
	buf[n] = 0;
	if (strncmp(buf, g->root, rl) || (buf[rl] && buf[rl] != '/'))
		return -EXDEV;
	snprintf(out, PATH_MAX, "%s", buf[rl] ? buf + rl : "/");
	return 0;
}

/* The whole file at path in the root, NUL-terminated, at most max bytes. 0 or -errno. */
static int g_read(const struct guard *g, const char *path, size_t max, char **buf, size_t *len)
{
	struct stat st;
	size_t got = 0;
	ssize_t n;
	int fd, ret = 0;

	*buf = NULL;
	fd = g_open(g, path, O_RDONLY | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > max) {
		close(fd);
		return -EINVAL;
	}
	*buf = malloc((size_t)st.st_size + 1);
	if (!*buf) {
		close(fd);
		return -ENOMEM;
	}
	while (got < (size_t)st.st_size) {
		n = read(fd, *buf + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			break;
		}
		if (!n)
			break;
		got += (size_t)n;
	}
	close(fd);
	if (ret) {
		free(*buf);
		*buf = NULL;
		return ret;
	}
	(*buf)[got] = 0;
	*len = got;
	return 0;
}

/* ---- the files ---- */

/*
 * Add the file at path (in the root; host: outside it, execban itself) with its lstat(), once:
 * the first why stays. Returns its index, or -1 (not a regular file, or out of memory).
 */
static long add_file(struct guard *g, const char *path, bool host, const struct stat *st,
		     const char *why, bool named)
{
	char full[PATH_MAX];
	struct gfile *f;
	uint32_t *sl;
	bool found;

	if (!S_ISREG(st->st_mode) || !why)
		return -1;
	if ((size_t)snprintf(full, sizeof(full), "%s%s", host ? "" : g->root, path) >= sizeof(full))
		return -1;
	if (strindex_reserve(&g->fidx, g->n + 1, gfile_name, g->f, g->n))
		return -1;
	sl = strindex_slot(&g->fidx, full, strlen(full), gfile_name, g->f, &found);
	if (found) {
		if (named)
			g->f[*sl - 1].named = true;
		return (long)*sl - 1;
	}
	if (g->n == g->cap) {
		size_t cap = g->cap ? 2 * g->cap : 1024;

		f = realloc(g->f, cap * sizeof(*f));
		if (!f)
			return -1;
		g->f = f;
		g->cap = cap;
	}
	f = &g->f[g->n];
	memset(f, 0, sizeof(*f));
	f->path = strdup(full);
	if (!f->path)
		return -1;
	f->why = why;
	f->named = named;
	f->host = host;
	f->src = SRC_NAMED;
	set_key(f, st);
	*sl = (uint32_t)g->n + 1;
	return (long)g->n++;
}

/* ---- ELF: what a program needs loaded ---- */

struct elf_info {
	bool is64, le;
	uint16_t machine;
	char interp[PATH_MAX];		/* PT_INTERP, "" if none */
	char *strtab;			/* .dynstr, NUL-terminated */
	size_t strsz;
	size_t needed[256];		/* DT_NEEDED offsets in strtab */
	size_t n_needed;
	long runpath, rpath;		/* offsets in strtab, -1 if none */
};

static uint64_t rd(const uint8_t *p, int n, bool le)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < n; i++)
		v |= (uint64_t)p[le ? i : n - 1 - i] << (8 * i);
	return v;
}

static bool pread_all(int fd, void *buf, size_t len, uint64_t off)
{
	return off <= (uint64_t)INT64_MAX && pread(fd, buf, len, (off_t)off) == (ssize_t)len;
}

/* The class and machine of an ELF header (64 bytes read). false if not ELF. */
static bool elf_ident(const uint8_t *h, size_t n, bool *is64, bool *le, uint16_t *machine)
{
	if (n < 52 || memcmp(h, ELFMAG, SELFMAG) || (h[EI_CLASS] != ELFCLASS32 &&
	    h[EI_CLASS] != ELFCLASS64) || (h[EI_DATA] != ELFDATA2LSB && h[EI_DATA] != ELFDATA2MSB))
		return false;
	*is64 = h[EI_CLASS] == ELFCLASS64;
	*le = h[EI_DATA] == ELFDATA2LSB;
	if (*is64 && n < 64)
		return false;
	*machine = (uint16_t)rd(h + 18, 2, *le);
	return true;
}

/* len bytes at off: from head (the file's first head_len bytes) when there, else read. */
static bool fetch(int fd, const uint8_t *head, size_t head_len, void *out, size_t len,
		  uint64_t off)
{
	if (off <= head_len && len <= head_len - off) {
		memcpy(out, head + off, len);
		return true;
	}
	return pread_all(fd, out, len, off);
}

#define ELF_HEAD	(64U << 10)	/* read at once: headers, and usually .dynstr */

/*
 * The program headers and dynamic section of an open ELF file: what ld.so reads of it. The
 * first 64 KiB are read in one go (each read is a round trip on 9p). 0 or -errno.
 */
static int elf_read(int fd, struct elf_info *e)
{
	uint8_t *head, ph[56], *dyn = NULL;
	uint64_t phoff, off, filesz, vaddr, strtab = 0, strsz = 0, dynoff = 0, dynsz = 0;
	uint64_t lo_vaddr[ELF_MAX_PHDRS], lo_off[ELF_MAX_PHDRS], lo_sz[ELF_MAX_PHDRS];
	unsigned int phnum, phent, i, n_load = 0, dsz;
	bool have_strtab = false;
	size_t hl;
	ssize_t n;
	uint32_t type;
	int ret = 0;

	memset(e, 0, offsetof(struct elf_info, needed));
	e->runpath = e->rpath = -1;
	e->n_needed = 0;
	head = malloc(ELF_HEAD);
	if (!head)
		return -ENOMEM;
	n = pread(fd, head, ELF_HEAD, 0);
	hl = n > 0 ? (size_t)n : 0;
	if (!elf_ident(head, hl, &e->is64, &e->le, &e->machine)) {
		ret = -ENOEXEC;
		goto out;
	}
	phoff = rd(head + (e->is64 ? 32 : 28), e->is64 ? 8 : 4, e->le);
	phent = (unsigned int)rd(head + (e->is64 ? 54 : 42), 2, e->le);
	phnum = (unsigned int)rd(head + (e->is64 ? 56 : 44), 2, e->le);
	if (phnum > ELF_MAX_PHDRS || phent < (e->is64 ? 56u : 32u)) {
		ret = -ENOEXEC;
		goto out;
	}
	for (i = 0; i < phnum; i++) {
		if (!fetch(fd, head, hl, ph, e->is64 ? 56 : 32, phoff + (uint64_t)i * phent)) {
			ret = -ENOEXEC;
			goto out;
		}
		type = (uint32_t)rd(ph, 4, e->le);
		off = rd(ph + (e->is64 ? 8 : 4), e->is64 ? 8 : 4, e->le);
		vaddr = rd(ph + (e->is64 ? 16 : 8), e->is64 ? 8 : 4, e->le);
		filesz = rd(ph + (e->is64 ? 32 : 16), e->is64 ? 8 : 4, e->le);
		if (type == PT_INTERP && filesz > 1 && filesz < sizeof(e->interp)) {
			if (!fetch(fd, head, hl, e->interp, filesz, off))
				e->interp[0] = 0;
			e->interp[filesz] = 0;
			e->interp[strnlen(e->interp, filesz)] = 0;
		} else if (type == PT_LOAD) {
			lo_vaddr[n_load] = vaddr;
			lo_off[n_load] = off;
			lo_sz[n_load++] = filesz;
		} else if (type == PT_DYNAMIC) {
			dynoff = off;
			dynsz = filesz;
		}
	}
	if (!dynsz)
		goto out;	/* static */
	dsz = e->is64 ? 16 : 8;
	if (dynsz > ELF_MAX_DYN)
		dynsz = ELF_MAX_DYN;
	dyn = malloc(dynsz);
	if (!dyn) {
		ret = -ENOMEM;
		goto out;
	}
	if (!fetch(fd, head, hl, dyn, dynsz, dynoff)) {
		ret = -ENOEXEC;
		goto out;
	}
	for (i = 0; (uint64_t)(i + 1) * dsz <= dynsz; i++) {
		const uint8_t *d = dyn + (size_t)i * dsz;
		uint64_t tag = rd(d, dsz / 2, e->le), val = rd(d + dsz / 2, dsz / 2, e->le);

		if (tag == DT_NULL)
			break;
		if (tag == DT_STRTAB) {
			strtab = val;
			have_strtab = true;
		} else if (tag == DT_STRSZ) {
			strsz = val;
		} else if (tag == DT_NEEDED && e->n_needed < sizeof(e->needed) / sizeof(e->needed[0])) {
			e->needed[e->n_needed++] = val;
		} else if (tag == DT_RUNPATH && val <= LONG_MAX) {
			e->runpath = (long)val;
		} else if (tag == DT_RPATH && val <= LONG_MAX) {
			e->rpath = (long)val;
		}
	}
	if (!have_strtab || !strsz || strsz > ELF_MAX_STRTAB)
		goto none;
	/* DT_STRTAB is an address: the file offset is that of the PT_LOAD holding it */
	for (i = 0; i < n_load; i++)
		if (strtab >= lo_vaddr[i] && strtab - lo_vaddr[i] < lo_sz[i] &&
		    strsz <= lo_sz[i] - (strtab - lo_vaddr[i]))
			break;
	if (i == n_load)
		goto none;
	e->strtab = malloc(strsz + 1);
	if (!e->strtab) {
		ret = -ENOMEM;
		goto out;
	}
	if (!fetch(fd, head, hl, e->strtab, strsz, lo_off[i] + (strtab - lo_vaddr[i]))) {
		free(e->strtab);
		e->strtab = NULL;
		goto none;
	}
	e->strtab[strsz] = 0;
	e->strsz = strsz;
	for (i = 0; i < e->n_needed; i++)
		if (e->needed[i] >= strsz)
			e->needed[i] = strsz;	/* "" */
	if (e->runpath >= 0 && (uint64_t)e->runpath >= strsz)
		e->runpath = -1;
	if (e->rpath >= 0 && (uint64_t)e->rpath >= strsz)
		e->rpath = -1;
	goto out;
none:
	e->n_needed = 0;
	e->runpath = e->rpath = -1;
out:
	free(head);
	free(dyn);
	return ret;
}

static const char *multiarch(uint16_t machine, bool is64)
{
	switch (machine) {
	case EM_X86_64: return is64 ? "x86_64-linux-gnu" : "x86_64-linux-gnux32";
	case EM_386: return "i386-linux-gnu";
	case EM_AARCH64: return "aarch64-linux-gnu";
	case EM_ARM: return "arm-linux-gnueabihf";
	case EM_RISCV: return "riscv64-linux-gnu";
	case EM_PPC64: return "powerpc64le-linux-gnu";
	case EM_S390: return "s390x-linux-gnu";
#ifdef EM_LOONGARCH
	case EM_LOONGARCH: return "loongarch64-linux-gnu";
#endif
	default: return NULL;
	}
}

static void add_libdir(struct guard *g, const char *dir)
{
	char **d;
	size_t i;

	for (i = 0; i < g->n_libdirs; i++)
		if (!strcmp(g->libdirs[i], dir))
			return;
	d = realloc(g->libdirs, (g->n_libdirs + 1) * sizeof(*d));
	if (!d)
		return;
	g->libdirs = d;
	d[g->n_libdirs] = strdup(dir);
	if (d[g->n_libdirs])
		g->n_libdirs++;
}

/* /etc/ld.so.conf in the root: a folder per line, "include GLOB", "hwcap ..." (ignored). */
static void read_ldconf(struct guard *g, const char *path, int depth)
{
	char *buf, *line, *save = NULL, *s, *e, pat[PATH_MAX], dir[PATH_MAX], *slash;
	size_t len, i, rl = strlen(g->root);
	glob_t gl;

	if (depth > MAX_DEPTH || g_read(g, path, 1U << 20, &buf, &len))
		return;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		s = strchr(line, '#');
		if (s)
			*s = 0;
		for (s = line; *s == ' ' || *s == '\t'; s++)
			;
		for (e = s + strlen(s); e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'); e--)
			;
		*e = 0;
		if (!*s || !strncmp(s, "hwcap", 5))
			continue;
		if (!strncmp(s, "include", 7) && (s[7] == ' ' || s[7] == '\t')) {
			for (s += 8; *s == ' ' || *s == '\t'; s++)
				;
			snprintf(dir, sizeof(dir), "%s", path);
			slash = strrchr(dir, '/');
			if (slash)
				*slash = 0;
			if ((size_t)snprintf(pat, sizeof(pat), "%s%s%s%s", g->root, *s == '/' ? "" : dir,
					     *s == '/' ? "" : "/", s) >= sizeof(pat))
				continue;
			if (glob(pat, 0, NULL, &gl))
				continue;
			for (i = 0; i < gl.gl_pathc; i++)
				if (!strncmp(gl.gl_pathv[i], g->root, rl))
					read_ldconf(g, gl.gl_pathv[i] + rl, depth + 1);
			globfree(&gl);
			continue;
		}
		e = strpbrk(s, " \t=:,");	/* old syntax: "dir=TYPE"; a line holds one folder */
		if (e)
			*e = 0;
		if (*s == '/')
			add_libdir(g, s);
	}
	free(buf);
}

/*
 * /etc/ld.so.cache, glibc's new format ("glibc-ld.so.cache1.1", alone or after the old one):
 * a header, then nlibs entries of flags, key, value (string offsets from the header), osversion
 * and hwcap. ld.so looks a library up there before the default folders, so this resolves a
 * name without probing folders (which costs a network round trip per miss on a 9p root).
 */
#define LDC_MAGIC	"glibc-ld.so.cache1.1"
#define LDC_HDR		48
#define LDC_ENT		24

static void read_ldcache(struct guard *g)
{
	size_t off = 0, n;
	char *buf;
	size_t len;

	g->ldcache_read = true;
	if (g_read(g, "/etc/ld.so.cache", 64U << 20, &buf, &len))
		return;
	if (len >= 16 && !memcmp(buf, "ld.so-1.7.0", 11)) {
		/* the old format first: 12 bytes of magic and count, 12-byte entries */
		uint32_t old_n;

		memcpy(&old_n, buf + 12, 4);
		off = (16 + (size_t)old_n * 12 + 7) & ~(size_t)7;
	}
	if (off > len || len - off < LDC_HDR || memcmp(buf + off, LDC_MAGIC, strlen(LDC_MAGIC))) {
		free(buf);
		return;
	}
	n = (size_t)rd((const uint8_t *)buf + off + 20, 4, true);
	if (n > (len - off - LDC_HDR) / LDC_ENT) {
		free(buf);
		return;
	}
	g->ldcache = buf;
	g->ldcache_len = len;
	g->ldc = off;
	g->ldc_n = n;
}

/*
 * The flags ldconfig gives libraries of e's class and machine (glibc's FLAG_ELF_LIBC6 and
 * architecture bits), or -1 when not known here (then every entry is opened and looked at).
 */
static int ldc_flags(uint16_t machine, bool is64)
{
	switch (machine) {
	case EM_X86_64: return is64 ? 0x0303 : 0x0803;
	case EM_386: return 0x0003;
	case EM_AARCH64: return 0x0a03;
	default: return -1;
	}
}

/* A string of the cache at offset o from its header, NULL if out of bounds. */
static const char *ldc_str(const struct guard *g, uint32_t o)
{
	size_t at = g->ldc + o;

	if (at >= g->ldcache_len || !memchr(g->ldcache + at, 0, g->ldcache_len - at))
		return NULL;
	return g->ldcache + at;
}

/* The file at path (in the root), open, if it is ELF of the same class and machine as e; or -1. */
static int open_compatible(struct guard *g, const char *path, const struct elf_info *e)
{
	uint8_t h[64];
	uint16_t machine;
	bool is64, le;
	ssize_t n;
	int fd = g_open(g, path, O_RDONLY | O_NONBLOCK | O_NOCTTY);

	if (fd < 0)
		return -1;
	g->n_opened++;
	n = pread(fd, h, sizeof(h), 0);
	if (n > 0 && elf_ident(h, (size_t)n, &is64, &le, &machine) && is64 == e->is64 &&
	    le == e->le && machine == e->machine)
		return fd;
	close(fd);
	return -1;
}

/* dir with $ORIGIN / ${ORIGIN} replaced by origin; false if it names anything else. */
static bool expand_dir(const char *dir, size_t len, const char *origin, char *out, size_t size)
{
	size_t o = 0, i = 0, k;

	while (i < len) {
		if (dir[i] == '$') {
			if (len - i >= 7 && !memcmp(dir + i, "$ORIGIN", 7))
				k = 7;
			else if (len - i >= 9 && !memcmp(dir + i, "${ORIGIN}", 9))
				k = 9;
			else
				return false;	/* $LIB, $PLATFORM: not expanded */
			if (o + strlen(origin) >= size)
				return false;
			o += (size_t)snprintf(out + o, size - o, "%s", origin);
			i += k;
			continue;
		}
		if (o + 1 >= size)
			return false;
		out[o++] = dir[i++];
	}
	out[o] = 0;
	return o && out[0] == '/';
}

static long add_fd(struct guard *g, int fd, const char *why);

/* Does dir (in the root) have a glibc-hwcaps folder? Asked once per folder. */
static bool has_hwcaps(struct guard *g, const char *dir)
{
	char path[PATH_MAX], **d;
	struct stat st;
	int8_t *h;
	size_t i;

	for (i = 0; i < g->n_hwdirs; i++)
		if (!strcmp(g->hwdirs[i], dir))
			return g->hw[i];
	snprintf(path, sizeof(path), "%s/glibc-hwcaps", dir);
	d = realloc(g->hwdirs, (g->n_hwdirs + 1) * sizeof(*d));
	if (d)
		g->hwdirs = d;
	h = realloc(g->hw, g->n_hwdirs + 1);
	if (h)
		g->hw = h;
	if (!d || !h || !(d[g->n_hwdirs] = strdup(dir)))
		return true;
	h[g->n_hwdirs] = !g_lstat(g, path, &st) && !S_ISREG(st.st_mode);
	return h[g->n_hwdirs++];
}

static const char *looked_name(const void *arg, size_t i, size_t *len)
{
	const char *s = ((char *const *)arg)[i];

	*len = strlen(s);
	return s;
}

/*
 * Was this lookup made already? Records it if not. A library needed by every program (libc)
 * is found and walked once: the result of a lookup depends only on the name, the class and
 * machine, and the asking object's DT_RUNPATH/DT_RPATH and folder.
 */
static bool looked_up(struct guard *g, const char *key)
{
	uint32_t *sl;
	bool found;
	char **l;

	if (strindex_reserve(&g->lidx, g->n_looked + 1, looked_name, g->looked, g->n_looked))
		return false;
	sl = strindex_slot(&g->lidx, key, strlen(key), looked_name, g->looked, &found);
	if (found)
		return true;
	l = realloc(g->looked, (g->n_looked + 1) * sizeof(*l));
	if (!l)
		return false;
	g->looked = l;
	l[g->n_looked] = strdup(key);
	if (!l[g->n_looked])
		return false;
	*sl = (uint32_t)++g->n_looked;
	return false;
}

/* Add the file open at fd as protected (why), and close it. */
static void add_and_close(struct guard *g, int fd, const char *why)
{
	add_fd(g, fd, why);
	close(fd);
}

/*
 * The library name, needed by an object whose facts are e and whose folder is origin, as
 * ld.so finds it: DT_RPATH (without DT_RUNPATH) or DT_RUNPATH, then ld.so.cache (or without
 * one, ld.so.conf's folders), then the default folders; the first ELF file of e's class and
 * machine. Returned open (-1: not found). The glibc-hwcaps variants and the other entries of
 * that name met on the way are added (why) too.
 */
static int find_lib(struct guard *g, const char *name, const struct elf_info *e,
		    const char *origin, const char *why)
{
	static const char *const hwcaps[] = { "x86-64-v4", "x86-64-v3", "x86-64-v2" };
	static const char *const fmt[] = { "/lib/%s", "/usr/lib/%s", "/lib64", "/usr/lib64",
					   "/lib", "/usr/lib" };
	const char *ma = multiarch(e->machine, e->is64), *list = NULL, *s, *c;
	char dir[PATH_MAX], cand[PATH_MAX];
	char *dirs[64 + 6] = { NULL };
	size_t i, j, k, n_rdirs = 0, n_dirs;
	int fd = -1, v;

	if (strchr(name, '/'))
		return name[0] == '/' ? g_open(g, name, O_RDONLY | O_NONBLOCK | O_NOCTTY) : -1;
	if (!g->ldcache_read)
		read_ldcache(g);
	if (!g->ldcache && !g->libdirs_read) {
		/* no cache: the folders it would have been built from */
		g->libdirs_read = true;
		read_ldconf(g, "/etc/ld.so.conf", 0);
	}
	/* the object's own search path: DT_RPATH only when it has no DT_RUNPATH */
	if (e->runpath >= 0)
		list = e->strtab + e->runpath;
	else if (e->rpath >= 0)
		list = e->strtab + e->rpath;
	for (s = list; s && *s && n_rdirs < 64; s = *c ? c + 1 : c) {
		c = strchr(s, ':');
		if (!c)
			c = s + strlen(s);
		if (expand_dir(s, (size_t)(c - s), origin, dir, sizeof(dir)))
			dirs[n_rdirs++] = strdup(dir);
	}
	for (i = 0; i < n_rdirs && fd < 0; i++) {
		if (dirs[i] && (size_t)snprintf(cand, sizeof(cand), "%s/%s", dirs[i], name) <
		    sizeof(cand))
			fd = open_compatible(g, cand, e);
	}
	/* ld.so.cache: the first entry of that name of this class and machine is what ld.so
	 * loads; glibc-hwcaps variants of it are protected too (other entries of that name are
	 * the same file under /lib and /usr/lib, or ones ld.so never reaches) */
	for (i = 0; g->ldcache && i < g->ldc_n; i++) {
		const uint8_t *ent = (const uint8_t *)g->ldcache + g->ldc + LDC_HDR + i * LDC_ENT;
		const char *key = ldc_str(g, (uint32_t)rd(ent + 4, 4, true));
		const char *val = ldc_str(g, (uint32_t)rd(ent + 8, 4, true));
		int flags = ldc_flags(e->machine, e->is64);

		if (!key || !val || strcmp(key, name) ||
		    (flags >= 0 && (int)rd(ent, 4, true) != flags) ||
		    (fd >= 0 && !strstr(val, "/glibc-hwcaps/")) ||
		    (v = open_compatible(g, val, e)) < 0)
			continue;
		if (fd < 0)
			fd = v;
		else
			add_and_close(g, v, why);
	}
	/* then the folders: ld.so.conf's (only without a cache), the default ones */
	n_dirs = n_rdirs;
	for (i = 0; i < g->n_libdirs && n_dirs < 64; i++)
		dirs[n_dirs++] = strdup(g->libdirs[i]);
	for (i = 0; i < 6; i++) {
		if (i < 2 && !ma)
			continue;
		snprintf(dir, sizeof(dir), fmt[i], ma);
		dirs[n_dirs++] = strdup(dir);
	}
	for (i = n_rdirs; i < n_dirs && fd < 0; i++) {
		if (!dirs[i])
			continue;
		for (j = 0; j < i; j++)
			if (dirs[j] && !strcmp(dirs[j], dirs[i]))
				break;
		if (j < i)
			continue;
		for (k = 0; e->machine == EM_X86_64 && e->is64 && has_hwcaps(g, dirs[i]) && k < 3;
		     k++) {
			snprintf(cand, sizeof(cand), "%s/glibc-hwcaps/%s/%s", dirs[i], hwcaps[k], name);
			v = open_compatible(g, cand, e);
			if (v >= 0)
				add_and_close(g, v, why);
		}
		snprintf(cand, sizeof(cand), "%s/%s", dirs[i], name);
		fd = open_compatible(g, cand, e);
	}
	for (i = 0; i < n_dirs; i++)
		free(dirs[i]);
	return fd;
}

/*
 * Add the file open at fd (symlinks resolved: its real path) as protected. Its index, or -1
 * if it is not a regular file in the root.
 */
static long add_fd(struct guard *g, int fd, const char *why)
{
	char real[PATH_MAX];
	struct stat st;

	if (fstat(fd, &st) || fd_realpath(g, fd, real))
		return -1;
	return add_file(g, real, false, &st, why, true);
}

/*
 * A named program and what it loads: its PT_INTERP and DT_NEEDED libraries, transitively.
 * what names it for people ("the init system (/sbin/init)"). Each file is opened once.
 */
static long add_program(struct guard *g, const char *path, const char *what)
{
	struct item { size_t idx; int fd; } *todo, *t;
	char origin[PATH_MAX], *slash;
	const char *lib_why, *ld_why;
	size_t n_todo = 0, cap = 16, i, k, before;
	struct elf_info *e;
	long idx;
	int fd;

	long root_idx;

	fd = g_open(g, path, O_RDONLY | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return -1;
	g->n_opened++;
	idx = root_idx = add_fd(g, fd, what);
	lib_why = why_fmt(g, "a library of %s", what);
	ld_why = why_fmt(g, "the dynamic loader of %s", what);
	e = malloc(sizeof(*e));
	todo = malloc(cap * sizeof(*todo));
	if (idx < 0 || !e || !todo || !lib_why || !ld_why) {
		close(fd);
		free(e);
		free(todo);
		return idx;
	}
	/* breadth first; a file seen already is not walked again */
	todo[n_todo++] = (struct item){ (size_t)idx, fd };
	for (i = 0; i < n_todo; i++) {
		fd = todo[i].fd;
		todo[i].fd = -1;
		if (elf_read(fd, e)) {
			close(fd);
			continue;
		}
		close(fd);
		snprintf(origin, sizeof(origin), "%s", g->f[todo[i].idx].path + strlen(g->root));
		slash = strrchr(origin, '/');
		if (slash)
			*(slash == origin ? slash + 1 : slash) = 0;
		for (k = 0; k <= e->n_needed; k++) {
			const char *why = k == e->n_needed ? ld_why : lib_why;
			const char *list = e->runpath >= 0 ? e->strtab + e->runpath :
					   e->rpath >= 0 ? e->strtab + e->rpath : "";
			char key[2 * PATH_MAX + 64];

			if (k == e->n_needed) {
				if (!e->interp[0])
					break;
				snprintf(key, sizeof(key), "interp %s", e->interp);
				if (looked_up(g, key))
					continue;
				fd = g_open(g, e->interp, O_RDONLY | O_NONBLOCK | O_NOCTTY);
				if (fd >= 0)
					g->n_opened++;
			} else if (e->strtab && e->strtab[e->needed[k]]) {
				snprintf(key, sizeof(key), "%u %d %d %s|%s|%s", e->machine, e->is64,
					 e->le, e->strtab + e->needed[k], list,
					 strstr(list, "ORIGIN") ? origin : "");
				if (looked_up(g, key))
					continue;
				fd = find_lib(g, e->strtab + e->needed[k], e, origin, why);
			} else {
				continue;
			}
			if (fd < 0)
				continue;
			before = g->n;
			idx = add_fd(g, fd, why);
			if (idx < 0 || g->n == before) {
				close(fd);	/* not there, or seen already */
				continue;
			}
			if (n_todo == cap) {
				t = realloc(todo, 2 * cap * sizeof(*t));
				if (!t) {
					close(fd);
					break;
				}
				todo = t;
				cap *= 2;
			}
			todo[n_todo++] = (struct item){ (size_t)idx, fd };
		}
		free(e->strtab);
		e->strtab = NULL;
	}
	for (i = 0; i < n_todo; i++)
		if (todo[i].fd >= 0)
			close(todo[i].fd);
	free(todo);
	free(e);
	return root_idx;
}

/* Keep where the named path led: the key of the file (a copy of f's, or of c's). */
static void keep_root(struct guard *g, const char *path, const struct gfile *f)
{
	struct gfile *r = realloc(g->roots, (g->n_roots + 1) * sizeof(*r));

	if (!r)
		return;
	g->roots = r;
	r = &r[g->n_roots];
	*r = (struct gfile){ .dev = f->dev, .ino = f->ino, .size = f->size, .mtime = f->mtime,
			     .ctime = f->ctime, .path = strdup(path) };
	if (r->path)
		g->n_roots++;
}

/*
 * The named programs and what they load, as the cache resolved them, if nothing that
 * resolution rests on changed: ld.so.cache (the library lookups), where each named path
 * leads (its symlinks), and every file it found (stat'ed, by key). Each is a stat, where
 * resolving again opens and reads every program and library. true if taken from the cache.
 */
static bool named_from_cache(struct guard *g, const char *const *paths, size_t n)
{
	struct stat st, *sts;
	struct gfile now;
	size_t i, j, k;
	bool there;

	if (!g->have_cnamed || g->have_ldc_now != g->have_cldc ||
	    (g->have_ldc_now && !same_key(&g->ldc_now, &g->cldc)))
		return false;
	for (i = 0; i < n; i++) {
		there = !g_stat(g, paths[i], &st);
		for (j = 0; j < g->n_croots && strcmp(g->croots[j].path, paths[i]); j++)
			;
		if (there != (j < g->n_croots))
			return false;
		if (!there)
			continue;
		set_key(&now, &st);
		if (!same_key(&now, &g->croots[j]))
			return false;
	}
	sts = malloc((g->n_cache + 1) * sizeof(*sts));
	if (!sts)
		return false;
	for (i = 0, k = 0; i < g->n_cache; i++) {
		const struct gfile *c = &g->cache[i];

		if (c->src != SRC_NAMED)
			continue;
		if (strncmp(c->path, g->root, strlen(g->root)) ||
		    g_lstat(g, c->path + strlen(g->root), &sts[i]) || !S_ISREG(sts[i].st_mode)) {
			free(sts);
			return false;
		}
		set_key(&now, &sts[i]);
		if (!same_key(&now, c)) {
			free(sts);
			return false;
		}
		k++;
	}
	for (i = 0; i < g->n_cache; i++)
		if (g->cache[i].src == SRC_NAMED)
			add_file(g, g->cache[i].path + strlen(g->root), false, &sts[i],
				 g->cache[i].why, true);
	free(sts);
	for (j = 0; j < g->n_croots; j++)
		keep_root(g, g->croots[j].path, &g->croots[j]);
	g->named_cached = k > 0;
	return k > 0;
}

/* ---- the dpkg database ---- */

static const char *pkg_name(const void *arg, size_t i, size_t *len)
{
	const struct pkg *p = (const struct pkg *)arg + i;

	*len = p->name_len;
	return p->name;
}

static const char *prov_name(const void *arg, size_t i, size_t *len)
{
	const struct prov *p = (const struct prov *)arg + i;

	*len = p->len;
	return p->name;
}

struct dpkg {
	struct pkg *p;
	size_t n, cap;
	struct prov *v;
	size_t n_v, cap_v;
	size_t *next;		/* next stanza of the same name, SIZE_MAX: none */
	size_t *vnext;		/* next provider of the same virtual name */
	struct strindex names, vnames;
	size_t *queue;
	size_t n_queue;
};

/* Is c a character of a package name (Debian policy 5.6.1)? */
static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '-' ||
	       c == '.' || (c >= 'A' && c <= 'Z');
}

/*
 * Each package name of a relationship field, alternatives included, in turn: "libc6 (>= 2.34),
 * libselinux1 | foo, awk:any [amd64]" gives libc6, libselinux1, foo, awk.
 */
static const char *next_rel(const char **s, const char *end, size_t *len)
{
	const char *p = *s, *q, *start;

	while (p < end) {
		for (q = p; q < end && *q != ',' && *q != '|'; q++)
			;
		for (start = p; start < q && (*start == ' ' || *start == '\t' || *start == '\n');
		     start++)
			;
		for (p = start; p < q && name_char(*p); p++)
			;
		*s = q < end ? q + 1 : end;
		if (p > start) {
			*len = (size_t)(p - start);
			return start;
		}
		p = *s;
	}
	*s = end;
	return NULL;
}

static int dpkg_mark(struct guard *g, struct dpkg *d, size_t i, const char *why)
{
	struct pkg *p = &d->p[i];

	if (p->marked || !p->on_disk)
		return 0;
	p->marked = true;
	p->why = (char *)why;
	d->queue[d->n_queue++] = i;
	(void)g;
	return 0;
}

/* Mark every installed package named (or providing) name[len], needed by parent. */
static void dpkg_need(struct guard *g, struct dpkg *d, const char *name, size_t len,
		      const struct pkg *parent)
{
	const char *why = NULL;
	uint32_t *sl;
	size_t i;
	bool found;

	sl = strindex_slot(&d->names, name, len, pkg_name, d->p, &found);
	for (i = found ? *sl - 1 : SIZE_MAX; i != SIZE_MAX; i = d->next[i]) {
		if (d->p[i].marked || !d->p[i].on_disk)
			continue;
		if (!why)
			why = why_fmt(g, "package %.*s (needed by %.*s)", (int)len, name,
				      (int)parent->name_len, parent->name);
		if (why)
			dpkg_mark(g, d, i, why);
	}
	sl = strindex_slot(&d->vnames, name, len, prov_name, d->v, &found);
	for (i = found ? *sl - 1 : SIZE_MAX; i != SIZE_MAX; i = d->vnext[i]) {
		struct pkg *p = &d->p[d->v[i].pkg];

		if (p->marked || !p->on_disk)
			continue;
		why = why_fmt(g, "package %.*s (provides %.*s, needed by %.*s)", (int)p->name_len,
			      p->name, (int)len, name, (int)parent->name_len, parent->name);
		if (why)
			dpkg_mark(g, d, d->v[i].pkg, why);
	}
}

/* A field's value: from after "Field:" to the end of its last continuation line. */
static void field_value(const char *s, const char *end, const char **val, size_t *len)
{
	const char *e = s;

	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	for (e = s;;) {
		e = memchr(e, '\n', (size_t)(end - e));
		if (!e) {
			e = end;
			break;
		}
		if (e + 1 < end && (e[1] == ' ' || e[1] == '\t')) {
			e++;
			continue;
		}
		break;
	}
	*val = s;
	*len = (size_t)(e - s);
}

static bool field_is(const char *line, const char *end, const char *name, const char **after)
{
	size_t n = strlen(name);

	if ((size_t)(end - line) <= n || strncasecmp(line, name, n) || line[n] != ':')
		return false;
	*after = line + n + 1;
	return true;
}

/* "install ok installed": files are on disk unless not-installed or config-files. */
static bool status_on_disk(const char *v, size_t len)
{
	const char *w = v + len;

	while (w > v && w[-1] != ' ')
		w--;
	len -= (size_t)(w - v);
	return !(len == 13 && !memcmp(w, "not-installed", 13)) &&
	       !(len == 12 && !memcmp(w, "config-files", 12)) && len;
}

static int dpkg_parse(struct dpkg *d, const char *buf, size_t len)
{
	const char *s = buf, *end = buf + len, *eol, *v;
	struct pkg cur;
	bool in = false;
	size_t vl;

	memset(&cur, 0, sizeof(cur));
	for (;;) {
		eol = s < end ? memchr(s, '\n', (size_t)(end - s)) : NULL;
		if (!eol)
			eol = end;
		if (s >= end || eol == s) {
			/* end of a stanza */
			if (in && cur.name) {
				if (d->n == d->cap) {
					size_t cap = d->cap ? 2 * d->cap : 1024;
					struct pkg *p = realloc(d->p, cap * sizeof(*p));

					if (!p)
						return -ENOMEM;
					d->p = p;
					d->cap = cap;
				}
				d->p[d->n++] = cur;
			}
			memset(&cur, 0, sizeof(cur));
			in = false;
			if (s >= end)
				break;
			s = eol + 1;
			continue;
		}
		in = true;
		if (*s != ' ' && *s != '\t') {
			if (field_is(s, eol, "Package", &v)) {
				field_value(v, eol, &cur.name, &cur.name_len);
			} else if (field_is(s, eol, "Architecture", &v)) {
				field_value(v, eol, &cur.arch, &cur.arch_len);
			} else if (field_is(s, eol, "Status", &v)) {
				field_value(v, eol, &v, &vl);
				cur.on_disk = status_on_disk(v, vl);
			} else if (field_is(s, eol, "Essential", &v)) {
				field_value(v, eol, &v, &vl);
				if (vl == 3 && !strncasecmp(v, "yes", 3))
					cur.root = 1;
			} else if (field_is(s, eol, "Priority", &v)) {
				field_value(v, eol, &v, &vl);
				if (vl == 8 && !strncasecmp(v, "required", 8) && !cur.root)
					cur.root = 2;
			} else if (field_is(s, eol, "Depends", &v)) {
				field_value(v, end, &cur.dep, &cur.dep_len);
			} else if (field_is(s, eol, "Pre-Depends", &v)) {
				field_value(v, end, &cur.predep, &cur.predep_len);
			} else if (field_is(s, eol, "Provides", &v)) {
				field_value(v, end, &cur.prov, &cur.prov_len);
			}
		}
		s = eol + 1;
	}
	return 0;
}

/* Index names and providers. 0 or -ENOMEM. */
static int dpkg_index(struct dpkg *d)
{
	const char *s, *end, *name;
	uint32_t *sl;
	size_t i, len;
	bool found;

	d->next = malloc((d->n + 1) * sizeof(*d->next));
	d->queue = malloc((d->n + 1) * sizeof(*d->queue));
	if (!d->next || !d->queue || strindex_reserve(&d->names, d->n, pkg_name, d->p, 0))
		return -ENOMEM;
	for (i = d->n; i-- > 0;) {
		/* stanzas of one name chained in file order: walk backwards, push front */
		sl = strindex_slot(&d->names, d->p[i].name, d->p[i].name_len, pkg_name, d->p, &found);
		d->next[i] = found ? *sl - 1 : SIZE_MAX;
		*sl = (uint32_t)i + 1;
	}
	for (i = 0; i < d->n; i++) {
		if (!d->p[i].on_disk || !d->p[i].prov)
			continue;
		s = d->p[i].prov;
		end = s + d->p[i].prov_len;
		while (s && (name = next_rel(&s, end, &len))) {
			if (d->n_v == d->cap_v) {
				size_t cap = d->cap_v ? 2 * d->cap_v : 256;
				struct prov *v = realloc(d->v, cap * sizeof(*v));

				if (!v)
					return -ENOMEM;
				d->v = v;
				d->cap_v = cap;
			}
			d->v[d->n_v++] = (struct prov){ name, len, i };
		}
	}
	d->vnext = malloc((d->n_v + 1) * sizeof(*d->vnext));
	if (!d->vnext || strindex_reserve(&d->vnames, d->n_v, prov_name, d->v, 0))
		return -ENOMEM;
	for (i = d->n_v; i-- > 0;) {
		sl = strindex_slot(&d->vnames, d->v[i].name, d->v[i].len, prov_name, d->v, &found);
		d->vnext[i] = found ? *sl - 1 : SIZE_MAX;
		*sl = (uint32_t)i + 1;
	}
	return 0;
}

/*
 * Trees of data that nothing runs to boot or to repair the system: their files are not looked
 * at (they are most of an Essential package's files: manual pages, time zones, translations).
 */
static const char *const data_trees[] = {
	"/usr/share/doc/", "/usr/share/man/", "/usr/share/locale/", "/usr/share/info/",
	"/usr/share/zoneinfo/", "/usr/share/i18n/", "/usr/share/lintian/",
	"/usr/share/doc-base/", "/usr/share/common-licenses/",
};

static bool in_data_tree(const char *path)
{
	size_t i;

	for (i = 0; i < sizeof(data_trees) / sizeof(data_trees[0]); i++)
		if (!strncmp(path, data_trees[i], strlen(data_trees[i])))
			return true;
	return false;
}

/* A path a package's .list names, to be stat'ed. */
struct cand {
	const char *path;	/* in a .list buffer */
	const char *why;
	struct stat st;
	int ret;
};

struct cands {
	struct cand *c;
	size_t n, cap;
	char **bufs;		/* the .list buffers the paths point into */
	size_t n_bufs;
	const struct guard *g;
	atomic_size_t next;
};

/* The files a package's .list names, as candidates (folders and data trees left out). */
static void dpkg_files(struct guard *g, const struct pkg *p, struct cands *cs)
{
	char path[PATH_MAX], *buf, *line, *nl, **b;
	size_t len;
	int ret;

	snprintf(path, sizeof(path), "/var/lib/dpkg/info/%.*s.list", (int)p->name_len, p->name);
	ret = g_read(g, path, LIST_MAX, &buf, &len);
	if (ret == -ENOENT && p->arch_len) {
		snprintf(path, sizeof(path), "/var/lib/dpkg/info/%.*s:%.*s.list", (int)p->name_len,
			 p->name, (int)p->arch_len, p->arch);
		ret = g_read(g, path, LIST_MAX, &buf, &len);
	}
	if (ret)
		return;
	b = realloc(cs->bufs, (cs->n_bufs + 1) * sizeof(*b));
	if (!b) {
		free(buf);
		return;
	}
	cs->bufs = b;
	b[cs->n_bufs++] = buf;
	for (line = buf; line < buf + len; line = nl + 1) {
		nl = memchr(line, '\n', (size_t)(buf + len - line));
		if (!nl)
			nl = buf + len;
		*nl = 0;
		if (line[0] != '/' || (line[1] == '.' && !line[2]) || in_data_tree(line))
			continue;
		/* a folder comes just before what it holds: no need to stat it */
		if (nl + 1 < buf + len && !strncmp(nl + 1, line, (size_t)(nl - line)) &&
		    nl[1 + (nl - line)] == '/')
			continue;
		if (cs->n == cs->cap) {
			size_t cap = cs->cap ? 2 * cs->cap : 1024;
			struct cand *c = realloc(cs->c, cap * sizeof(*c));

			if (!c)
				return;
			cs->c = c;
			cs->cap = cap;
		}
		cs->c[cs->n++] = (struct cand){ .path = line, .why = p->why };
	}
}

static void *stat_worker(void *arg)
{
	struct cands *cs = arg;
	size_t i;

	while ((i = atomic_fetch_add(&cs->next, 1)) < cs->n)
		cs->c[i].ret = g_lstat(cs->g, cs->c[i].path, &cs->c[i].st);
	return NULL;
}

/*
 * stat every candidate, in a few threads: on a network or 9p root each lookup is a round trip,
 * and they overlap; on a local disk the threads cost next to nothing. Then add the regular
 * files, in order.
 */
static void stat_cands(struct guard *g, struct cands *cs)
{
	pthread_t t[8];
	size_t i, n_t = cs->n / 256 + 1;
	long idx;

	if (n_t > sizeof(t) / sizeof(t[0]))
		n_t = sizeof(t) / sizeof(t[0]);
	cs->g = g;
	atomic_store(&cs->next, 0);
	for (i = 0; i < n_t; i++)
		if (pthread_create(&t[i], NULL, stat_worker, cs))
			break;
	stat_worker(cs);
	while (i-- > 0)
		pthread_join(t[i], NULL);
	for (i = 0; i < cs->n; i++) {
		if (cs->c[i].ret || !S_ISREG(cs->c[i].st.st_mode))
			continue;
		idx = add_file(g, cs->c[i].path, false, &cs->c[i].st, cs->c[i].why, false);
		if (idx >= 0 && !g->f[idx].named) {
			g->f[idx].src = SRC_PKG;
			g->n_pkg_files++;
		}
	}
}

/* A package's file as the cache knows it, taken without a stat: the dpkg status is unchanged. */
static void add_trusted(struct guard *g, const struct gfile *c)
{
	struct stat st;
	long idx;

	memset(&st, 0, sizeof(st));
	st.st_mode = S_IFREG;
	if (strncmp(c->path, g->root, strlen(g->root)))
		return;
	idx = add_file(g, c->path + strlen(g->root), false, &st, c->why, false);
	if (idx < 0 || g->f[idx].named)
		return;		/* a named program's: resolved and stat'ed already */
	g->f[idx] = (struct gfile){ .path = g->f[idx].path, .why = c->why, .dev = c->dev,
				    .ino = c->ino, .size = c->size, .mtime = c->mtime,
				    .ctime = c->ctime, .kind = c->kind, .sigs = c->sigs,
				    .n_sigkeys = c->n_sigkeys, .src = SRC_PKG,
				    .has_digest = c->has_digest, .trusted = true };
	memcpy(g->f[idx].digest, c->digest, sizeof(c->digest));
	memcpy(g->f[idx].sigkeys, c->sigkeys, sizeof(c->sigkeys));
	if (c->sig_why)
		g->f[idx].sig_why = strdup(c->sig_why);
	g->n_pkg_files++;
}

static void add_dpkg(struct guard *g)
{
	struct cands cs = { 0 };
	struct dpkg d;
	const char *s, *end, *name;
	struct stat st;
	char *buf;
	size_t len, i, nl;
	int f, fd;

	memset(&d, 0, sizeof(d));
	fd = g_open(g, "/var/lib/dpkg/status", O_PATH);
	if (fd < 0 || fstat(fd, &st)) {
		if (fd >= 0)
			close(fd);
		return;		/* no dpkg here */
	}
	close(fd);
	set_key(&g->status, &st);
	g->have_status = true;
	if (g->have_cstatus && same_key(&g->status, &g->cstatus)) {
		/*
		 * dpkg rewrites its status whenever it installs, removes or configures anything:
		 * while it is the one the cache's package files were read under, they are what
		 * the database lists. Each is stat'ed only if it could matter (match()).
		 */
		for (i = 0; i < g->n_cache; i++)
			if (g->cache[i].src == SRC_PKG)
				add_trusted(g, &g->cache[i]);
		g->pkgs_cached = g->pkgs_complete = true;
		return;
	}
	if (g_read(g, "/var/lib/dpkg/status", LIST_MAX, &buf, &len))
		return;
	if (dpkg_parse(&d, buf, len) || dpkg_index(&d))
		goto out;
	for (i = 0; i < d.n; i++) {
		const struct pkg *p = &d.p[i];
		const char *why;

		if (!p->root || !p->on_disk || p->marked)
			continue;
		why = why_fmt(g, "package %.*s (%s)", (int)p->name_len, p->name,
			      p->root == 1 ? "Essential" : "Priority: required");
		if (why)
			dpkg_mark(g, &d, i, why);
	}
	for (i = 0; i < d.n_queue; i++) {
		struct pkg *p = &d.p[d.queue[i]];

		for (f = 0; f < 2; f++) {
			s = f ? p->predep : p->dep;
			if (!s)
				continue;
			end = s + (f ? p->predep_len : p->dep_len);
			while (s && (name = next_rel(&s, end, &nl)))
				dpkg_need(g, &d, name, nl, p);
		}
	}
	g->n_pkgs = (unsigned int)d.n_queue;
	for (i = 0; i < d.n_queue; i++)
		dpkg_files(g, &d.p[d.queue[i]], &cs);
	stat_cands(g, &cs);
	g->pkgs_complete = true;
out:
	for (i = 0; i < cs.n_bufs; i++)
		free(cs.bufs[i]);
	free(cs.bufs);
	free(cs.c);
	free(d.p);
	free(d.v);
	free(d.next);
	free(d.vnext);
	free(d.queue);
	free(d.names.slot);
	free(d.vnames.slot);
	free(buf);
}

/* ---- the cache ----
 *
 *   execban-sysguard-cache 2
 *   S <dev> <ino> <size> <mtime> <ctime>      the dpkg status the package files were read under
 *   W <text>                                  why strings, numbered from 0 in order
 *   F <dev> <ino> <size> <mtime> <ctime> <kind> <digest|-> <sigs> <n|p> <why> <path>
 *   end <lines before it> <SHA-256 of everything before this line>
 *
 * sigs: "-" not read, "0" none, "!<why in hex>" unreadable, else the signer keys, comma
 * separated. n: a named program or what it loads (resolved again every run); p: a package's
 * file, taken from here as long as the dpkg status is the one the S line names.
 */

static const char *cache_path(void)
{
	const char *e = getenv("EXECBAN_SYSGUARD_CACHE");

	if (e && (!*e || !strcmp(e, "off")))
		return NULL;
	return e ? e : SYSGUARD_CACHE;
}

/* Ours alone: owned by this user (or root) and writable by nobody else. */
static bool private_enough(const struct stat *st)
{
	return (st->st_uid == geteuid() || st->st_uid == 0) && !(st->st_mode & 022);
}

static bool parse_hex(const char *s, size_t len, uint8_t *out, size_t n)
{
	return len == 2 * n && !policy_parse_hex(s, len, out, n);
}

/* n space-separated fields of s into fld, the rest after them into *rest. */
static bool split(char *s, char **fld, int n, char **rest)
{
	char *e;
	int i;

	for (i = 0; i < n; i++) {
		e = strchr(s, ' ');
		if (!e)
			return false;
		*e = 0;
		fld[i] = s;
		s = e + 1;
	}
	*rest = s;
	return true;
}

/* dev ino size mtime ctime: the first five of fld. */
static bool parse_key(char **fld, struct gfile *f)
{
	unsigned long long v[5];
	char *e;
	int i;

	for (i = 0; i < 5; i++) {
		errno = 0;
		v[i] = strtoull(fld[i], &e, 10);
		if (errno || *e || e == fld[i])
			return false;
	}
	f->dev = v[0];
	f->ino = v[1];
	f->size = v[2];
	f->mtime = (int64_t)v[3];
	f->ctime = (int64_t)v[4];
	return true;
}

/* An F line's fields after "F ". false if malformed. */
static bool cache_file_line(struct guard *g, char *line, struct gfile *f)
{
	char *fld[10], *path, *e, *k;
	unsigned long w;

	memset(f, 0, sizeof(*f));
	if (!split(line, fld, 10, &path) || *path != '/' || !parse_key(fld, f))
		return false;
	if (strlen(fld[5]) != 1 || fld[5][0] < '0' || fld[5][0] > '3')
		return false;
	f->kind = (uint8_t)(fld[5][0] - '0');
	if (strcmp(fld[6], "-")) {
		if (!parse_hex(fld[6], strlen(fld[6]), f->digest, EXECBAN_SHA256_LEN))
			return false;
		f->has_digest = true;
	}
	if (!strcmp(fld[7], "-")) {
		f->sigs = SIG_UNREAD;
	} else if (fld[7][0] == '!') {
		size_t n = strlen(fld[7] + 1) / 2;

		f->sigs = SIG_UNREADABLE;
		f->sig_why = calloc(1, n + 1);
		if (!f->sig_why || policy_parse_hex_var(fld[7] + 1, 2 * n, (uint8_t *)f->sig_why,
							n + 1) != (int)n || strlen(f->sig_why) != n)
			return false;
	} else if (!strcmp(fld[7], "0")) {
		f->sigs = SIG_READ;
	} else {
		f->sigs = SIG_READ;
		for (k = fld[7]; *k; k = *e ? e + 1 : e) {
			e = strchr(k, ',');
			if (!e)
				e = k + strlen(k);
			if (f->n_sigkeys == EXECBAN_SIGNER_KEYS ||
			    !parse_hex(k, (size_t)(e - k), f->sigkeys[f->n_sigkeys].b,
				       EXECBAN_SHA256_LEN))
				return false;
			f->n_sigkeys++;
		}
	}
	if (strcmp(fld[8], "n") && strcmp(fld[8], "p") && strcmp(fld[8], "h"))
		return false;
	f->src = fld[8][0] == 'p' ? SRC_PKG : fld[8][0] == 'h' ? SRC_HOST : SRC_NAMED;
	errno = 0;
	w = strtoul(fld[9], &e, 10);
	if (errno || *e || e == fld[9] || w >= g->n_cwhy)
		return false;
	f->why = g->cwhy[w];
	f->path = strdup(path);
	return f->path != NULL;
}

static void cache_drop(struct guard *g)
{
	size_t i;

	for (i = 0; i < g->n_cache; i++) {
		free(g->cache[i].path);
		free(g->cache[i].sig_why);
	}
	free(g->cache);
	free(g->cidx.slot);
	for (i = 0; i < g->n_cwhy; i++)
		free(g->cwhy[i]);
	free(g->cwhy);
	for (i = 0; i < g->n_croots; i++)
		free(g->croots[i].path);
	free(g->croots);
	g->croots = NULL;
	g->n_croots = 0;
	g->have_cldc = g->have_cnamed = false;
	g->cache = NULL;
	g->n_cache = 0;
	g->cwhy = NULL;
	g->n_cwhy = 0;
	g->have_cstatus = false;
	memset(&g->cidx, 0, sizeof(g->cidx));
}

static void cache_load(struct guard *g)
{
	const char *path = cache_path();
	uint8_t want[EXECBAN_SHA256_LEN], got[EXECBAN_SHA256_LEN];
	char *buf = NULL, *line, *nl, *tail, *fld[5], *rest;
	size_t len = 0, n = 0, count, lines = 0;
	struct stat st;
	ssize_t r;
	uint32_t *sl;
	bool found;
	int fd;

	if (!path) {
		g->cache_note = "off";
		return;
	}
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		g->cache_note = errno == ENOENT ? "new" : "unreadable";
		return;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || !private_enough(&st) ||
	    (uint64_t)st.st_size > CACHE_MAX) {
		g->cache_note = "not private: ignored";
		close(fd);
		return;
	}
	buf = malloc((size_t)st.st_size + 1);
	while (buf && len < (size_t)st.st_size) {
		r = read(fd, buf + len, (size_t)st.st_size - len);
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	g->cache_note = "corrupt: ignored";
	if (buf && len == (size_t)st.st_size && len >= sizeof(CACHE_MAGIC) &&
	    !memcmp(buf, CACHE_MAGIC, sizeof(CACHE_MAGIC) - 3) &&
	    memcmp(buf, CACHE_MAGIC, sizeof(CACHE_MAGIC) - 1))
		g->cache_note = "of another version: ignored";
	if (!buf || len != (size_t)st.st_size || len < sizeof(CACHE_MAGIC) ||
	    memcmp(buf, CACHE_MAGIC, sizeof(CACHE_MAGIC) - 1) || buf[len - 1] != '\n')
		goto bad;
	/* the last line: "end <lines> <sha256 of everything before it>" */
	buf[len - 1] = 0;
	tail = strrchr(buf, '\n');
	if (!tail || sscanf(tail + 1, "end %zu", &count) != 1 || count > len / 8)
		goto bad;
	nl = strrchr(tail + 1, ' ');
	if (!nl || !parse_hex(nl + 1, strlen(nl + 1), want, sizeof(want)))
		goto bad;
	EVP_Digest(buf, (size_t)(tail + 1 - buf), got, NULL, EVP_sha256(), NULL);
	if (memcmp(want, got, sizeof(got)))
		goto bad;
	*tail = 0;
	g->cache = calloc(count + 1, sizeof(*g->cache));
	g->cwhy = calloc(count + 1, sizeof(*g->cwhy));
	if (!g->cache || !g->cwhy || strindex_reserve(&g->cidx, count, gfile_name, g->cache, 0))
		goto bad;
	for (line = buf + sizeof(CACHE_MAGIC) - 1; line < tail; line = nl + 1) {
		nl = memchr(line, '\n', (size_t)(tail - line));
		if (!nl)
			nl = tail;
		*nl = 0;
		if (++lines > count)
			goto bad;
		if (line[0] == 'W' && line[1] == ' ') {
			g->cwhy[g->n_cwhy] = strdup(line + 2);
			if (!g->cwhy[g->n_cwhy++])
				goto bad;
		} else if (line[0] == 'N' && !line[1]) {
			g->have_cnamed = true;
		} else if (line[0] == 'C' && line[1] == ' ') {
			if (g->have_cldc || !split(line + 2, fld, 4, &rest))
				goto bad;
			fld[4] = rest;
			if (!parse_key(fld, &g->cldc))
				goto bad;
			g->have_cldc = true;
		} else if (line[0] == 'R' && line[1] == ' ') {
			struct gfile *r = realloc(g->croots, (g->n_croots + 1) * sizeof(*r));

			if (!r)
				goto bad;
			g->croots = r;
			r = &r[g->n_croots];
			memset(r, 0, sizeof(*r));
			if (!split(line + 2, fld, 5, &rest) || *rest != '/' || !parse_key(fld, r) ||
			    !(r->path = strdup(rest)))
				goto bad;
			g->n_croots++;
		} else if (line[0] == 'S' && line[1] == ' ') {
			if (g->have_cstatus || !split(line + 2, fld, 4, &rest))
				goto bad;
			fld[4] = rest;
			if (!parse_key(fld, &g->cstatus))
				goto bad;
			g->have_cstatus = true;
		} else if (line[0] == 'F' && line[1] == ' ') {
			n = g->n_cache;
			if (!cache_file_line(g, line + 2, &g->cache[n])) {
				free(g->cache[n].path);
				free(g->cache[n].sig_why);
				goto bad;
			}
			g->n_cache++;
			sl = strindex_slot(&g->cidx, g->cache[n].path, strlen(g->cache[n].path),
					   gfile_name, g->cache, &found);
			if (found)
				goto bad;
			*sl = (uint32_t)n + 1;
		} else {
			goto bad;
		}
	}
	if (lines != count)
		goto bad;
	free(buf);
	g->cache_used = true;
	g->cache_note = "used";
	return;
bad:
	cache_drop(g);
	free(buf);
}

/* The cache's entry for f, if its key is f's. */
static const struct gfile *cache_find(struct guard *g, const struct gfile *f)
{
	uint32_t *sl;
	bool found;

	if (!g->n_cache)
		return NULL;
	sl = strindex_slot(&g->cidx, f->path, strlen(f->path), gfile_name, g->cache, &found);
	if (!found || !same_key(&g->cache[*sl - 1], f))
		return NULL;
	return &g->cache[*sl - 1];
}

/* mkdir -m 0700 of the cache's folder (one level), and whether it is private enough. */
static bool cache_dir_ok(const char *path)
{
	char dir[PATH_MAX], *slash;
	struct stat st;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == dir)
		dir[1] = 0;
	else
		*slash = 0;
	if (mkdir(dir, 0700) && errno != EEXIST)
		return false;
	return !lstat(dir, &st) && S_ISDIR(st.st_mode) && private_enough(&st);
}

static const char *const_name(const void *arg, size_t i, size_t *len)
{
	const char *s = ((const char *const *)arg)[i];

	*len = strlen(s);
	return s;
}

/* Is f worth a line: known in some way, there, and nameable on one line? */
static bool cacheable(const struct gfile *f)
{
	return !f->gone && f->why && !strchr(f->path, '\n') && !strchr(f->why, '\n') &&
	       (f->src == SRC_PKG || f->kind != K_UNKNOWN);
}

static void cache_save(struct guard *g, bool changed)
{
	const char *path = cache_path();
	char tmp[PATH_MAX + 16], hex[2 * EXECBAN_SHA256_LEN + 1], *buf = NULL;
	const char **whys = NULL;
	struct strindex wx = { 0 };
	uint8_t d[EXECBAN_SHA256_LEN];
	size_t len = 0, i, k, n = 0, n_whys = 0, *wno = NULL;
	bool found, status = g->have_status && g->pkgs_complete;
	uint32_t *sl;
	FILE *out;
	int fd;

	if (!path)
		return;
	if (status != g->have_cstatus ||
	    (status && !same_key(&g->status, &g->cstatus)) || !g->named_cached)
		changed = true;
	for (i = 0, k = 0; i < g->n; i++)
		k += cacheable(&g->f[i]);
	if (k != g->n_cache)
		changed = true;		/* files gone, or new */
	if (!changed && g->cache_used)
		return;
	if (!cache_dir_ok(path)) {
		g->cache_note = "its folder is not private: not written";
		return;
	}
	/* the why strings, each once, numbered in order of first use */
	whys = malloc((g->n + 1) * sizeof(*whys));
	wno = malloc((g->n + 1) * sizeof(*wno));
	if (!whys || !wno || strindex_reserve(&wx, g->n + 1, const_name, whys, 0))
		goto out;
	out = open_memstream(&buf, &len);
	if (!out)
		goto out;
	fputs(CACHE_MAGIC, out);
	if (status)
		fprintf(out, "S %llu %llu %llu %lld %lld\n", (unsigned long long)g->status.dev,
			(unsigned long long)g->status.ino, (unsigned long long)g->status.size,
			(long long)g->status.mtime, (long long)g->status.ctime), n++;
	fputs("N\n", out), n++;
	if (g->have_ldc_now)
		fprintf(out, "C %llu %llu %llu %lld %lld\n", (unsigned long long)g->ldc_now.dev,
			(unsigned long long)g->ldc_now.ino, (unsigned long long)g->ldc_now.size,
			(long long)g->ldc_now.mtime, (long long)g->ldc_now.ctime), n++;
	for (i = 0; i < g->n_roots; i++)
		fprintf(out, "R %llu %llu %llu %lld %lld %s\n", (unsigned long long)g->roots[i].dev,
			(unsigned long long)g->roots[i].ino, (unsigned long long)g->roots[i].size,
			(long long)g->roots[i].mtime, (long long)g->roots[i].ctime,
			g->roots[i].path), n++;
	for (i = 0; i < g->n; i++) {
		const struct gfile *f = &g->f[i];

		if (!cacheable(f))
			continue;
		sl = strindex_slot(&wx, f->why, strlen(f->why), const_name, whys, &found);
		if (!found) {
			whys[n_whys] = f->why;
			*sl = (uint32_t)++n_whys;
			fprintf(out, "W %s\n", f->why), n++;
		}
		wno[i] = *sl - 1;
	}
	for (i = 0; i < g->n; i++) {
		const struct gfile *f = &g->f[i];

		if (!cacheable(f) || (!status && f->src == SRC_PKG))
			continue;
		fprintf(out, "F %llu %llu %llu %lld %lld %u ", (unsigned long long)f->dev,
			(unsigned long long)f->ino, (unsigned long long)f->size,
			(long long)f->mtime, (long long)f->ctime, f->kind);
		if (f->has_digest) {
			hex_encode(f->digest, sizeof(f->digest), hex);
			fputs(hex, out);
		} else {
			fputc('-', out);
		}
		fputc(' ', out);
		if (f->sigs == SIG_UNREAD)
			fputc('-', out);
		else if (f->sigs == SIG_UNREADABLE)
			fputc('!', out);
		else if (!f->n_sigkeys)
			fputc('0', out);
		for (k = 0; f->sigs == SIG_UNREADABLE && f->sig_why && f->sig_why[k]; k++)
			fprintf(out, "%02x", (unsigned char)f->sig_why[k]);
		for (k = 0; f->sigs == SIG_READ && k < f->n_sigkeys; k++) {
			hex_encode(f->sigkeys[k].b, EXECBAN_SHA256_LEN, hex);
			fprintf(out, "%s%s", k ? "," : "", hex);
		}
		fprintf(out, " %c %zu %s\n", f->src == SRC_PKG ? 'p' : f->src == SRC_HOST ? 'h' : 'n',
			wno[i], f->path);
		n++;
	}
	if (fflush(out)) {
		fclose(out);
		goto out;
	}
	EVP_Digest(buf, len, d, NULL, EVP_sha256(), NULL);
	hex_encode(d, sizeof(d), hex);
	fprintf(out, "end %zu %s\n", n, hex);
	if (fclose(out))
		goto out;
	snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path);
	fd = mkstemp(tmp);
	if (fd < 0) {
		g->cache_note = "not written";
		goto out;
	}
	if (fchmod(fd, 0600) || write(fd, buf, len) != (ssize_t)len || close(fd) ||
	    rename(tmp, path)) {
		unlink(tmp);
		g->cache_note = "not written";
	} else {
		g->cache_written = true;
	}
out:
	free(buf);
	free(whys);
	free(wno);
	free(wx.slot);
}

/* ---- reading the files ---- */

/* The kind of f from its first bytes (fd open on it). */
static void read_kind(struct gfile *f, int fd)
{
	uint8_t m[4];
	ssize_t n = pread(fd, m, sizeof(m), 0);

	if (n >= 4 && !memcmp(m, ELFMAG, SELFMAG))
		f->kind = K_ELF;
	else if (n >= 2 && m[0] == '#' && m[1] == '!')
		f->kind = K_SCRIPT;
	else
		f->kind = K_OTHER;
}

/* Open f to read what the cache did not know. -1 if it cannot be. */
static int open_file(struct guard *g, struct gfile *f)
{
	int flags = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY;
	struct stat st;
	int fd;

	fd = f->host ? open(f->path, flags | O_CLOEXEC) : g_open(g, f->path + strlen(g->root), flags);
	if (fd < 0)
		return -1;
	g->n_opened++;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return -1;
	}
	if ((uint64_t)st.st_ino != f->ino || (uint64_t)st.st_dev != f->dev) {
		/* replaced since its stat: judge what is there now */
		set_key(f, &st);
		f->kind = K_UNKNOWN;
		f->has_digest = false;
		f->sigs = SIG_UNREAD;
	}
	return fd;
}

static int cmp_key(const void *a, const void *b)
{
	return memcmp(a, b, EXECBAN_SHA256_LEN);
}

static bool size_banned(const struct sysguard_query *q, uint64_t size)
{
	size_t lo = 0, hi = q->n_sizes;

	if (!q->size_filter)
		return true;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (q->sizes[mid] == size)
			return true;
		if (q->sizes[mid] < size)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

static uint16_t kind_of(const struct sysguard_query *q, size_t i)
{
	if (!q->kinds)
		return EXECBAN_IDENT_SHA256;
	return *(const uint8_t *)((const char *)q->kinds + i * q->kinds_stride);
}

/* The action of q's rule i (enum execban_rule_action): deny when q gives none. */
static uint16_t action_of(const struct sysguard_query *q, size_t i)
{
	if (!q->actions)
		return EXECBAN_RULE_DENY;
	return *(const uint8_t *)((const char *)q->actions + i * q->kinds_stride);
}

/* The index of key k in q (its first), SIZE_MAX if not there. */
static size_t find_key(const struct sysguard_query *q, const uint8_t *k)
{
	const struct sha256_key *r = bsearch(k, q->keys, q->n_keys, sizeof(*q->keys), cmp_key);

	if (!r)
		return SIZE_MAX;
	while (r > q->keys && !memcmp(r[-1].b, k, EXECBAN_SHA256_LEN))
		r--;
	return (size_t)(r - q->keys);
}

/* Order of g->f indices: by (dev, ino), then index: the first path of a file is kept. */
static const struct gfile *sort_base;

static int cmp_inode(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	const struct gfile *f = &sort_base[x], *h = &sort_base[y];

	if (f->dev != h->dev)
		return f->dev < h->dev ? -1 : 1;
	if (f->ino != h->ino)
		return f->ino < h->ino ? -1 : 1;
	return x < y ? -1 : x > y;
}

/* Does a deny or audit signer rule of q match one of f's signers? */
static bool signer_banned(const struct sysguard_query *q, const struct gfile *f)
{
	size_t j, k;

	for (k = 0; f->sigs == SIG_READ && k < f->n_sigkeys; k++)
		for (j = find_key(q, f->sigkeys[k].b);
		     j < q->n_keys && !memcmp(q->keys[j].b, f->sigkeys[k].b, EXECBAN_SHA256_LEN); j++)
			if (kind_of(q, j) != EXECBAN_IDENT_SHA256 &&
			    action_of(q, j) != EXECBAN_RULE_ALLOW)
				return true;
	return false;
}

/*
 * How specific the most specific allow rule matching f is (execban_ident_specificity(); 0:
 * none): a deny or audit rule of a less specific identity does not apply to f, as in the
 * kernel (bpf/policy.bpf.h). Only an allow of its digest exempts f from an unreadable
 * signature.
 */
static uint32_t allow_spec(const struct sysguard_query *q, const struct gfile *f)
{
	uint32_t spec = 0, s;
	size_t j, k;

	if (!q->allows)
		return 0;
	for (j = f->has_digest ? find_key(q, f->digest) : SIZE_MAX;
	     j < q->n_keys && !memcmp(q->keys[j].b, f->digest, EXECBAN_SHA256_LEN); j++)
		if (kind_of(q, j) == EXECBAN_IDENT_SHA256 && action_of(q, j) == EXECBAN_RULE_ALLOW)
			return execban_ident_specificity(EXECBAN_IDENT_SHA256);
	for (k = 0; f->sigs == SIG_READ && k < f->n_sigkeys; k++) {
		for (j = find_key(q, f->sigkeys[k].b);
		     j < q->n_keys && !memcmp(q->keys[j].b, f->sigkeys[k].b, EXECBAN_SHA256_LEN);
		     j++) {
			s = execban_ident_specificity(kind_of(q, j));
			if (kind_of(q, j) != EXECBAN_IDENT_SHA256 &&
			    action_of(q, j) == EXECBAN_RULE_ALLOW && s > spec)
				spec = s;
		}
	}
	return spec;
}

/* Could q ban f, as far as its size and its being named tell? */
static bool relevant(const struct sysguard_query *q, const struct gfile *f)
{
	return f->named || q->signers || (q->digests && size_banned(q, f->size));
}

/* Forget what was read of f: it changed. */
static void reset(struct gfile *f)
{
	f->kind = K_UNKNOWN;
	f->has_digest = false;
	f->sigs = SIG_UNREAD;
	f->n_sigkeys = 0;
	free(f->sig_why);
	f->sig_why = NULL;
}

/*
 * What q bans of the protected files, through fn. A file is stat'ed, opened and read only if
 * q could ban it (relevant()); what the cache knows under the same key is not read again.
 */
static long match(struct guard *g, const struct sysguard_query *q, sysguard_fn fn, void *arg,
		  bool *changed)
{
	size_t *ord, i, j, k, n = 0;
	struct sysguard_hit h;
	struct file_sigs *fs;
	uint32_t spec;
	struct gfile now;
	struct stat st;
	long hits = 0;
	int fd;

	ord = malloc((g->n + 1) * sizeof(*ord));
	fs = malloc(sizeof(*fs));
	if (!ord || !fs) {
		free(ord);
		free(fs);
		return -ENOMEM;
	}
	for (i = 0; i < g->n; i++) {
		struct gfile *f = &g->f[i];
		const struct gfile *c;

		if (f->trusted) {
			/* a package file the cache knows: looked at only if it could matter */
			if (!relevant(q, f))
				continue;
			f->trusted = false;
			g->n_statted++;
			if (g_lstat(g, f->path + strlen(g->root), &st) || !S_ISREG(st.st_mode)) {
				f->gone = true;
				*changed = true;
				continue;
			}
			set_key(&now, &st);
			if (!same_key(&now, f)) {
				set_key(f, &st);
				reset(f);
				*changed = true;
				if (!relevant(q, f))
					continue;
			}
			g->n_cached_digests += f->has_digest;
		} else if ((c = cache_find(g, f))) {
			f->kind = c->kind;
			f->has_digest = c->has_digest;
			memcpy(f->digest, c->digest, sizeof(f->digest));
			f->sigs = c->sigs;
			if (c->sig_why)
				f->sig_why = strdup(c->sig_why);
			f->n_sigkeys = c->n_sigkeys;
			memcpy(f->sigkeys, c->sigkeys, sizeof(f->sigkeys));
			g->n_cached_digests += c->has_digest;
		}
		if (!relevant(q, f))
			continue;
		if (f->kind == K_UNKNOWN) {
			*changed = true;
			fd = open_file(g, f);
			if (fd < 0)
				continue;
			read_kind(f, fd);
			close(fd);
		}
		if (f->named || f->kind == K_ELF || f->kind == K_SCRIPT)
			ord[n++] = i;
	}
	sort_base = g->f;
	qsort(ord, n, sizeof(*ord), cmp_inode);
	for (i = 0; i < n; i++) {
		struct gfile *f = &g->f[ord[i]];
		bool need_digest = q->digests && size_banned(q, f->size) && !f->has_digest;
		bool need_sigs = q->signers && f->sigs == SIG_UNREAD;

		if (i && f->dev == g->f[ord[i - 1]].dev && f->ino == g->f[ord[i - 1]].ino)
			continue;	/* another name of a file seen */
		if (need_digest || need_sigs) {
			fd = open_file(g, f);
			if (fd < 0)
				continue;
			if (need_digest && !sha256_fd(fd, f->digest, NULL)) {
				f->has_digest = true;
				g->n_hashed++;
			}
			if (need_sigs) {
				file_sigs_read(fd, f->size, fs);
				g->n_sigread++;
				if (file_sigs_unreadable(fs)) {
					char why[400];

					f->sigs = SIG_UNREADABLE;
					file_sigs_why(fs, why, sizeof(why));
					free(f->sig_why);
					f->sig_why = strdup(why);
				} else {
					f->sigs = SIG_READ;
					f->n_sigkeys = 0;
					for (k = 0; k < fs->n_ids && k < EXECBAN_SIGNER_KEYS; k++)
						f->sigkeys[f->n_sigkeys++] = fs->ids[k].key;
				}
			}
			/* changed while read: judged on what was read, but not cached */
			if (fstat(fd, &st) || (uint64_t)st.st_size != f->size ||
			    ns(&st.st_mtim) != f->mtime || ns(&st.st_ctim) != f->ctime)
				f->gone = true;
			close(fd);
			*changed = true;
		}
		/*
		 * Refused by who signed it (or an unreadable signature): the kernel then looks
		 * its digest up for an exception ("allow sha256="), and so does this.
		 */
		if (q->allows && !f->has_digest &&
		    (f->sigs == SIG_UNREADABLE || signer_banned(q, f))) {
			fd = open_file(g, f);
			if (fd >= 0) {
				if (!sha256_fd(fd, f->digest, NULL)) {
					f->has_digest = true;
					g->n_hashed++;
					*changed = true;
				}
				close(fd);
			}
		}
		spec = allow_spec(q, f);
		memset(&h, 0, sizeof(h));
		h.path = f->path;
		h.why = f->why;
		if (q->digests && f->has_digest && size_banned(q, f->size)) {
			j = find_key(q, f->digest);
			for (; j < q->n_keys && !memcmp(q->keys[j].b, f->digest, EXECBAN_SHA256_LEN);
			     j++) {
				if (kind_of(q, j) != EXECBAN_IDENT_SHA256 ||
				    action_of(q, j) == EXECBAN_RULE_ALLOW)
					continue;
				h.idx = j;
				fn(arg, &h);
				hits++;
			}
		}
		if (spec >= execban_ident_specificity(EXECBAN_IDENT_SHA256))
			continue;	/* an allow of its digest: signers do not matter */
		if (q->signers && f->sigs == SIG_UNREADABLE) {
			h.idx = SIZE_MAX;
			h.detail = f->sig_why ? f->sig_why : "unreadable";
			fn(arg, &h);
			hits++;
		}
		for (k = 0; q->signers && f->sigs == SIG_READ && k < f->n_sigkeys; k++) {
			j = find_key(q, f->sigkeys[k].b);
			for (; j < q->n_keys &&
			     !memcmp(q->keys[j].b, f->sigkeys[k].b, EXECBAN_SHA256_LEN); j++) {
				if (kind_of(q, j) == EXECBAN_IDENT_SHA256 ||
				    action_of(q, j) == EXECBAN_RULE_ALLOW ||
				    execban_ident_specificity(kind_of(q, j)) <= spec)
					continue;
				h.idx = j;
				h.detail = NULL;
				fn(arg, &h);
				hits++;
			}
		}
	}
	free(ord);
	free(fs);
	return hits;
}

static void guard_free(struct guard *g)
{
	size_t i;

	for (i = 0; i < g->n; i++) {
		free(g->f[i].path);
		free(g->f[i].sig_why);
	}
	free(g->f);
	free(g->fidx.slot);
	cache_drop(g);
	for (i = 0; i < g->n_libdirs; i++)
		free(g->libdirs[i]);
	free(g->libdirs);
	free(g->ldcache);
	for (i = 0; i < g->n_roots; i++)
		free(g->roots[i].path);
	free(g->roots);
	for (i = 0; i < g->n_looked; i++)
		free(g->looked[i]);
	free(g->looked);
	free(g->lidx.slot);
	for (i = 0; i < g->n_hwdirs; i++)
		free(g->hwdirs[i]);
	free(g->hwdirs);
	free(g->hw);
	for (i = 0; i < g->n_whys; i++)
		free(g->whys[i]);
	free(g->whys);
	if (g->rootfd >= 0)
		close(g->rootfd);
}

long sysguard_run(const struct sysguard_query *q, sysguard_fn fn, void *arg)
{
	static const struct { const char *path, *what; } named[] = {
		{ "/sbin/init", "the init system (/sbin/init)" },
		{ "/bin/sh", "the shell (/bin/sh)" },
		{ "/bin/bash", "bash" },
		{ "/usr/bin/dpkg", "the package manager (dpkg)" },
		{ "/usr/bin/apt", "the package manager (apt)" },
		{ "/usr/bin/apt-get", "the package manager (apt-get)" },
		{ "/lib64/ld-linux-x86-64.so.2", "the dynamic loader" },
		{ "/lib/ld-linux-aarch64.so.1", "the dynamic loader" },
		{ "/lib/ld-linux-armhf.so.3", "the dynamic loader" },
		{ "/lib/ld-linux.so.2", "the dynamic loader" },
		{ "/usr/sbin/execban", "execban" },
	};
	const char *root = getenv("EXECBAN_SYSROOT");
	const char *paths[sizeof(named) / sizeof(named[0])];
	struct timespec t0, t1, ts[5];
	long idx;
	char self[PATH_MAX];
	struct guard g;
	bool changed = false;
	struct stat st;
	ssize_t n;
	long hits;
	size_t i;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	memset(&g, 0, sizeof(g));
	g.rootfd = -1;
	if (root && *root && strcmp(root, "/")) {
		if (!realpath(root, g.root)) {
			err("EXECBAN_SYSROOT=%s: %s", root, strerror(errno));
			return -errno;
		}
		if (!strcmp(g.root, "/"))
			g.root[0] = 0;
		g.rootfd = open(g.root[0] ? g.root : "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (g.rootfd < 0) {
			err("EXECBAN_SYSROOT=%s: %s", root, strerror(errno));
			return -errno;
		}
	}
	cache_load(&g);
	clock_gettime(CLOCK_MONOTONIC, &ts[0]);
	if (!g_stat(&g, "/etc/ld.so.cache", &st)) {
		set_key(&g.ldc_now, &st);
		g.have_ldc_now = true;
	}
	for (i = 0; i < sizeof(named) / sizeof(named[0]); i++)
		paths[i] = named[i].path;
	if (!named_from_cache(&g, paths, i)) {
		for (i = 0; i < sizeof(named) / sizeof(named[0]); i++) {
			idx = add_program(&g, named[i].path, named[i].what);
			if (idx >= 0)
				keep_root(&g, named[i].path, &g.f[idx]);
		}
	}
	/* the running execban (not under a sysroot: the one running this) */
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = 0;
		if (!stat(self, &st)) {
			idx = add_file(&g, self, true, &st, "execban itself (running)", true);
			if (idx >= 0 && g.f[idx].host)
				g.f[idx].src = SRC_HOST;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &ts[1]);
	add_dpkg(&g);
	clock_gettime(CLOCK_MONOTONIC, &ts[2]);
	hits = match(&g, q, fn, arg, &changed);
	clock_gettime(CLOCK_MONOTONIC, &ts[3]);
	if (hits >= 0)
		cache_save(&g, changed);
	clock_gettime(CLOCK_MONOTONIC, &ts[4]);
	if (getenv("EXECBAN_TIMING")) {
		char pkgs[64];

		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (g.pkgs_cached)
			snprintf(pkgs, sizeof(pkgs), "the dpkg status unchanged%s",
				 g.named_cached ? ", programs too" : "");
		else
			snprintf(pkgs, sizeof(pkgs), "%u packages", g.n_pkgs);
		fprintf(stderr, "execban: timing: sysguard %lld ms: %zu files, %u of them from %s; "
			"%u looked at again, %u opened, %u hashed, %u digests from the cache, "
			"%u signatures read; cache %s%s (ms: cache %lld, programs %lld, dpkg %lld, "
			"files %lld, saving %lld)\n",
			(long long)((t1.tv_sec - t0.tv_sec) * 1000 +
				    (t1.tv_nsec - t0.tv_nsec) / 1000000),
			g.n, g.n_pkg_files, pkgs, g.n_statted, g.n_opened, g.n_hashed,
			g.n_cached_digests, g.n_sigread, g.cache_note ? g.cache_note : "-",
			g.cache_written ? ", written" : "", ms(&t0, &ts[0]), ms(&ts[0], &ts[1]),
			ms(&ts[1], &ts[2]), ms(&ts[2], &ts[3]), ms(&ts[3], &ts[4]));
	}
	guard_free(&g);
	return hits;
}

/* ---- check and load ---- */

/* A hit, kept to be reported in the order of the policy's files and lines. */
struct policy_hit {
	const struct policy_rule *r;	/* NULL: an unreadable signature (no rule of its own) */
	size_t file_no;
	char *path, *why, *detail;
};

struct policy_ctx {
	struct compiled *c;
	struct policy_hit *h;
	size_t n, cap;
	bool nomem;
};

static size_t file_no(const struct policy *p, const char *file)
{
	size_t i;

	for (i = 0; i < p->n_files; i++)
		if (p->files[i] == file)
			return i;
	return p->n_files;
}

static void on_policy_hit(void *arg, const struct sysguard_hit *h)
{
	struct policy_ctx *x = arg;
	struct policy *p = &x->c->pol;
	const struct policy_rule *r = NULL;
	struct policy_hit *n;
	size_t i;

	if (h->idx == SIZE_MAX) {
		/* the kernel refuses an unreadable signature while signer rules are in force:
		 * reported at the first signer rule */
		for (i = 0; i < p->n_rules; i++)
			if (p->rules[i].ident_kind != EXECBAN_IDENT_SHA256 &&
			    (!r || file_no(p, p->rules[i].file) < file_no(p, r->file) ||
			     (p->rules[i].file == r->file && p->rules[i].line < r->line)))
				r = &p->rules[i];
	} else {
		r = &p->rules[h->idx];
	}
	if (!r)
		return;
	if (x->n == x->cap) {
		size_t cap = x->cap ? 2 * x->cap : 16;

		n = realloc(x->h, cap * sizeof(*n));
		if (!n) {
			x->nomem = true;
			return;
		}
		x->h = n;
		x->cap = cap;
	}
	n = &x->h[x->n++];
	n->r = h->idx == SIZE_MAX ? NULL : r;
	n->file_no = file_no(p, r->file);
	n->path = strdup(h->path);
	n->why = strdup(h->why ? h->why : "");
	n->detail = h->detail ? strdup(h->detail) : NULL;
	if (!n->path || !n->why) {
		x->nomem = true;
		free(n->path);
		free(n->why);
		free(n->detail);
		x->n--;
		return;
	}
	if (!n->r) {
		/* keep the rule it is reported at, as the file and line to sort by */
		n->r = r;
		n->detail = n->detail ? n->detail : strdup("");
		if (!n->detail)
			x->n--, x->nomem = true;
	}
}

static int cmp_hit(const void *a, const void *b)
{
	const struct policy_hit *x = a, *y = b;

	if (x->file_no != y->file_no)
		return x->file_no < y->file_no ? -1 : 1;
	if (x->r->line != y->r->line)
		return x->r->line < y->r->line ? -1 : 1;
	return strcmp(x->path, y->path);
}

static void report_hit(struct policy *p, const struct policy_hit *h, bool force)
{
	const struct policy_rule *r = h->r;
	char id[POLICY_IDENT_STRLEN];

	if (h->detail) {
		policy_diag(p, r->file, r->line, !force,
			    "with signer rules in force the kernel refuses %s, %s, which the "
			    "system needs to boot and to be repaired: its signature cannot be read "
			    "(%s)%s", h->path, h->why, h->detail,
			    force ? ": accepted anyway (--force)" : "; --force to accept it anyway");
		return;
	}
	if (r->ident_kind == EXECBAN_IDENT_SHA256) {
		policy_diag(p, r->file, r->line, !force,
			    "this rule bans %s, %s, which the system needs to boot and to be "
			    "repaired%s", h->path, h->why,
			    force ? ": banned anyway (--force)" : "; --force to ban it anyway");
		return;
	}
	policy_format_ident(r, id, sizeof(id));
	policy_diag(p, r->file, r->line, !force,
		    "this rule's %s%s%s%s signs %s, %s, which the system needs to boot and to be "
		    "repaired%s", id, r->signer ? " (from signer=" : "", r->signer ? r->signer : "",
		    r->signer ? ")" : "", h->path, h->why,
		    force ? ": banned anyway (--force)" : "; --force to ban it anyway");
}

int sysguard_policy(struct compiled *c, bool force)
{
	struct policy_ctx x = { .c = c };
	struct sysguard_query q = {
		.keys = c->keys,
		.n_keys = c->n_rules,
		.kinds = c->n_rules ? &c->rules[0].ident_kind : NULL,
		.actions = c->n_rules ? &c->rules[0].action : NULL,
		.kinds_stride = sizeof(c->rules[0]),
		.sizes = c->sizes,
		.n_sizes = c->n_sizes,
		.size_filter = c->info.flags & EXECBAN_POLICY_SIZE_FILTER,
		.digests = c->n_rules > c->info.n_signer_rules,
		.signers = c->info.flags & EXECBAN_POLICY_HAS_SIGNERS,
		.allows = false,
	};
	size_t i;
	long r;

	if (!c->n_rules)
		return 0;
	for (i = 0; i < c->n_rules; i++)
		if (c->rules[i].action == EXECBAN_RULE_ALLOW)
			q.allows = true;
	r = sysguard_run(&q, on_policy_hit, &x);
	if (r >= 0 && x.nomem)
		r = -ENOMEM;
	if (r >= 0 && x.n) {
		qsort(x.h, x.n, sizeof(*x.h), cmp_hit);
		for (i = 0; i < x.n; i++)
			report_hit(&c->pol, &x.h[i], force);
	}
	for (i = 0; i < x.n; i++) {
		free(x.h[i].path);
		free(x.h[i].why);
		free(x.h[i].detail);
	}
	free(x.h);
	if (r < 0)
		return (int)r;
	return x.n && !force ? -EINVAL : 0;
}
