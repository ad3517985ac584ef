// SPDX-License-Identifier: GPL-2.0
/*
 * test_syncq.c - host unit tests for userspace/syncq.c: sync.conf's keys and their errors
 * (file:line); the event queue (append, a batch out, removal only on commit, the oldest
 * dropped and counted when full, a torn last line cut off, numbers kept across compaction,
 * root's only); the sync state file; an execban event as a Santa Event.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "syncq.h"

static int passed, failed;
static char last_err[512];

#define CHECK(cond, ...)						\
	do {								\
		if (cond) {						\
			passed++;					\
			printf("ok - syncq: " __VA_ARGS__);		\
		} else {						\
			failed++;					\
			printf("not ok - syncq: " __VA_ARGS__);	\
			printf("\n#   failed: %s (line %d)", #cond, __LINE__); \
		}							\
		putchar('\n');						\
	} while (0)

/* util.c's, which would bring libbpf along. */
void err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_err, sizeof(last_err), fmt, ap);
	va_end(ap);
}

void warn(const char *fmt, ...)
{
	(void)fmt;
}

void err_path(const char *path, const char *fmt, ...)
{
	(void)path;
	(void)fmt;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	fputs(text, f);
	fclose(f);
}

static char *ev(int i)
{
	static char buf[64];

	snprintf(buf, sizeof(buf), "{\"n\":%d}", i);
	return buf;
}

static int peek_ints(struct syncq *q, size_t max, int *out, uint64_t *last)
{
	struct json_object *arr = json_object_new_array(), *v;
	size_t n = 0, i;

	*last = UINT64_MAX;
	if (syncq_peek(q, max, arr, last, &n))
		n = 0;
	for (i = 0; i < n; i++) {
		json_object_object_get_ex(json_object_array_get_idx(arr, i), "n", &v);
		out[i] = json_object_get_int(v);
	}
	json_object_put(arr);
	return (int)n;
}

static void test_conf(const char *dir)
{
	char p[256];
	struct sync_conf c;

	snprintf(p, sizeof(p), "%s/sync.conf", dir);
	write_file(p, "# c\nserver = https://s.example/santa\ninterval = 5m\nretry=2\n"
		   "max_sync_age = 1h\nqueue_max = 3\nevent_extras = no\n");
	sync_conf_init(&c);
	CHECK(sync_conf_read(&c, p, true) == 0, "conf: every key read");
	CHECK(c.server && !strcmp(c.server, "https://s.example/santa"), "conf: server");
	CHECK(c.interval == 300 && c.retry == 2 && c.max_sync_age == 3600,
	      "conf: durations with units");
	CHECK(c.queue_max == 3 && !c.event_extras, "conf: queue_max, event_extras");
	sync_conf_free(&c);

	sync_conf_init(&c);
	CHECK(c.interval == 600 && c.retry == 30 && c.queue_max == 10000 && c.event_extras &&
	      !c.max_sync_age, "conf: defaults");
	write_file(p, "server = x\nqueue_max = 0\n");
	CHECK(sync_conf_read(&c, p, true) == -EINVAL && strstr(last_err, "sync.conf:2: "
	      "queue_max=0: expected 1 to 1000000 events"), "conf: queue_max=0 refused, file:line");
	sync_conf_free(&c);
	sync_conf_init(&c);
	write_file(p, "max_sync_age = soon\n");
	CHECK(sync_conf_read(&c, p, true) == -EINVAL && strstr(last_err, ":1: max_sync_age=soon"),
	      "conf: a duration that is not one refused");
	sync_conf_free(&c);
	sync_conf_init(&c);
	write_file(p, "interval = 5\n");
	CHECK(sync_conf_read(&c, p, true) == -EINVAL, "conf: interval below 10 s refused");
	sync_conf_free(&c);
	sync_conf_init(&c);
	CHECK(c.jitter == -1, "conf: jitter unset by default (a tenth of the interval)");
	write_file(p, "jitter = 0\n");
	CHECK(sync_conf_read(&c, p, true) == 0 && c.jitter == 0, "conf: jitter = 0 (sync at once)");
	write_file(p, "jitter = 2m\n");
	CHECK(sync_conf_read(&c, p, true) == 0 && c.jitter == 120, "conf: jitter = 2m");
	write_file(p, "\njitter = 2d\n");
	CHECK(sync_conf_read(&c, p, true) == -EINVAL && strstr(last_err, "sync.conf:2: jitter=2d: "
	      "expected 0 to 1 day"), "conf: jitter beyond a day refused, file:line");
	sync_conf_free(&c);
}

/* The daemon's schedule: the first sync's random delay, the intervals, the backoff. */
static void test_schedule(void)
{
	long lo = 1 << 30, hi = -1, d, plain;
	bool ok = true;
	uint64_t r;

	for (r = 0; r < 2000; r++) {
		d = sync_first_delay(-1, 600, r * 2654435761u);
		lo = d < lo ? d : lo;
		hi = d > hi ? d : hi;
	}
	CHECK(lo == 0 && hi == 60, "schedule: first sync, jitter unset: 0 to interval/10 (%ld..%ld)",
	      lo, hi);
	CHECK(sync_first_delay(-1, 3600, 359) == 359 && sync_first_delay(-1, 3600, 361) == 0,
	      "schedule: first sync, jitter unset: the server's interval counts");
	for (r = 0; r < 100; r++)
		ok = ok && sync_first_delay(0, 600, r) == 0;
	CHECK(ok, "schedule: jitter = 0: the first sync at once");
	lo = 1 << 30;
	hi = -1;
	for (r = 0; r < 2000; r++) {
		d = sync_first_delay(30, 600, r);
		lo = d < lo ? d : lo;
		hi = d > hi ? d : hi;
	}
	CHECK(lo == 0 && hi == 30, "schedule: jitter = 30: 0 to 30 s (%ld..%ld)", lo, hi);
	lo = 1 << 30;
	hi = -1;
	for (r = 0; r < 2000; r++) {
		d = sync_next_delay(600, 30, 0, r, &plain);
		lo = d < lo ? d : lo;
		hi = d > hi ? d : hi;
	}
	CHECK(lo == 540 && hi == 660 && plain == 600,
	      "schedule: after a success, the interval give or take 10 %% (%ld..%ld)", lo, hi);
	sync_next_delay(600, 30, 1, 0, &plain);
	CHECK(plain == 30, "schedule: after a failure, retry=");
	sync_next_delay(600, 30, 3, 0, &plain);
	CHECK(plain == 120, "schedule: after 3 failures in a row, retry doubled twice");
	sync_next_delay(600, 30, 40, 0, &plain);
	CHECK(plain == 600, "schedule: backoff never beyond the interval");
	d = sync_next_delay(600, 30, 1, 6, &plain);
	CHECK(d == 33 && sync_next_delay(600, 30, 1, 0, NULL) == 27,
	      "schedule: a retry is jittered too (27..33 s)");
}

/* What preflight reports where Zentral parses it. */
static void test_preflight_fields(void)
{
	char b[128];

	sync_serial_num("C02XYZ123\n", "mid", b, sizeof(b));
	CHECK(!strcmp(b, "C02XYZ123"), "serial_num: the DMI product serial");
	sync_serial_num(NULL, "4c4c4544abcd", b, sizeof(b));
	CHECK(!strcmp(b, "4c4c4544abcd"), "serial_num: unreadable DMI: the machine id");
	sync_serial_num("  ", "m1", b, sizeof(b));
	CHECK(!strcmp(b, "m1"), "serial_num: an empty DMI serial: the machine id");
	sync_serial_num("To Be Filled By O.E.M.", "m1", b, sizeof(b));
	CHECK(!strcmp(b, "m1"), "serial_num: a firmware placeholder: the machine id");
	sync_serial_num("Not Specified", "m1", b, sizeof(b));
	CHECK(!strcmp(b, "m1"), "serial_num: 'Not Specified': the machine id");
	sync_os_version("12", "6.1.0-28-amd64", b, sizeof(b));
	CHECK(!strcmp(b, "12"), "os_version: Debian's VERSION_ID");
	sync_os_version("22.04", "6.8.0", b, sizeof(b));
	CHECK(!strcmp(b, "22.04"), "os_version: Ubuntu's VERSION_ID");
	sync_os_version("", "6.1.0-28-amd64", b, sizeof(b));
	CHECK(!strcmp(b, "6.1.0"), "os_version: no VERSION_ID (testing, sid): the kernel's numbers");
	sync_os_version("rolling", "6.12.1-arch1-1", b, sizeof(b));
	CHECK(!strcmp(b, "6.12.1"), "os_version: a VERSION_ID that is not numbers: the kernel's");
	sync_os_version(NULL, "", b, sizeof(b));
	CHECK(!strcmp(b, "0"), "os_version: nothing known: 0");
}

static void test_queue(const char *dir)
{
	char qd[256], p[300], *three[3];
	struct syncq q;
	struct stat st;
	uint64_t len, dropped, last;
	int got[16], n, fd;

	snprintf(qd, sizeof(qd), "%s/queue", dir);
	CHECK(syncq_open(&q, qd) == 0, "queue: opened (made)");
	CHECK(!stat(qd, &st) && (st.st_mode & 0777) == 0700, "queue: folder mode 0700");
	three[0] = strdup(ev(1));
	three[1] = strdup(ev(2));
	three[2] = strdup(ev(3));
	CHECK(syncq_append(&q, three, 3, 5) == 0, "queue: three appended");
	snprintf(p, sizeof(p), "%s/events", qd);
	CHECK(!stat(p, &st) && (st.st_mode & 0777) == 0600, "queue: events file mode 0600");
	CHECK(!syncq_count(qd, &len, &dropped) && len == 3 && dropped == 0, "queue: 3 waiting");
	n = peek_ints(&q, 2, got, &last);
	CHECK(n == 2 && got[0] == 1 && got[1] == 2 && last == 1, "queue: a batch of 2, oldest first");
	CHECK(!syncq_count(qd, &len, &dropped) && len == 3, "queue: a peek removes nothing");
	CHECK(syncq_commit(&q, last) == 0, "queue: committed");
	CHECK(!syncq_count(qd, &len, &dropped) && len == 1, "queue: 1 left after the commit");
	n = peek_ints(&q, 10, got, &last);
	CHECK(n == 1 && got[0] == 3 && last == 2, "queue: the one left is the newest");

	/* full: 1 waiting + 6 new, max 5: the two oldest go, counted */
	{
		char *six[6];
		int i;

		for (i = 0; i < 6; i++)
			six[i] = strdup(ev(10 + i));
		CHECK(syncq_append(&q, six, 6, 5) == 0, "queue full: appended");
		for (i = 0; i < 6; i++)
			free(six[i]);
	}
	CHECK(!syncq_count(qd, &len, &dropped) && len == 5 && dropped == 2,
	      "queue full: 5 waiting, 2 dropped");
	n = peek_ints(&q, 10, got, &last);
	CHECK(n == 5 && got[0] == 11 && got[4] == 15 && last == 7,
	      "queue full: the oldest dropped, numbers go on");

	/* a torn last line (the daemon killed mid-write) is not an event, and is cut off */
	fd = open(p, O_WRONLY | O_APPEND);
	CHECK(fd >= 0 && write(fd, "9 {\"n\":", 7) == 7, "torn line: written");
	close(fd);
	CHECK(!syncq_count(qd, &len, &dropped) && len == 5, "torn line: not counted");
	n = peek_ints(&q, 10, got, &last);
	CHECK(n == 5 && last == 7, "torn line: not sent");
	CHECK(syncq_append(&q, three, 1, 5) == 0, "torn line: the next append cuts it");
	n = peek_ints(&q, 10, got, &last);
	CHECK(n == 5 && got[4] == 1 && last == 8, "torn line: the new event numbered 8");
	CHECK(!syncq_count(qd, &len, &dropped) && len == 5 && dropped == 3,
	      "torn line: 5 waiting, 3 dropped");

	/* everything sent: the events file compacts to nothing, numbers go on */
	CHECK(syncq_commit(&q, last) == 0, "all sent: committed");
	CHECK(!syncq_count(qd, &len, &dropped) && len == 0 && dropped == 3, "all sent: empty");
	CHECK(!stat(p, &st) && st.st_size == 0, "all sent: the events file compacted");
	CHECK(syncq_append(&q, three, 1, 5) == 0, "after compaction: appended");
	n = peek_ints(&q, 10, got, &last);
	CHECK(n == 1 && last == 9, "after compaction: numbering goes on (9)");
	syncq_close(&q);

	/* reopened, as after a restart: the same queue */
	CHECK(syncq_open(&q, qd) == 0, "reopened");
	n = peek_ints(&q, 10, got, &last);
	CHECK(n == 1 && last == 9, "reopened: the same event waits");
	syncq_close(&q);
	free(three[0]);
	free(three[1]);
	free(three[2]);
}

static void test_state(const char *dir)
{
	char p[256];
	struct sync_state s = { .last_attempt = 100, .last_success = 90, .interval = 600,
				.batch_size = 50, .uploaded = 7 }, r;
	struct stat st;

	snprintf(p, sizeof(p), "%s/sync.state", dir);
	strcpy(s.stage, "eventupload");
	strcpy(s.error, "eventupload: the server\nanswered HTTP 500");
	CHECK(sync_state_write(p, &s) == 0, "state: written");
	CHECK(!stat(p, &st) && (st.st_mode & 0777) == 0644, "state: mode 0644");
	CHECK(sync_state_read(p, &r) == 0 && r.last_attempt == 100 && r.last_success == 90 &&
	      r.interval == 600 && r.batch_size == 50 && r.uploaded == 7 &&
	      !strcmp(r.stage, "eventupload"), "state: read back");
	CHECK(!strcmp(r.error, "eventupload: the server answered HTTP 500"),
	      "state: a newline in the message cannot make a line");
	snprintf(p, sizeof(p), "%s/none.state", dir);
	CHECK(sync_state_read(p, &r) == 0 && r.last_success == 0, "state: missing = never");
}

static struct json_object *santa(const char *json, bool extras)
{
	struct json_object *o = json_tokener_parse(json), *e;

	e = sync_event_from_json(o, extras);
	json_object_put(o);
	return e;
}

static const char *sget(struct json_object *o, const char *k)
{
	struct json_object *v;

	return json_object_object_get_ex(o, k, &v) ? json_object_get_string(v) : "(none)";
}

static void test_event(void)
{
	static const char *const exec_denied =
		"{\"schema\":1,\"type\":\"decision\",\"time_ns\":1700000000500000000,"
		"\"action\":\"exec\",\"verdict\":\"denied\",\"pid\":42,\"ppid\":7,\"uid\":0,"
		"\"parent_comm\":\"bash\",\"path\":\"/usr/local/bin/tool\",\"filename\":\"./tool\","
		"\"sha256\":\"ab12\",\"rule\":\"santa\",\"identity\":\"sha256\",\"signer\":null}";
	struct json_object *e, *v, *c;

	e = santa(exec_denied, true);
	CHECK(e != NULL, "event: a denied exec is uploaded");
	if (!e)
		return;
	CHECK(!strcmp(sget(e, "file_sha256"), "ab12") &&
	      !strcmp(sget(e, "file_path"), "/usr/local/bin") &&
	      !strcmp(sget(e, "file_name"), "tool"), "event: file_sha256, file_path, file_name");
	CHECK(!strcmp(sget(e, "decision"), "BLOCK_BINARY"), "event: a sha256 rule: BLOCK_BINARY");
	CHECK(!strcmp(sget(e, "executing_user"), "root"), "event: uid 0 is executing_user root");
	CHECK(json_object_object_get_ex(e, "execution_time", &v) &&
	      json_object_get_double(v) > 1700000000.4 && json_object_get_double(v) < 1700000000.6,
	      "event: execution_time in seconds, with its fraction");
	CHECK(!strcmp(sget(e, "pid"), "42") && !strcmp(sget(e, "ppid"), "7") &&
	      !strcmp(sget(e, "parent_name"), "bash"), "event: pid, ppid, parent_name");
	CHECK(json_object_object_get_ex(e, "execban", &v) && !strcmp(sget(v, "rule"), "santa"),
	      "event: execban's own fields under \"execban\"");
	CHECK(!json_object_object_get_ex(e, "signing_chain", &v), "event: no signer, no chain");
	json_object_put(e);

	e = santa(exec_denied, false);
	CHECK(e && !json_object_object_get_ex(e, "execban", &v), "event: event_extras=no");
	json_object_put(e);

	e = santa("{\"type\":\"decision\",\"action\":\"exec\",\"verdict\":\"denied\",\"uid\":4242,"
		  "\"path\":\"/x\",\"identity\":\"signer-cert-sha256\",\"signer\":"
		  "{\"cert_sha256\":\"cdef\"}}", true);
	CHECK(e && !strcmp(sget(e, "decision"), "BLOCK_CERTIFICATE"),
	      "event: a signer rule: BLOCK_CERTIFICATE");
	CHECK(e && json_object_object_get_ex(e, "signing_chain", &v) &&
	      json_object_array_length(v) == 1 && (c = json_object_array_get_idx(v, 0)) &&
	      !strcmp(sget(c, "sha256"), "cdef"), "event: the leaf certificate in signing_chain");
	CHECK(e && !strcmp(sget(e, "executing_user"), "4242") && !strcmp(sget(e, "file_path"), "/"),
	      "event: a uid without a name; a file in /");
	json_object_put(e);

	e = santa("{\"type\":\"decision\",\"action\":\"exec\",\"verdict\":\"audited\"}", true);
	CHECK(!e, "event: an audited exec is not uploaded");
	e = santa("{\"type\":\"decision\",\"action\":\"rename\",\"verdict\":\"denied\"}", true);
	CHECK(!e, "event: a denied rename is not an execution: not uploaded");
	e = santa("{\"type\":\"lost\",\"count\":3}", true);
	CHECK(!e, "event: a lost record is not uploaded");
}

int main(void)
{
	char dir[] = "/tmp/test_syncq.XXXXXX";
	char cmd[64];

	if (!mkdtemp(dir))
		return 1;
	umask(022);
	test_conf(dir);
	test_schedule();
	test_preflight_fields();
	test_queue(dir);
	test_state(dir);
	test_event();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd))
		return 1;
	printf("# syncq: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
