// SPDX-License-Identifier: GPL-2.0
/*
 * util.c - small helpers shared by the CLI verbs.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <linux/fs.h>
#include <openssl/evp.h>

#include "cli.h"
#include "policy.h"

const char *const pinned_map_names[PM_COUNT] = {
	[PM_RULES] = "rules",
	[PM_RULE_INDEX] = "rule_index",
	[PM_SIZES_0] = "banned_sizes_0",
	[PM_SIZES_1] = "banned_sizes_1",
	[PM_TEXTS_0] = "texts_0",
	[PM_TEXTS_1] = "texts_1",
	[PM_POLICY_INFO] = "policy_info",
	[PM_STATE] = "state",
	[PM_STATS] = "stats",
	[PM_EVENT_SEQ] = "event_seq",
	[PM_EVENTS] = "events",
	[PM_INODE_CACHE] = "inode_cache",
	[PM_RULE_HITS] = "rule_hits",
	[PM_INTERPRETERS] = "interpreters",
	[PM_TASK_INTERP] = "task_interp",
	[PM_SIGNER_SCRATCH] = "signer_scratch",
	[PM_MEM_SCRATCH] = "mem_scratch",
	[PM_ZEROES] = "zeroes",
	[PM_QUARANTINE] = "quarantine_dirs",
	[PM_LOCK] = "lock",
	[PM_LOCK_CTL] = "lock_ctl",
	[PM_LOCK_SCRATCH] = "lock_scratch",
	[PM_PROTECTED] = "protected_tasks",
	[PM_MARK_PATHS] = "mark_paths",
	[PM_INTERP_IDS] = "interp_ids",
};

const char *const program_names[] = {
	"execban_bprm_check_security", "execban_mmap_file", "execban_file_mprotect",
	"execban_kernel_read_file", "execban_file_open", "execban_path_truncate",
	"execban_bprm_committed_creds", "execban_task_alloc", "execban_inode_rename",
	"execban_inode_setattr", "execban_inode_link", "execban_kernel_post_load_data",
	"execban_task_free", "execban_bpf", "execban_bpf_map", "execban_bpf_prog",
	"execban_task_kill", "execban_ptrace_access_check", "execban_inode_unlink",
	"execban_inode_rmdir", "execban_sb_umount", "execban_file_permission",
	"execban_file_ioctl", "execban_inode_acl",
};
const int n_programs = sizeof(program_names) / sizeof(program_names[0]);

/* How many programs have their link pinned (attached and outliving any process). */
int count_attached(void)
{
	char path[256], name[128];
	int i, n = 0;

	for (i = 0; i < n_programs; i++) {
		snprintf(name, sizeof(name), "link_%s", program_names[i]);
		if (!pin_path(path, sizeof(path), name) && !access(path, F_OK))
			n++;
	}
	return n;
}

void (*err_hook)(const char *path, const char *msg);
void (*msg_hook)(const char *file, unsigned int line, bool error, const char *msg);

static void call_err_hook(const char *path, const char *fmt, va_list ap)
{
	char msg[512];

	if (!err_hook)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	err_hook(path, msg);
}

static void call_msg_hook(const char *path, bool error, const char *fmt, va_list ap)
{
	char msg[512];

	if (!msg_hook)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	msg_hook(path, 0, error, msg);
}

void err(const char *fmt, ...)
{
	va_list ap;

	fputs("execban: error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	va_start(ap, fmt);
	call_err_hook(NULL, fmt, ap);
	va_end(ap);
	va_start(ap, fmt);
	call_msg_hook(NULL, true, fmt, ap);
	va_end(ap);
}

void warn(const char *fmt, ...)
{
	va_list ap;

	fputs("execban: warning: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	va_start(ap, fmt);
	call_msg_hook(NULL, false, fmt, ap);
	va_end(ap);
}

/* "execban: error: <path, escaped>: <message>": a file name in a message cannot fake a line. */
static void vmsg_path(const char *kind, const char *path, const char *fmt, va_list ap)
{
	fprintf(stderr, "execban: %s: ", kind);
	fput_esc(stderr, path);
	fputs(": ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void err_path(const char *path, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg_path("error", path, fmt, ap);
	va_end(ap);
	va_start(ap, fmt);
	call_err_hook(path, fmt, ap);
	va_end(ap);
	va_start(ap, fmt);
	call_msg_hook(path, true, fmt, ap);
	va_end(ap);
}

void warn_path(const char *path, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg_path("warning", path, fmt, ap);
	va_end(ap);
	va_start(ap, fmt);
	call_msg_hook(path, false, fmt, ap);
	va_end(ap);
}

void hex_encode(const uint8_t *b, size_t n, char *out)
{
	policy_hex(b, n, out);
}

/* SHA-256 of a whole file from offset 0, as the kernel computes it at exec. */
int sha256_fd(int fd, uint8_t out[EXECBAN_SHA256_LEN], uint64_t *size)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	static __thread uint8_t buf[1 << 16];	/* scan hashes in several threads */
	uint64_t total = 0;
	off_t off = 0;
	ssize_t n;
	int ret = 0;

	if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL)) {
		ret = -ENOMEM;
		goto out;
	}
	for (;;) {
		n = pread(fd, buf, sizeof(buf), off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			goto out;
		}
		if (!n)
			break;
		EVP_DigestUpdate(ctx, buf, (size_t)n);
		off += n;
		total += (uint64_t)n;
	}
	EVP_DigestFinal_ex(ctx, out, NULL);
	if (size)
		*size = total;
out:
	EVP_MD_CTX_free(ctx);
	return ret;
}

int pin_path(char *buf, size_t len, const char *name)
{
	int n = snprintf(buf, len, "%s/%s", EXECBAN_PIN_DIR, name);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* fd of a pinned map, or -errno. */
static int open_pinned(enum pinned_map m, bool write)
{
	LIBBPF_OPTS(bpf_obj_get_opts, o, .file_flags = write ? 0 : BPF_F_RDONLY);
	char path[256];
	int fd;

	if (pin_path(path, sizeof(path), pinned_map_names[m]))
		return -ENAMETOOLONG;
	fd = bpf_obj_get_opts(path, &o);
	return fd < 0 ? -errno : fd;
}

/* The lock map can never be opened for writing (bpf/lock.bpf.h). */
int open_pinned_map(enum pinned_map m)
{
	return open_pinned(m, m != PM_LOCK);
}

/* For readers: works in lock mode, where no execban map can be opened for writing. */
int open_pinned_map_ro(enum pinned_map m)
{
	return open_pinned(m, false);
}

/*
 * Serialise loads, unloads and the lock: one writer of the policy maps at a time. The pin
 * folder's fd, held locked until closed, or -errno (said).
 */
int lock_pin_dir(void)
{
	int fd = open(EXECBAN_PIN_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC), e;

	if (fd < 0 || flock(fd, LOCK_EX)) {
		e = errno;
		err("cannot lock %s: %s", EXECBAN_PIN_DIR, strerror(e));
		if (fd >= 0)
			close(fd);
		return -e;
	}
	return fd;
}

/*
 * Usage errors: one line naming the problem, one naming the help (as coreutils and git do),
 * on stderr; the whole help only on request. verb is NULL for the command line before a verb.
 */
int usage_hint(const char *verb)
{
	fprintf(stderr, "Try 'execban%s%s --help'.\n", verb ? " " : "", verb ? verb : "");
	return EXIT_USAGE;
}

int usage_error(const char *verb, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "execban%s%s: ", verb ? " " : "", verb ? verb : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return usage_hint(verb);
}

/*
 * The escape of the character at p (n bytes left) for one line of text, into out
 * (NUL-terminated); *used: how many bytes of p it stands for.
 *
 * Escaped: the backslash itself (so that no escape is ambiguous), the double quote (so that
 * a name cannot end a quoted field: why="..."), every C0 control and DEL
 * (\n \t \r or \xNN), every byte that is not part of valid UTF-8 (\xNN, so that bytes are
 * not lost), the C1 controls U+0080..U+009F (a terminal may take U+009B for an escape
 * sequence: \xc2\xNN) and the Unicode controls that break or reorder a line on screen
 * (U+2028, U+2029, U+202A..U+202E, U+2066..U+2069: \uNNNN). Everything else is copied.
 */
#define ESC_CHAR_MAX 12	/* the longest escape, "\\uNNNN", and its NUL, with room to spare */

static void esc_char(const unsigned char *p, size_t n, char out[ESC_CHAR_MAX], size_t *used)
{
	unsigned char c = p[0];
	size_t len, i;
	uint32_t cp;

	*used = 1;
	switch (c) {
	case '\\': strcpy(out, "\\\\"); return;
	case '"': strcpy(out, "\\\""); return;
	case '\n': strcpy(out, "\\n"); return;
	case '\t': strcpy(out, "\\t"); return;
	case '\r': strcpy(out, "\\r"); return;
	}
	if (c < 0x20 || c == 0x7f)
		goto hex;
	if (c < 0x80) {
		out[0] = (char)c;
		out[1] = 0;
		return;
	}
	/* UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above U+10FFFF */
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07;
	} else {
		goto hex;
	}
	if (n < len)
		goto hex;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			goto hex;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		goto hex;
	if (cp < 0xa0)
		goto hex;	/* C1 control: each byte as \xNN */
	if (cp == 0x2028 || cp == 0x2029 || (cp >= 0x202a && cp <= 0x202e) ||
	    (cp >= 0x2066 && cp <= 0x2069)) {
		snprintf(out, ESC_CHAR_MAX, "\\u%04x", (unsigned int)cp);
		*used = len;
		return;
	}
	memcpy(out, p, len);
	out[len] = 0;
	*used = len;
	return;
hex:
	snprintf(out, ESC_CHAR_MAX, "\\x%02x", c);
}

void fput_esc(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), used;
	char e[ESC_CHAR_MAX];

	while (n) {
		esc_char(p, n, e, &used);
		fputs(e, out);
		p += used;
		n -= used;
	}
}

/* The length of s escaped (without a NUL). */
static size_t esc_len(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), used, total = 0;
	char e[ESC_CHAR_MAX];

	while (n) {
		esc_char(p, n, e, &used);
		total += strlen(e);
		p += used;
		n -= used;
	}
	return total;
}

char *esc(char *buf, size_t len, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), used, o = 0, l, room;
	bool cut;
	char e[ESC_CHAR_MAX];

	if (!len)
		return buf;
	/* too long: whole characters while there is room for "..." after them */
	cut = esc_len(s) >= len;
	room = !cut ? len - 1 : len > 4 ? len - 4 : 0;
	while (n) {
		esc_char(p, n, e, &used);
		l = strlen(e);
		if (o + l > room)
			break;
		memcpy(buf + o, e, l);
		o += l;
		p += used;
		n -= used;
	}
	if (cut) {
		l = len - 1 - o < 3 ? len - 1 - o : 3;
		memcpy(buf + o, "...", l);
		o += l;
	}
	buf[o] = 0;
	return buf;
}

/*
 * EXECBAN_TIMING=1: how long each step of a load or a check took, on stderr ("execban: timing:
 * rules 412 ms"), for make bench and for finding where a slow load spends its time.
 */
void timing(const char *step)
{
	static int on = -1;
	static struct timespec last;
	struct timespec now;

	if (on < 0) {
		on = getenv("EXECBAN_TIMING") != NULL;
		clock_gettime(CLOCK_MONOTONIC, &last);
	}
	if (!on)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	fprintf(stderr, "execban: timing: %s %lld ms\n", step,
		(long long)(now.tv_sec - last.tv_sec) * 1000 + (now.tv_nsec - last.tv_nsec) / 1000000);
	last = now;
}

/* kernel.threads-max, or 0 if it cannot be read. */
unsigned long threads_max(void)
{
	unsigned long v = 0;
	FILE *f = fopen("/proc/sys/kernel/threads-max", "re");

	if (f) {
		if (fscanf(f, "%lu", &v) != 1)
			v = 0;
		fclose(f);
	}
	return v;
}

/*
 * Entries of the per-task maps (task_interp, signer_scratch) for a kernel that lets at most
 * threads tasks exist: an entry lives from a task's exec or fork to its task_free, so twice
 * that (room for tasks freed late), as a power of two from 65,536 to 4,194,304 (PID_MAX_LIMIT:
 * no more tasks can have pids). A hash map allocates 16 bytes of buckets per entry when it is
 * created, whatever it holds: 1,048,576 entries cost 16 MiB each on any machine.
 */
uint32_t task_map_entries(unsigned long threads)
{
	uint32_t n = 1U << 16;

	if (!threads)
		return 1U << 20;	/* unknown: the size it always had */
	while (n < (1U << 22) && n / 2 < threads)
		n *= 2;
	return n;
}

uint64_t map_memlock(int fd)
{
	unsigned long long v = 0;
	char path[64], line[256];
	FILE *f;

	if (fd < 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "memlock: %llu", &v) == 1)
			break;
	fclose(f);
	return v;
}

void test_kill_point(void)
{
	static long left = -2;
	const char *e;

	if (left == -2) {
		e = getenv("EXECBAN_TEST_KILL_AFTER_BATCH");
		left = e ? strtol(e, NULL, 10) : -1;
	}
	if (left == 0)
		kill(getpid(), SIGKILL);
	if (left > 0)
		left--;
}

int map_update_batched(int fd, const void *keys, size_t key_size, const void *vals,
		       size_t value_size, size_t n)
{
	size_t done = 0;
	__u32 count;
	int ret;

	while (done < n) {
		test_kill_point();
		count = (__u32)(n - done < MAP_BATCH ? n - done : MAP_BATCH);
		ret = bpf_map_update_batch(fd, (const char *)keys + done * key_size,
					   (const char *)vals + done * value_size, &count, NULL);
		if (ret)
			return ret;
		done += count;
	}
	return 0;
}

/*
 * Have the programs record the interpreter mark of fd's inode by identity, or put it back if
 * the inode was evicted since it was marked: the FIGETBSZ ioctl, which lsm/file_ioctl watches
 * for (interp_mark_sync() in bpf/policy.bpf.h). Harmless on any file, marked or not.
 */
void interp_mark_sync(int fd)
{
	int bsz;

	(void)ioctl(fd, FIGETBSZ, &bsz);
}
