// SPDX-License-Identifier: GPL-2.0
/*
 * events.c - execban events: print decisions, from the daemon or from the ring buffer.
 *
 * Consuming the ring buffer is destructive (it has one reader position), so while the daemon
 * runs it is the only consumer, and "execban events" reads from the daemon's socket what the
 * daemon keeps and sends to every reader (evsock.c). Without a daemon, "execban events"
 * consumes the ring itself, and says so. Either way each event becomes the one JSON line of
 * docs/events.md first: filters and the text form work on that line.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <json-c/json.h>

#include "cli.h"
#include "events.h"
#include "evsock.h"
#include "jsonout.h"
#include "policy.h"

volatile sig_atomic_t events_stop;

static void on_signal(int sig)
{
	(void)sig;
	events_stop = 1;
}

static const char *const action_names[] = {
	[EXECBAN_ACT_EXEC] = "exec", [EXECBAN_ACT_MMAP] = "mmap",
	[EXECBAN_ACT_MPROTECT] = "mprotect", [EXECBAN_ACT_RENAME] = "rename",
	[EXECBAN_ACT_LINK] = "link", [EXECBAN_ACT_CHMOD] = "chmod",
	[EXECBAN_ACT_MODULE] = "module", [EXECBAN_ACT_INSTALL] = "install",
	[EXECBAN_ACT_TAMPER] = "tamper", [EXECBAN_ACT_OPEN] = "open",
};

const char *event_action_name(unsigned int a)
{
	if (a < sizeof(action_names) / sizeof(action_names[0]) && action_names[a])
		return action_names[a];
	return "unknown";
}

const char *event_verdict_name(unsigned int v)
{
	return v == EXECBAN_VERDICT_DENIED ? "denied" :
	       v == EXECBAN_VERDICT_AUDITED ? "audited" : "unknown";
}

/* CLOCK_REALTIME - CLOCK_BOOTTIME, to turn the event's boot time into wall-clock time. */
static int64_t wall_offset_ns(void)
{
	struct timespec r, b;

	clock_gettime(CLOCK_REALTIME, &r);
	clock_gettime(CLOCK_BOOTTIME, &b);
	return ((int64_t)r.tv_sec - b.tv_sec) * 1000000000LL + (r.tv_nsec - b.tv_nsec);
}

static void boot_id(char out[40])
{
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");

	out[0] = 0;
	if (f) {
		if (fgets(out, 40, f))
			out[strcspn(out, "\n")] = 0;
		fclose(f);
	}
}

void event_format_time(uint64_t wall_ns, char *buf, size_t len)
{
	time_t sec = (time_t)(wall_ns / 1000000000ULL);
	struct tm tm;

	gmtime_r(&sec, &tm);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%09lluZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (unsigned long long)(wall_ns % 1000000000ULL));
}

/* Copy a fixed-size kernel string, guaranteeing termination. */
#define KSTR(dst, src) do { \
	memcpy(dst, src, sizeof(dst) - 1); dst[sizeof(dst) - 1] = 0; \
} while (0)

/* EXECBAN_EVF_PATH_SLOTS: "/" + each non-empty slot, root first. */
static void join_slots(const char *slots, char *out, size_t len)
{
	size_t n = 0, i, l;

	out[0] = 0;
	for (i = 0; i < EXECBAN_PATH_LEN / EXECBAN_PATH_SLOT; i++) {
		const char *s = slots + i * EXECBAN_PATH_SLOT;

		if (!s[0])
			break;
		l = strnlen(s, EXECBAN_PATH_SLOT);
		if (n + l + 2 > len)
			break;
		out[n++] = '/';
		memcpy(out + n, s, l);
		n += l;
		out[n] = 0;
	}
	if (!n)
		snprintf(out, len, "/");
}

/* What a signature read or verification result means, for people. */
static const char *sig_status(int err)
{
	switch (err) {
	case 0: return "ok";
	case -61: return "none";			/* ENODATA */
	case -74: return "malformed";			/* EBADMSG */
	case -90: return "too big";			/* EMSGSIZE */
	case -95: return "unsupported variant";	/* EOPNOTSUPP */
	case -126: return "not signed by a banned certificate";	/* ENOKEY */
	case -129: return "bad signature";		/* EKEYREJECTED */
	case -27: return "file too big to verify";	/* EFBIG */
	case EXECBAN_VERIFY_NOT_TRIED: return "not tried";
	default: return strerror(-err);
	}
}

/* The identity the event's rule matched, in policy syntax ("" if no rule matched). */
static void match_text(const struct execban_event *e, char *buf, size_t len)
{
	const struct execban_signer *s = &e->signer;
	struct policy_rule r = { .ident_kind = e->ident_kind };
	size_t n;

	buf[0] = 0;
	switch (e->ident_kind) {
	case EXECBAN_IDENT_SHA256:
		memcpy(r.ident, e->sha256, EXECBAN_SHA256_LEN);
		r.ident_len = EXECBAN_SHA256_LEN;
		break;
	case EXECBAN_IDENT_SIGNER_SKID:
		r.ident_len = s->skid_len > EXECBAN_SKID_MAX ? EXECBAN_SKID_MAX : s->skid_len;
		memcpy(r.ident, s->skid, r.ident_len);
		break;
	case EXECBAN_IDENT_SIGNER_ISSUER_SERIAL:
		n = s->serial_len > sizeof(s->serial) ? sizeof(s->serial) : s->serial_len;
		memcpy(r.ident, s->issuer_sha256, EXECBAN_SHA256_LEN);
		memcpy(r.ident + EXECBAN_SHA256_LEN, s->serial, n);
		r.ident_len = EXECBAN_SHA256_LEN + n;
		break;
	case EXECBAN_IDENT_SIGNER_CERT_SHA256:
		memcpy(r.ident, s->cert_sha256, EXECBAN_SHA256_LEN);
		r.ident_len = EXECBAN_SHA256_LEN;
		break;
	case EXECBAN_IDENT_IMA_KEYID:	/* big-endian, as written in a policy */
		r.ident[0] = s->ima_keyid >> 24;
		r.ident[1] = s->ima_keyid >> 16;
		r.ident[2] = s->ima_keyid >> 8;
		r.ident[3] = s->ima_keyid;
		r.ident_len = 4;
		break;
	default:
		return;
	}
	if (policy_format_ident(&r, buf, len) < 0)
		buf[0] = 0;
}

/* "signer": {...}, or null when the signers were not read. */
static struct json_object *signer_json(const struct execban_event *e)
{
	const struct execban_signer *s = &e->signer;
	char hex[2 * EXECBAN_SKID_MAX + 1], issuer[65], buf[sizeof(issuer) + sizeof(hex) + 1];
	struct json_object *o;

	if (!(e->flags & EXECBAN_EVF_SIGNER))
		return NULL;
	o = json_object_new_object();
	json_add_str(o, "modsig", sig_status(s->modsig_err));
	json_add_str(o, "ima", sig_status(s->ima_err));
	if (s->skid_len) {
		hex_encode(s->skid, s->skid_len > EXECBAN_SKID_MAX ? EXECBAN_SKID_MAX : s->skid_len,
			   hex);
		json_add_str(o, "skid", hex);
		json_add_str(o, "skid_from",
			     s->formats & EXECBAN_SIGF_KEYRING_SKID ? "keyring" : "signature");
	}
	if (s->sid_type == 1) {
		hex_encode(s->issuer_sha256, EXECBAN_SHA256_LEN, issuer);
		hex_encode(s->serial, s->serial_len > 32 ? 32 : s->serial_len, hex);
		snprintf(buf, sizeof(buf), "%s/%s", issuer, hex);
		json_add_str(o, "issuer_serial", buf);
	}
	if (s->formats & EXECBAN_SIGF_CERT) {
		hex_encode(s->cert_sha256, EXECBAN_SHA256_LEN, hex);
		json_add_str(o, "cert_sha256", hex);
	}
	if (s->formats & EXECBAN_SIGF_IMA) {
		snprintf(buf, sizeof(buf), "%08x", s->ima_keyid);
		json_add_str(o, "ima_keyid", buf);
	}
	json_add(o, "verified", s->verify == EXECBAN_VERIFY_NOT_TRIED ? NULL :
		 json_object_new_boolean(s->verify == 0));
	json_add_str(o, "verify_result", s->verify == 0 ? "verified" : sig_status(s->verify));
	return o;
}

/* One JSON line (docs/events.md): what the daemon logs and sends, and what --json prints. */
void event_print(FILE *out, const struct execban_event *e, int64_t offset_ns, const char *bootid)
{
	char time_s[48], sha[65], digest[65], comm[EXECBAN_COMM_LEN + 1],
	     pcomm[EXECBAN_COMM_LEN + 1], label[EXECBAN_LABEL_LEN + 1], dev[32];
	static char path[EXECBAN_PATH_LEN + 1], filename[EXECBAN_FILENAME_LEN + 1],
		    reason[EXECBAN_REASON_LEN + 1], exe[EXECBAN_PATH_LEN + 1], ident[256],
		    match[65];
	uint64_t wall = e->hdr.boot_ns + (uint64_t)offset_ns;
	struct json_object *o = json_doc(JSON_SCHEMA_EVENT);

	if (!o)
		return;
	event_format_time(wall, time_s, sizeof(time_s));
	hex_encode(e->sha256, EXECBAN_SHA256_LEN, sha);
	hex_encode(e->policy_digest, EXECBAN_SHA256_LEN, digest);
	KSTR(comm, e->comm);
	KSTR(pcomm, e->pcomm);
	KSTR(label, e->label);
	if (e->flags & EXECBAN_EVF_PATH_SLOTS)
		join_slots(e->path, path, sizeof(path));
	else
		KSTR(path, e->path);
	KSTR(filename, e->filename);
	if (e->flags & EXECBAN_EVF_EXE_SLOTS)
		join_slots(e->exe, exe, sizeof(exe));
	else
		KSTR(exe, e->exe);
	if (e->flags & EXECBAN_EVF_EXE_TRUNC)
		exe[0] = 0;
	KSTR(reason, e->reason);
	if (e->flags & (EXECBAN_EVF_HASH_ERROR | EXECBAN_EVF_NO_DIGEST))
		strcpy(sha, "");
	match_text(e, ident, sizeof(ident));
	hex_encode(e->match_key, EXECBAN_SHA256_LEN, match);
	/* the kernel's own dev_t (MINORBITS 20), not glibc's encoding of st_dev */
	snprintf(dev, sizeof(dev), "%u:%u", (unsigned int)(e->dev >> 20),
		 (unsigned int)(e->dev & 0xfffff));

	json_add_str(o, "type", "decision");
	json_add_str(o, "time", time_s);
	json_add_u64(o, "time_ns", wall);
	json_add_str(o, "boot_id", bootid);
	json_add_u64(o, "cpu", e->hdr.cpu);
	json_add_u64(o, "seq", e->hdr.seq);
	json_add_str(o, "action", event_action_name(e->action));
	json_add_str(o, "verdict", event_verdict_name(e->verdict));
	json_add_u64(o, "pid", e->tgid);
	json_add_u64(o, "tid", e->pid);
	json_add_u64(o, "ppid", e->ppid);
	json_add_u64(o, "uid", e->uid);
	json_add_u64(o, "euid", e->euid);
	json_add_u64(o, "gid", e->gid);
	json_add_i64(o, "loginuid", (int)e->loginuid);
	json_add_i64(o, "sessionid", (int)e->sessionid);
	json_add_u64(o, "cgroup_id", e->cgroup_id);
	json_add_str(o, "comm", comm);
	json_add_str(o, "parent_comm", pcomm);
	json_add_str(o, "exe", exe);
	json_add_str(o, "path", path);
	json_add_str(o, "filename", filename);
	json_add_str(o, "dev", dev);
	json_add_u64(o, "ino", e->ino);
	json_add_u64(o, "size", e->size);
	json_add_str(o, "sha256", sha);
	json_add_str(o, "rule", label);
	json_add(o, "rule_id", e->rule_id != EXECBAN_NO_RULE ?
		 json_object_new_uint64(e->rule_id) : NULL);
	json_add_str(o, "reason", reason);
	json_add_str(o, "identity", policy_ident_name(e->ident_kind));
	json_add_str(o, "match", ident);
	json_add_str(o, "match_key", e->rule_id != EXECBAN_NO_RULE ? match : "");
	json_add_u64(o, "policy_version", e->policy_version);
	json_add_str(o, "policy_digest", digest);
	json_add_u64(o, "policy_generation", e->policy_gen);
	json_add_bool(o, "cached", e->flags & EXECBAN_EVF_CACHED);
	json_add_bool(o, "hash_error", e->flags & EXECBAN_EVF_HASH_ERROR);
	json_add_bool(o, "path_truncated", e->flags & EXECBAN_EVF_PATH_TRUNC);
	json_add_bool(o, "path_fs_relative", e->flags & EXECBAN_EVF_PATH_FSREL);
	json_add_bool(o, "untrusted_fs", e->flags & EXECBAN_EVF_UNTRUSTED_FS);
	json_add_bool(o, "stale_layer", e->flags & EXECBAN_EVF_STALE_LAYER);
	json_add_bool(o, "signature_error", e->flags & EXECBAN_EVF_SIG_ERROR);
	json_add(o, "signer", signer_json(e));
	json_emit(out, o);
}

void event_print_lost(FILE *out, const struct execban_event *e)
{
	struct json_object *o = json_doc(JSON_SCHEMA_EVENT);

	if (!o)
		return;
	json_add_str(o, "type", "lost");
	json_add_u64(o, "cpu", e->hdr.cpu);
	json_add_u64(o, "count", e->hdr.lost_before);
	json_add_u64(o, "before_seq", e->hdr.seq);
	json_emit(out, o);
}

/* Shared with the daemon. */
int64_t event_wall_offset_ns(void)
{
	return wall_offset_ns();
}

void event_boot_id(char out[40])
{
	boot_id(out);
}

/* Text, one line per event, from its JSON object: the one renderer of "execban events". */
static const char *jstr(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return "";
	return json_object_get_string(v);
}

static uint64_t juint(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_uint64(v) : 0;
}

static bool jbool(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_get_boolean(v);
}

static const char *or_else(const char *s, const char *dflt)
{
	return s[0] ? s : dflt;
}

/*
 * A name taken from the system (comm, exe, path, file name) or from the policy (rule, reason)
 * in a text line. Merging with main: this becomes fput_esc() (util.c), so that a name cannot
 * fake a line or a field.
 */
/* A string someone else chose (a file name, comm, a label): control characters escaped. */
static void put_name(FILE *out, const char *key, const char *s)
{
	fputs(key, out);
	fput_esc(out, s);
}

void event_print_text(FILE *out, struct json_object *o)
{
	const char *type = jstr(o, "type"), *reason = jstr(o, "reason"), *match = jstr(o, "match");
	struct json_object *signer = NULL, *verified;

	if (!strcmp(type, "lost")) {
		fprintf(out, "LOST %llu event(s) on cpu %llu: the ring buffer was full (see "
			"'execban status')\n", (unsigned long long)juint(o, "count"),
			(unsigned long long)juint(o, "cpu"));
		return;
	}
	if (!strcmp(type, "dropped")) {
		fprintf(out, "DROPPED %llu event(s): this reader fell behind the daemon's backlog "
			"(the journal and the daemon's JSON log have them)\n",
			(unsigned long long)juint(o, "count"));
		return;
	}
	if (strcmp(type, "decision"))
		return;
	if (!strcmp(jstr(o, "action"), "tamper")) {
		fprintf(out, "%s tamper denied pid=%llu ppid=%llu uid=%llu", jstr(o, "time"),
			(unsigned long long)juint(o, "pid"), (unsigned long long)juint(o, "ppid"),
			(unsigned long long)juint(o, "uid"));
		put_name(out, " comm=", jstr(o, "comm"));
		put_name(out, " exe=", or_else(jstr(o, "exe"), "?"));
		put_name(out, " attempt=\"", jstr(o, "filename"));
		put_name(out, "\" target=\"", jstr(o, "path"));
		put_name(out, "\" reason=\"", reason);
		fputs("\"\n", out);
		return;
	}
	fprintf(out, "%s %s %s pid=%llu ppid=%llu uid=%llu", jstr(o, "time"), jstr(o, "action"),
		jstr(o, "verdict"), (unsigned long long)juint(o, "pid"),
		(unsigned long long)juint(o, "ppid"), (unsigned long long)juint(o, "uid"));
	put_name(out, " comm=", jstr(o, "comm"));
	put_name(out, " exe=", or_else(jstr(o, "exe"), "?"));
	put_name(out, " path=", or_else(jstr(o, "path"), "?"));
	fprintf(out, " sha256=%s", or_else(jstr(o, "sha256"), "-"));
	put_name(out, " rule=", or_else(jstr(o, "rule"), "-"));
	if (reason[0]) {
		put_name(out, " reason=\"", reason);
		fputc('"', out);
	}
	if (!json_object_object_get_ex(o, "signer", &signer) ||
	    !json_object_is_type(signer, json_type_object))
		signer = NULL;
	if (match[0] && strcmp(jstr(o, "identity"), "sha256")) {
		const char *v = "-";

		if (signer && json_object_object_get_ex(signer, "verified", &verified) &&
		    json_object_is_type(verified, json_type_boolean))
			v = json_object_get_boolean(verified) ? "yes" : "no";
		fprintf(out, " %s verified=%s", match, v);
	}
	if (jbool(o, "signature_error"))
		fprintf(out, " signature=unreadable(modsig %s, ima %s)",
			signer ? or_else(jstr(signer, "modsig"), "?") : "?",
			signer ? or_else(jstr(signer, "ima"), "?") : "?");
	if (jbool(o, "untrusted_fs"))
		fputs(" untrusted-fs", out);
	if (jbool(o, "stale_layer"))
		fputs(" stale-layer", out);
	fputc('\n', out);
}

/* The pinned event ring buffer, feeding fn; NULL (said why) if execban is not loaded. */
struct ring_buffer *events_ring_open(ring_buffer_sample_fn fn, void *ctx, int *map_fd)
{
	struct ring_buffer *rb;
	int fd;

	fd = open_pinned_map(PM_EVENTS);
	if (fd < 0) {
		err("cannot open the event buffer %s/events: %s", EXECBAN_PIN_DIR, strerror(-fd));
		fprintf(stderr, "hint: is execban loaded? ('execban status')\n");
		return NULL;
	}
	rb = ring_buffer__new(fd, fn, ctx, NULL);
	if (!rb) {
		err("cannot map the event buffer: %s", strerror(errno));
		close(fd);
		return NULL;
	}
	*map_fd = fd;
	return rb;
}

static __u32 map_id(int fd)
{
	struct bpf_map_info mi = {};
	__u32 len = sizeof(mi);

	return bpf_obj_get_info_by_fd(fd, &mi, &len) ? 0 : mi.id;
}

/*
 * An unload removes the pinned event buffer and the next load pins a new one: a reader that
 * kept the old one would wait for events that never come. Returns 0 while the buffer open at
 * *map_fd is still the pinned one, -ENOENT while nothing is pinned (execban unloaded; the
 * old buffer stays open), 1 after switching *rb and *map_fd to a new pinned buffer (what was
 * left in the old one consumed first), or a negative errno.
 */
int events_ring_follow(struct ring_buffer **rb, int *map_fd, ring_buffer_sample_fn fn,
		       void *ctx)
{
	struct ring_buffer *nrb;
	int fd;

	fd = open_pinned_map(PM_EVENTS);
	if (fd < 0)
		return fd;
	if (map_id(fd) == map_id(*map_fd)) {
		close(fd);
		return 0;
	}
	nrb = ring_buffer__new(fd, fn, ctx, NULL);
	if (!nrb) {
		int ret = -errno;

		close(fd);
		return ret;
	}
	ring_buffer__consume(*rb);
	ring_buffer__free(*rb);
	close(*map_fd);
	*rb = nrb;
	*map_fd = fd;
	return 1;
}

/*
 * SIGINT/SIGTERM set events_stop. Without SA_RESTART, so that a blocking call returns EINTR; poll()
 * and epoll_wait() do in any case.
 */
void events_catch_stop(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

struct reader {
	bool json, follow;
	int action;	/* 0: any */
	int verdict;	/* 0: any */
	const char *rule;	/* label, or NULL: any */
	long long uid;		/* -1: any */
	uint64_t since_ns;	/* wall clock; 0: any */
	const char *socket;
	int64_t offset_ns;
	char bootid[40];
};

/* The filters, on the event's JSON: the same for events from the daemon and from the ring. */
static bool wanted(const struct reader *c, struct json_object *o)
{
	if (c->action && strcmp(jstr(o, "action"), action_names[c->action]))
		return false;
	if (c->verdict && strcmp(jstr(o, "verdict"), event_verdict_name(c->verdict)))
		return false;
	if (c->uid >= 0 && juint(o, "uid") != (uint64_t)c->uid)
		return false;
	if (c->rule && strncmp(jstr(o, "rule"), c->rule, EXECBAN_LABEL_LEN))
		return false;
	if (c->since_ns && juint(o, "time_ns") < c->since_ns)
		return false;
	return true;
}

enum line_result { LINE_OK, LINE_END_OF_BACKLOG, LINE_ERROR };

/* One JSON line (NUL-terminated), from the daemon or made from a ring record: print it or not. */
static enum line_result reader_line(const struct reader *c, const char *text, size_t len)
{
	enum line_result ret = LINE_OK;
	struct json_object *o = json_tokener_parse(text);
	const char *type;

	if (!o || !json_object_is_type(o, json_type_object)) {
		warn("skipping a line that is not a JSON object: %.80s", text);
		json_object_put(o);
		return LINE_OK;
	}
	type = jstr(o, "type");
	if (!strcmp(type, "end_of_backlog")) {
		ret = LINE_END_OF_BACKLOG;
	} else if (!strcmp(type, "error")) {
		err("the execban daemon: %s", jstr(o, "message"));
		ret = LINE_ERROR;
	} else if (!strcmp(type, "lost") || !strcmp(type, "dropped") ||
		   (!strcmp(type, "decision") && wanted(c, o))) {
		/* Losses are printed whatever the filters: they may hide a wanted event. */
		if (c->json)
			fwrite(text, 1, len, stdout);
		else
			event_print_text(stdout, o);
		fflush(stdout);
	}
	/* Other types: lines of a newer daemon's protocol, not events. */
	json_object_put(o);
	return ret;
}

/* A record of the ring buffer: made into the lines the daemon would send, then read as those. */
static int on_ring_record(void *ctx, void *data, size_t len)
{
	const struct reader *c = ctx;
	const struct execban_event *e = data;
	char *line = NULL;
	size_t n = 0;
	FILE *mem;

	if (len < sizeof(struct execban_event_hdr))
		return 0;
	if (e->hdr.type != EXECBAN_EV_DECISION || len < sizeof(*e)) {
		fprintf(stderr, "execban: skipping an event of unknown type %u (version %u, %zu "
			"bytes): is this CLI older than the loaded programs?\n", e->hdr.type,
			e->hdr.version, len);
		return 0;
	}
	/* The kernel tells each event how many were dropped on its CPU just before it. */
	if (e->hdr.lost_before) {
		mem = open_memstream(&line, &n);
		if (!mem)
			return -ENOMEM;
		event_print_lost(mem, e);
		fclose(mem);
		reader_line(c, line, n);
		free(line);
		line = NULL;
	}
	mem = open_memstream(&line, &n);
	if (!mem)
		return -ENOMEM;
	event_print(mem, e, c->offset_ns, c->bootid);
	fclose(mem);
	reader_line(c, line, n);
	free(line);
	return 0;
}

enum source_result { SRC_DONE, SRC_DAEMON_GONE, SRC_DAEMON_UP };

/* Read what the daemon sends on fd; *rc is the exit code when SRC_DONE. */
static enum source_result read_daemon(const struct reader *c, int fd, int *rc)
{
	char *buf = malloc(EVSOCK_MSG_MAX + 1);
	enum source_result ret = SRC_DONE;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t got;

	*rc = EXIT_OK;
	if (!buf) {
		err("out of memory");
		*rc = EXIT_SYSTEM;
		return SRC_DONE;
	}
	while (!events_stop) {
		if (poll(&p, 1, 500) <= 0)
			continue;	/* timeout, or EINTR: see whether to stop */
		got = recv(fd, buf, EVSOCK_MSG_MAX, MSG_TRUNC);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			err("reading from the execban daemon: %s", strerror(errno));
			*rc = EXIT_SYSTEM;
			break;
		}
		if (got == 0) {
			ret = SRC_DAEMON_GONE;
			break;
		}
		if (got > EVSOCK_MSG_MAX) {
			warn("skipping a %zd-byte line from the daemon (at most %d expected)", got,
			     EVSOCK_MSG_MAX);
			continue;
		}
		buf[got] = 0;
		switch (reader_line(c, buf, got)) {
		case LINE_OK:
			continue;
		case LINE_END_OF_BACKLOG:
			if (c->follow)
				continue;
			break;
		case LINE_ERROR:
			*rc = EXIT_SYSTEM;
			break;
		}
		break;
	}
	free(buf);
	return ret;
}

static long long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000LL + t.tv_nsec / 1000000;
}

/*
 * No daemon: consume the ring buffer, as "execban events" did before there was one. Holding
 * the ring lock shared keeps a daemon from consuming at the same time; with --follow, a daemon
 * that starts is noticed (its socket answers) within half a second and reading moves over to
 * it (*fd); it waits for that before it consumes.
 */
static enum source_result read_ring(const struct reader *c, int *fd, int *rc)
{
	enum source_result res = SRC_DONE;
	struct ring_buffer *rb;
	int lock, map_fd, ret = 0, i;
	long long last = now_ms();

	*rc = EXIT_OK;
	lock = evsock_ring_lock(false);
	if (lock == -EWOULDBLOCK) {
		/* A daemon holds the buffer: never read it here. Its socket is bound before. */
		for (i = 0; i < 20; i++) {
			*fd = evsock_connect(c->socket);
			if (*fd >= 0)
				return SRC_DAEMON_UP;
			usleep(100 * 1000);
		}
		err("an execban daemon holds the event buffer (%s), but %s does not answer: %s",
		    EVSOCK_RING_LOCK, c->socket, strerror(-*fd));
		fprintf(stderr, "hint: does it listen on another --socket?\n");
		*rc = EXIT_SYSTEM;
		return SRC_DONE;
	}
	/* Any other failure (not root: /run/execban is not writable): no daemon runs either. */
	rb = events_ring_open(on_ring_record, (void *)c, &map_fd);
	if (!rb) {
		*rc = EXIT_SYSTEM;
		goto out_unlock;
	}
	if (!c->follow)
		ret = ring_buffer__consume(rb);
	while (c->follow && !events_stop) {
		ret = ring_buffer__poll(rb, 500);
		if (ret < 0 && ret != -EINTR) {
			err("reading events: %s", strerror(-ret));
			break;
		}
		if (now_ms() < last + 500)
			continue;
		last = now_ms();
		*fd = evsock_connect(c->socket);
		if (*fd >= 0) {
			res = SRC_DAEMON_UP;
			break;
		}
	}
	if (ret < 0 && ret != -EINTR)
		*rc = EXIT_SYSTEM;
	ring_buffer__free(rb);
	close(map_fd);
out_unlock:
	if (lock >= 0)
		close(lock);
	return res;
}

/*
 * --since: a duration before now ("90s", "10m", "2h", "1d") or a UTC time
 * ("2026-11-23T10:00:00Z", "2026-11-23 10:00:00"). Returns wall-clock ns, 0 on error.
 */
static uint64_t parse_since(const char *s)
{
	struct timespec now;
	struct tm tm = { 0 };
	unsigned long long n;
	const char *end;
	char unit;

	clock_gettime(CLOCK_REALTIME, &now);
	if (sscanf(s, "%llu%c", &n, &unit) == 2 && strlen(s) == strcspn(s, "smhd") + 1) {
		unsigned long long mult = unit == 's' ? 1 : unit == 'm' ? 60 : unit == 'h' ? 3600 :
					  86400;

		if ((unsigned long long)now.tv_sec < n * mult)
			return 0;
		return ((unsigned long long)now.tv_sec - n * mult) * 1000000000ULL;
	}
	end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!end)
		end = strptime(s, "%Y-%m-%d %H:%M:%S", &tm);
	if (!end || (*end && strcmp(end, "Z")))
		return 0;
	return (uint64_t)timegm(&tm) * 1000000000ULL;
}

static int parse_name(const char *s, const char *const *names, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (names[i] && !strcmp(s, names[i]))
			return i;
	return -1;
}

static void usage_events(void)
{
	puts("usage: execban events [--follow] [--json] [--action A] [--verdict V] [--rule LABEL]\n"
	     "                      [--uid UID] [--since WHEN] [--socket PATH]\n"
	     "\n"
	     "Print denial and audit events, oldest first. While the daemon runs\n"
	     "(execban-events.service), read them from it: nothing is removed, and every reader,\n"
	     "the journal and the daemon's JSON log see every event. Without --follow, print the\n"
	     "events it keeps (the last " EVSOCK_STR(EVSOCK_BACKLOG) " by default) and exit. Without a daemon,\n"
	     "read the kernel's buffer itself, which removes what it reads (said on stderr).\n"
	     "\n"
	     "  --follow      keep waiting for new events (until SIGINT/SIGTERM)\n"
	     "  --json        one JSON object per line (schema in docs/events.md)\n"
	     "  --action A    only exec, mmap, mprotect, rename, link, chmod, module, install,\n"
	     "                tamper or open\n"
	     "  --verdict V   only denied or audited\n"
	     "  --rule LABEL  only events of the rule with this label\n"
	     "  --uid UID     only events of processes with this real uid\n"
	     "  --since WHEN  only events after WHEN: 90s, 10m, 2h, 1d ago, or 2026-11-23T10:00:00Z\n"
	     "  --socket PATH the daemon's socket (default " EVSOCK_PATH ")\n"
	     "Filters apply here, in this reader: other readers still get every event.\n"
	     "\n"
	     "exit: 0 ok, 2 usage, 3 no daemon and execban not loaded, buffer or socket unreadable");
}

int cmd_events(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "follow", no_argument, NULL, 'f' },
		{ "json", no_argument, NULL, 'j' },
		{ "action", required_argument, NULL, 'a' },
		{ "verdict", required_argument, NULL, 'v' },
		{ "rule", required_argument, NULL, 'r' },
		{ "uid", required_argument, NULL, 'u' },
		{ "since", required_argument, NULL, 's' },
		{ "socket", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	static const char *const verdicts[] = { NULL, "denied", "audited" };
	struct reader c = { .uid = -1, .socket = EVSOCK_PATH };
	enum source_result res;
	int opt, fd, rc;
	char *end;

	while ((opt = getopt_long(argc, argv, "fjh", opts, NULL)) != -1) {
		switch (opt) {
		case 'f':
			c.follow = true;
			break;
		case 'S':
			c.socket = optarg;
			break;
		case 'j':
			c.json = true;
			break;
		case 'a':
			c.action = parse_name(optarg, action_names,
					      sizeof(action_names) / sizeof(action_names[0]));
			if (c.action <= 0) {
				return usage_error("events", "--action: unknown action '%s'", optarg);
			}
			break;
		case 'v':
			c.verdict = parse_name(optarg, verdicts, 3);
			if (c.verdict <= 0) {
				return usage_error("events", "--verdict: expected denied or audited");
			}
			break;
		case 'r':
			c.rule = optarg;
			break;
		case 'u':
			errno = 0;
			c.uid = strtoll(optarg, &end, 10);
			if (errno || *end || c.uid < 0 || c.uid > UINT32_MAX) {
				return usage_error("events", "--uid: expected a numeric user id");
			}
			break;
		case 's':
			c.since_ns = parse_since(optarg);
			if (!c.since_ns) {
				return usage_error("events", "--since: expected a duration (90s, 10m, "
						   "2h, 1d) or a UTC time (2026-11-23T10:00:00Z)");
			}
			break;
		case 'h':
			usage_events();
			return EXIT_OK;
		default:
			return usage_hint("events");
		}
	}
	if (optind != argc)
		return usage_error("events", "unexpected argument '%s'", argv[optind]);
	c.offset_ns = wall_offset_ns();
	boot_id(c.bootid);
	setvbuf(stdout, NULL, _IOLBF, 0);
	events_catch_stop();

	fd = evsock_connect(c.socket);
	for (;;) {
		if (fd >= 0) {
			res = read_daemon(&c, fd, &rc);
			close(fd);
			if (res == SRC_DONE)
				return rc;
			if (!c.follow) {
				err("the execban daemon closed %s before the end of what it keeps",
				    c.socket);
				return EXIT_SYSTEM;
			}
			fprintf(stderr, "execban: the daemon closed %s\n", c.socket);
			fd = evsock_connect(c.socket);
			continue;
		}
		if (fd != -ENOENT && fd != -ECONNREFUSED) {
			err("cannot connect to the execban daemon at %s: %s", c.socket, strerror(-fd));
			if (fd == -EACCES)
				fprintf(stderr, "hint: the daemon lets root read events, and the group "
					"named by its --socket-group\n");
			return EXIT_SYSTEM;
		}
		fprintf(stderr, "execban: no daemon at %s (%s): reading the kernel's event buffer "
			"directly, which removes what is read\n", c.socket, strerror(-fd));
		res = read_ring(&c, &fd, &rc);
		if (res == SRC_DONE)
			return rc;
		fprintf(stderr, "execban: a daemon started: reading from %s\n", c.socket);
	}
}
