/* SPDX-License-Identifier: GPL-2.0 */
/*
 * syncq.h - what execban sync shares with the daemon and "status", none of it HTTP: the
 * configuration (sync.conf), the on-disk queue of denials waiting for eventupload, the sync
 * state file, and the mapping of an execban event to a Santa Event (docs/sync.md).
 */
#ifndef EXECBAN_SYNCQ_H
#define EXECBAN_SYNCQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SYNC_CONF	"/etc/execban/sync.conf"
#define SYNC_DIR	"/var/lib/execban"
#define SYNC_POLICY	SYNC_DIR "/sync.policy"
#define SYNC_STATE	SYNC_DIR "/sync.state"
#define SYNCQ_DIR	SYNC_DIR "/queue"

#define SYNC_INTERVAL_DEFAULT	600
#define SYNC_RETRY_DEFAULT	30
#define SYNCQ_MAX_DEFAULT	10000
#define SYNCQ_MAX_MAX		1000000

struct json_object;

/* The longest time between syncs: sync.conf's interval=, or a server's full_sync_interval. */
#define SYNC_INTERVAL_MAX	86400

struct sync_conf {
	char *server, *ca_file, *client_cert, *client_key, *proxy, *machine_id, *policy;
	char *primary_user;
	long timeout;		/* s, per request */
	long interval;		/* s between syncs when the server names none */
	long retry;		/* s before the first retry after a failed sync; doubles */
	long max_sync_age;	/* s; status --check fails beyond it; 0: no limit */
	long queue_max;		/* events the queue holds */
	long jitter;		/* s, the most the first sync waits; -1: interval / 10 */
	bool event_extras;	/* send execban's own event fields ("execban") */
	bool compress_requests;	/* request bodies zlib-compressed, as Santa sends them */
};

void sync_conf_init(struct sync_conf *c);
int sync_conf_read(struct sync_conf *c, const char *path, bool must);
void sync_conf_free(struct sync_conf *c);

/*
 * The queue: DIR/events holds one line per event, "<number> <Santa Event JSON>\n", numbers
 * consecutive; DIR/state ("first=N", "dropped=N") says which are gone (number < first). Every
 * change happens under flock(DIR/lock).
 */
struct syncq {
	char *dir;
	int lockfd;
	uint64_t first, dropped;
};

int syncq_open(struct syncq *q, const char *dir);
void syncq_close(struct syncq *q);
/* Append n lines (Santa Events, JSON, no newline); drop the oldest beyond max. */
int syncq_append(struct syncq *q, char *const *events, size_t n, uint64_t max);
/* Up to max events from the oldest, into arr (a JSON array); *last: the number of the last. */
int syncq_peek(struct syncq *q, size_t max, struct json_object *arr, uint64_t *last,
	       size_t *n);
/* The server took every event up to number last: they go. */
int syncq_commit(struct syncq *q, uint64_t last);
/* Events waiting, and dropped so far, without the lock (for status). */
int syncq_count(const char *dir, uint64_t *len, uint64_t *dropped);

/* The sync state file, atomically replaced after every sync. */
struct sync_state {
	long long last_attempt, last_success;	/* unix seconds; 0: never */
	char stage[32];				/* of the last failure, "" after a success */
	char error[256];
	long interval;				/* the server's full_sync_interval, 0: none */
	long batch_size;
	long long uploaded;			/* events the last sync uploaded */
};

int sync_state_read(const char *path, struct sync_state *s);
int sync_state_write(const char *path, const struct sync_state *s);

/*
 * A Santa Event (santa.sync.v1 Event, JSON names) of an execban "decision" event (its
 * docs/events.md JSON object), or NULL when it is not one the server gets (not a denied
 * execution). extras: add the execban object itself as "execban".
 */
struct json_object *sync_event_from_json(struct json_object *ev, bool extras);

/*
 * preflight's serial_num: the DMI product serial (dmi, NULL when unreadable) unless it is
 * empty or a firmware placeholder ("To Be Filled By O.E.M.", "Not Specified", ...), which
 * many machines would share; else the machine id. Never empty (Zentral refuses that).
 */
void sync_serial_num(const char *dmi, const char *machine_id, char *out, size_t len);
/*
 * preflight's os_version: os-release's VERSION_ID when it is dotted numbers ("12", "22.04"),
 * else the leading dotted numbers of the kernel release ("6.1.0" of "6.1.0-28-amd64"), else
 * "0": Zentral parses it as integers separated by dots.
 */
void sync_os_version(const char *version_id, const char *kernel_release, char *out, size_t len);

/*
 * The daemon's schedule. The first sync after the daemon starts waits sync_first_delay():
 * rnd (uniformly random) reduced to 0..jitter seconds, where jitter is sync.conf's jitter=,
 * or when unset (-1) a tenth of interval. A sync after one that ended waits
 * sync_next_delay(): interval after a success, retry doubled per failure in a row (at most
 * interval) after failures, each give or take 10 % (from rnd).
 */
long sync_first_delay(long jitter, long interval, uint64_t rnd);
long sync_next_delay(long interval, long retry, unsigned int failures, uint64_t rnd,
		     long *unjittered);

/* The daemon: the execban-sync program (next to this one, or in LIBEXECDIR). */
int sync_helper_path(char *path, size_t len);

#endif /* EXECBAN_SYNCQ_H */
