/* SPDX-License-Identifier: GPL-2.0 */
/*
 * events.h - execban events: formatting and reading them (shared by "events" and the daemon).
 */
#ifndef EXECBAN_EVENTS_H
#define EXECBAN_EVENTS_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <bpf/libbpf.h>

#include "execban.h"

struct json_object;

const char *event_action_name(unsigned int action);
const char *event_verdict_name(unsigned int verdict);
void event_format_time(uint64_t wall_ns, char *buf, size_t len);
/* The JSON line of an event, and of the losses the kernel reports before it. */
void event_print(FILE *out, const struct execban_event *e, int64_t offset_ns, const char *bootid);
void event_print_lost(FILE *out, const struct execban_event *e);
/* The text line of a "decision", "lost" or "dropped" JSON object. */
void event_print_text(FILE *out, struct json_object *o);
int64_t event_wall_offset_ns(void);
void event_boot_id(char out[40]);
struct ring_buffer *events_ring_open(ring_buffer_sample_fn fn, void *ctx, int *map_fd);
int events_ring_follow(struct ring_buffer **rb, int *map_fd, ring_buffer_sample_fn fn,
		       void *ctx);

extern volatile sig_atomic_t events_stop;	/* set by SIGINT/SIGTERM */
void events_catch_stop(void);

#endif /* EXECBAN_EVENTS_H */
