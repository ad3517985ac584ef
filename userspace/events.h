/* SPDX-License-Identifier: GPL-2.0 */
/*
 * events.h - formatting execban events (shared by "events" and, later, the daemon).
 */
#ifndef EXECBAN_EVENTS_H
#define EXECBAN_EVENTS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <bpf/libbpf.h>

#include "execban.h"

/* Version of the JSON object printed per event (docs/events.md). Only ever add fields. */
#define EXECBAN_JSON_SCHEMA 1

const char *event_action_name(unsigned int action);
const char *event_verdict_name(unsigned int verdict);
void event_format_time(uint64_t wall_ns, char *buf, size_t len);
void event_print(FILE *out, const struct execban_event *e, bool json, int64_t offset_ns,
		 const char *bootid);
void event_print_lost(FILE *out, const struct execban_event *e, bool json);
int64_t event_wall_offset_ns(void);
void event_boot_id(char out[40]);
int events_consume(ring_buffer_sample_fn fn, void *ctx, bool follow);

#endif /* EXECBAN_EVENTS_H */
