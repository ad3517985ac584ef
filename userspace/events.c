// SPDX-License-Identifier: GPL-2.0
/*
 * events.c - execban events: read decisions from the pinned ring buffer.
 *
 * Consuming is destructive (a BPF ring buffer has one reader position): run one consumer
 * per machine (the daemon, or a responder's "execban events --follow").
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cli.h"
#include "events.h"
#include "policy.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
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

/* ,"signature_error":..,"signer":{...} (null when the signers were not read). */
static void signer_json(FILE *out, const struct execban_event *e)
{
	const struct execban_signer *s = &e->signer;
	char hex[2 * EXECBAN_SKID_MAX + 1], issuer[65];

	fprintf(out, ",\"signature_error\":%s,\"signer\":",
		e->flags & EXECBAN_EVF_SIG_ERROR ? "true" : "false");
	if (!(e->flags & EXECBAN_EVF_SIGNER)) {
		fputs("null", out);
		return;
	}
	fprintf(out, "{\"modsig\":\"%s\",\"ima\":\"%s\"", sig_status(s->modsig_err),
		sig_status(s->ima_err));
	if (s->skid_len) {
		hex_encode(s->skid, s->skid_len > EXECBAN_SKID_MAX ? EXECBAN_SKID_MAX : s->skid_len,
			   hex);
		fprintf(out, ",\"skid\":\"%s\",\"skid_from\":\"%s\"", hex,
			s->formats & EXECBAN_SIGF_KEYRING_SKID ? "keyring" : "signature");
	}
	if (s->sid_type == 1) {
		hex_encode(s->issuer_sha256, EXECBAN_SHA256_LEN, issuer);
		hex_encode(s->serial, s->serial_len > 32 ? 32 : s->serial_len, hex);
		fprintf(out, ",\"issuer_serial\":\"%s/%s\"", issuer, hex);
	}
	if (s->formats & EXECBAN_SIGF_CERT) {
		hex_encode(s->cert_sha256, EXECBAN_SHA256_LEN, hex);
		fprintf(out, ",\"cert_sha256\":\"%s\"", hex);
	}
	if (s->formats & EXECBAN_SIGF_IMA)
		fprintf(out, ",\"ima_keyid\":\"%08x\"", s->ima_keyid);
	fprintf(out, ",\"verified\":%s,\"verify_result\":\"%s\"}",
		s->verify == 0 ? "true" : s->verify == EXECBAN_VERIFY_NOT_TRIED ? "null" : "false",
		s->verify == 0 ? "verified" : sig_status(s->verify));
}

void event_print(FILE *out, const struct execban_event *e, bool json, int64_t offset_ns,
		 const char *bootid)
{
	char time_s[48], sha[65], digest[65], comm[EXECBAN_COMM_LEN + 1],
	     pcomm[EXECBAN_COMM_LEN + 1], label[EXECBAN_LABEL_LEN + 1];
	static char path[EXECBAN_PATH_LEN + 1], filename[EXECBAN_FILENAME_LEN + 1],
		    reason[EXECBAN_REASON_LEN + 1], exe[EXECBAN_PATH_LEN + 1], ident[256],
		    match[65];
	uint64_t wall = e->hdr.boot_ns + (uint64_t)offset_ns;

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

	if (!json) {
		/* text: names escaped, so that one cannot fake a line or a field (util.c: esc) */
		static char ecomm[ESC_LEN(sizeof(comm))], eexe[ESC_LEN(sizeof(exe))],
			    epath[ESC_LEN(sizeof(path))], efile[ESC_LEN(sizeof(filename))],
			    ereason[ESC_LEN(sizeof(reason))], elabel[ESC_LEN(sizeof(label))];

		esc(ecomm, sizeof(ecomm), comm);
		esc(eexe, sizeof(eexe), exe);
		esc(epath, sizeof(epath), path);
		esc(efile, sizeof(efile), filename);
		esc(ereason, sizeof(ereason), reason);
		esc(elabel, sizeof(elabel), label);
		if (e->action == EXECBAN_ACT_TAMPER) {
			fprintf(out, "%s tamper denied pid=%u ppid=%u uid=%u comm=%s exe=%s "
				"attempt=\"%s\" target=\"%s\" reason=\"%s\"\n", time_s, e->tgid,
				e->ppid, e->uid, ecomm, exe[0] ? eexe : "?", efile, epath, ereason);
			return;
		}
		fprintf(out, "%s %s %s pid=%u ppid=%u uid=%u comm=%s exe=%s path=%s sha256=%s rule=%s%s%s%s",
		       time_s, event_action_name(e->action), event_verdict_name(e->verdict),
		       e->tgid, e->ppid, e->uid, ecomm, exe[0] ? eexe : "?", path[0] ? epath : "?",
		       sha[0] ? sha : "-",
		       label[0] ? elabel : "-", reason[0] ? " reason=\"" : "", ereason,
		       reason[0] ? "\"" : "");
		if (ident[0] && e->ident_kind != EXECBAN_IDENT_SHA256)
			fprintf(out, " %s verified=%s", ident,
				e->signer.verify == 0 ? "yes" :
				e->signer.verify == EXECBAN_VERIFY_NOT_TRIED ? "-" : "no");
		if (e->flags & EXECBAN_EVF_SIG_ERROR)
			fprintf(out, " signature=unreadable(modsig %s, ima %s)",
				sig_status(e->signer.modsig_err), sig_status(e->signer.ima_err));
		if (e->flags & EXECBAN_EVF_UNTRUSTED_FS)
			fputs(" untrusted-fs", out);
		if (e->flags & EXECBAN_EVF_STALE_LAYER)
			fputs(" stale-layer", out);
		fputc('\n', out);
		return;
	}
	fprintf(out, "{\"schema\":%d,\"type\":\"decision\",\"time\":\"%s\",\"time_ns\":%llu,\"boot_id\":\"%s\","
	       "\"cpu\":%u,\"seq\":%llu,\"action\":\"%s\",\"verdict\":\"%s\",",
	       EXECBAN_JSON_SCHEMA, time_s, (unsigned long long)wall, bootid, e->hdr.cpu,
	       (unsigned long long)e->hdr.seq, event_action_name(e->action),
	       event_verdict_name(e->verdict));
	fprintf(out, "\"pid\":%u,\"tid\":%u,\"ppid\":%u,\"uid\":%u,\"euid\":%u,\"gid\":%u,"
	       "\"loginuid\":%d,\"sessionid\":%d,\"cgroup_id\":%llu,\"comm\":",
	       e->tgid, e->pid, e->ppid, e->uid, e->euid, e->gid, (int)e->loginuid,
	       (int)e->sessionid, (unsigned long long)e->cgroup_id);
	json_fstr(out, comm);
	fputs(",\"parent_comm\":", out);
	json_fstr(out, pcomm);
	fputs(",\"exe\":", out);
	json_fstr(out, exe);
	fputs(",\"path\":", out);
	json_fstr(out, path);
	fputs(",\"filename\":", out);
	json_fstr(out, filename);
	fprintf(out, ",\"dev\":\"%u:%u\",\"ino\":%llu,\"size\":%llu,\"sha256\":\"%s\",\"rule\":",
	       major((dev_t)e->dev), minor((dev_t)e->dev), (unsigned long long)e->ino,
	       (unsigned long long)e->size, sha);
	json_fstr(out, label);
	if (e->rule_id != EXECBAN_NO_REASON)
		fprintf(out, ",\"rule_id\":%u", e->rule_id);
	else
		fputs(",\"rule_id\":null", out);
	fputs(",\"reason\":", out);
	json_fstr(out, reason);
	hex_encode(e->match_key, EXECBAN_SHA256_LEN, match);
	fprintf(out, ",\"identity\":\"%s\",\"match\":", policy_ident_name(e->ident_kind));
	json_fstr(out, ident);
	fprintf(out, ",\"match_key\":\"%s\",\"policy_version\":%llu,\"policy_digest\":\"%s\","
	       "\"policy_generation\":%llu,\"cached\":%s,\"hash_error\":%s,\"path_truncated\":%s,"
	       "\"path_fs_relative\":%s,\"untrusted_fs\":%s,\"stale_layer\":%s",
	       e->rule_id != EXECBAN_NO_REASON ? match : "",
	       (unsigned long long)e->policy_version, digest,
	       (unsigned long long)e->policy_gen,
	       e->flags & EXECBAN_EVF_CACHED ? "true" : "false",
	       e->flags & EXECBAN_EVF_HASH_ERROR ? "true" : "false",
	       e->flags & EXECBAN_EVF_PATH_TRUNC ? "true" : "false",
	       e->flags & EXECBAN_EVF_PATH_FSREL ? "true" : "false",
	       e->flags & EXECBAN_EVF_UNTRUSTED_FS ? "true" : "false",
	       e->flags & EXECBAN_EVF_STALE_LAYER ? "true" : "false");
	signer_json(out, e);
	fputs("}\n", out);
}

void event_print_lost(FILE *out, const struct execban_event *e, bool json)
{
	if (json)
		fprintf(out, "{\"schema\":%d,\"type\":\"lost\",\"cpu\":%u,\"count\":%u,"
			"\"before_seq\":%llu}\n", EXECBAN_JSON_SCHEMA, e->hdr.cpu, e->hdr.lost_before,
			(unsigned long long)e->hdr.seq);
	else
		fprintf(out, "LOST %u event(s) on cpu %u: the ring buffer was full (see "
			"'execban status')\n", e->hdr.lost_before, e->hdr.cpu);
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

/*
 * Feed every record of the pinned event ring buffer to fn: what is buffered, or with follow
 * until SIGINT/SIGTERM. Returns an exit code.
 */
int events_consume(ring_buffer_sample_fn fn, void *ctx, bool follow)
{
	struct ring_buffer *rb;
	int fd, ret = 0;

	fd = open_pinned_map(PM_EVENTS);
	if (fd < 0) {
		err("cannot open the event buffer %s/events: %s", EXECBAN_PIN_DIR, strerror(-fd));
		fprintf(stderr, "hint: is execban loaded? ('execban status')\n");
		return EXIT_SYSTEM;
	}
	rb = ring_buffer__new(fd, fn, ctx, NULL);
	if (!rb) {
		err("cannot map the event buffer: %s", strerror(errno));
		close(fd);
		return EXIT_SYSTEM;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (follow) {
		while (!stop) {
			ret = ring_buffer__poll(rb, 500);
			if (ret < 0 && ret != -EINTR) {
				err("reading events: %s", strerror(-ret));
				break;
			}
		}
	} else {
		ret = ring_buffer__consume(rb);
	}
	ring_buffer__free(rb);
	close(fd);
	return ret < 0 && ret != -EINTR ? EXIT_SYSTEM : EXIT_OK;
}

struct consumer {
	bool json;
	int action;	/* 0: any */
	int verdict;	/* 0: any */
	const char *rule;	/* label, or NULL: any */
	long long uid;		/* -1: any */
	uint64_t since_ns;	/* wall clock; 0: any */
	int64_t offset_ns;
	char bootid[40];
	unsigned long n;
};

static int on_event(void *ctx, void *data, size_t len)
{
	struct consumer *c = ctx;
	const struct execban_event *e = data;

	if (len < sizeof(struct execban_event_hdr))
		return 0;
	if (e->hdr.type != EXECBAN_EV_DECISION || len < sizeof(*e)) {
		fprintf(stderr, "execban: skipping an event of unknown type %u (version %u, %zu "
			"bytes): is this CLI older than the loaded programs?\n", e->hdr.type,
			e->hdr.version, len);
		return 0;
	}
	/* The kernel tells each event how many were dropped on its CPU just before it. */
	if (e->hdr.lost_before)
		event_print_lost(stdout, e, c->json);
	if ((c->action && e->action != c->action) || (c->verdict && e->verdict != c->verdict))
		return 0;
	if (c->uid >= 0 && e->uid != (uint32_t)c->uid)
		return 0;
	if (c->rule && strncmp(e->label, c->rule, EXECBAN_LABEL_LEN))
		return 0;
	if (c->since_ns && e->hdr.boot_ns + (uint64_t)c->offset_ns < c->since_ns)
		return 0;
	event_print(stdout, e, c->json, c->offset_ns, c->bootid);
	fflush(stdout);
	c->n++;
	return 0;
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
	     "                      [--uid UID] [--since WHEN]\n"
	     "\n"
	     "Print denial and audit events, oldest first, and remove them from the kernel's\n"
	     "buffer. Without --follow, print what is buffered and exit.\n"
	     "\n"
	     "  --follow     keep waiting for new events (until SIGINT/SIGTERM)\n"
	     "  --json       one JSON object per line (schema in docs/events.md)\n"
	     "  --action A   only exec, mmap, mprotect, rename, link, chmod, module, install,\n"
	     "               tamper or open\n"
	     "  --verdict V  only denied or audited\n"
	     "  --rule LABEL only events of the rule with this label\n"
	     "  --uid UID    only events of processes with this real uid\n"
	     "  --since WHEN only events after WHEN: 90s, 10m, 2h, 1d ago, or 2026-11-23T10:00:00Z\n"
	     "Filtered-out events are consumed too.\n"
	     "\n"
	     "exit: 0 ok, 2 usage, 3 execban not loaded or buffer unreadable");
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
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	static const char *const verdicts[] = { NULL, "denied", "audited" };
	struct consumer c = { .uid = -1 };
	bool follow = false;
	char *end;
	int opt;

	while ((opt = getopt_long(argc, argv, "fjh", opts, NULL)) != -1) {
		switch (opt) {
		case 'f':
			follow = true;
			break;
		case 'j':
			c.json = true;
			break;
		case 'a':
			c.action = parse_name(optarg, action_names,
					      sizeof(action_names) / sizeof(action_names[0]));
			if (c.action <= 0) {
				err("--action: unknown action '%s'", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'v':
			c.verdict = parse_name(optarg, verdicts, 3);
			if (c.verdict <= 0) {
				err("--verdict: expected denied or audited");
				return EXIT_USAGE;
			}
			break;
		case 'r':
			c.rule = optarg;
			break;
		case 'u':
			errno = 0;
			c.uid = strtoll(optarg, &end, 10);
			if (errno || *end || c.uid < 0 || c.uid > UINT32_MAX) {
				err("--uid: expected a numeric user id");
				return EXIT_USAGE;
			}
			break;
		case 's':
			c.since_ns = parse_since(optarg);
			if (!c.since_ns) {
				err("--since: expected a duration (90s, 10m, 2h, 1d) or a UTC time "
				    "(2026-11-23T10:00:00Z)");
				return EXIT_USAGE;
			}
			break;
		case 'h':
			usage_events();
			return EXIT_OK;
		default:
			usage_events();
			return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		usage_events();
		return EXIT_USAGE;
	}
	c.offset_ns = wall_offset_ns();
	boot_id(c.bootid);
	setvbuf(stdout, NULL, _IOLBF, 0);
	return events_consume(on_event, &c, follow);
}
