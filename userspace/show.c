// SPDX-License-Identifier: GPL-2.0
/*
 * show.c - execban show (the enforced policy, read back from the kernel maps) and
 * execban diff (what loading a policy would change).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "compile.h"
#include "kstate.h"

static const char *action_word(unsigned int a)
{
	const char *w = policy_action_name(a);

	return w[0] ? w : "deny";	/* what the kernel does with an unknown action */
}

static const char *mark_word(uint32_t kind)
{
	return kind == EXECBAN_MARK_QUARANTINE ? "quarantine" : "interpreter";
}

static void print_quoted(FILE *out, const char *s)
{
	putc('"', out);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			putc('\\', out);
		putc(*s, out);
	}
	putc('"', out);
}

/*
 * One rule in policy syntax, so that "execban show" output loads again. With pr (a rule just
 * compiled) the identity is printed as written; the kernel maps hold only the key, which for a
 * signer rule is a hash of the identity: it prints as "signer-key=<key> kind=<identity>",
 * which says what the kernel holds, and which the parser refuses (naming what to write).
 */
void fprint_rule(FILE *out, const struct sha256_key *k, const struct execban_rule *r,
		const struct policy_rule *pr, const char *reason)
{
	char hex[2 * EXECBAN_SHA256_LEN + 1], label[EXECBAN_LABEL_LEN + 1];
	char ident[POLICY_IDENT_STRLEN];

	hex_encode(k->b, EXECBAN_SHA256_LEN, hex);
	memcpy(label, r->label, EXECBAN_LABEL_LEN);
	label[EXECBAN_LABEL_LEN] = 0;
	fprintf(out, "%s ", action_word(r->action));
	if (pr && policy_format_ident(pr, ident, sizeof(ident)) > 0)
		fputs(ident, out);
	else if (r->ident_kind == EXECBAN_IDENT_SHA256 || !r->ident_kind)
		fprintf(out, "sha256=%s", hex);
	else if (policy_ident_name(r->ident_kind)[0])
		fprintf(out, "signer-key=%s kind=%s", hex, policy_ident_name(r->ident_kind));
	else
		fprintf(out, "signer-key=%s kind=%u", hex, r->ident_kind);
	if (r->flags & EXECBAN_RULE_HAS_SIZE)
		fprintf(out, " size=%llu", (unsigned long long)r->size);
	if (label[0])
		fprintf(out, " label=%s", label);
	if (reason && reason[0]) {
		fputs(" reason=", out);
		print_quoted(out, reason);
	}
}

static void print_krule(const struct sha256_key *k, const struct execban_rule *r,
			const struct policy_rule *pr, const char *reason)
{
	fprint_rule(stdout, k, r, pr, reason);
	putchar('\n');
}

/* Maps written before signer rules existed may hold ident_kind 0. */
static bool is_sha256(const struct execban_rule *r)
{
	return r->ident_kind == EXECBAN_IDENT_SHA256 || !r->ident_kind;
}

static const char *kreason(const struct kpolicy *k, uint32_t id)
{
	if (id == EXECBAN_NO_REASON || id >= k->info.n_reasons)
		return "";
	k->reasons[id].text[EXECBAN_REASON_LEN - 1] = 0;
	return k->reasons[id].text;
}

static int read_kernel(struct kpolicy *k)
{
	int ret = kpolicy_read(k);

	if (ret) {
		err("cannot read the loaded policy from %s: %s", EXECBAN_PIN_DIR, strerror(-ret));
		fprintf(stderr, "hint: is execban loaded? ('execban status')\n");
	}
	return ret;
}

int cmd_show(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	char hex[2 * EXECBAN_SHA256_LEN + 1], label[EXECBAN_LABEL_LEN + 1];
	bool json = false;
	struct kpolicy k;
	size_t i;
	int opt;

	while ((opt = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			json = true;
			break;
		case 'h':
			puts("usage: execban show [--json]\n\nPrint the policy the kernel enforces, "
			     "read back from its maps, in policy syntax\n(loadable again) or as JSON: "
			     "its rules, and the interpreter and quarantine\npaths it marked, each "
			     "checked against its mark.\n\n"
			     "  -j, --json   one JSON object\n\n"
			     "exit: 0 ok, 2 usage, 3 not loaded");
			return EXIT_OK;
		default:
			return usage_hint("show");
		}
	}
	if (optind < argc)
		return usage_error("show", "unexpected argument '%s'", argv[optind]);
	if (read_kernel(&k))
		return EXIT_SYSTEM;
	k.info.name[EXECBAN_NAME_LEN - 1] = 0;
	hex_encode(k.info.digest, EXECBAN_SHA256_LEN, hex);
	if (json) {
		printf("{\"generation\":%llu,\"name\":", (unsigned long long)k.gen);
		json_str(k.info.name);
		printf(",\"version\":%llu,\"mode\":\"%s\",\"digest\":\"%s\",\"rules\":[",
		       (unsigned long long)k.info.version,
		       k.info.mode == EXECBAN_MODE_AUDIT ? "audit" : "enforce", hex);
		for (i = 0; i < k.n_rules; i++) {
			const struct execban_rule *r = &k.rules[i];

			hex_encode(k.keys[i].b, EXECBAN_SHA256_LEN, hex);
			memcpy(label, r->label, EXECBAN_LABEL_LEN);
			label[EXECBAN_LABEL_LEN] = 0;
			printf("%s{\"id\":%u,\"action\":\"%s\",\"identity\":\"%s\",\"key\":\"%s\",",
			       i ? "," : "", r->rule_id, action_word(r->action),
			       is_sha256(r) ? "sha256" : policy_ident_name(r->ident_kind), hex);
			/* the key is the digest; a signer's identity is not in the kernel */
			if (is_sha256(r))
				printf("\"sha256\":\"%s\",", hex);
			if (r->flags & EXECBAN_RULE_HAS_SIZE)
				printf("\"size\":%llu,", (unsigned long long)r->size);
			else
				fputs("\"size\":null,", stdout);
			fputs("\"label\":", stdout);
			json_str(label);
			fputs(",\"reason\":", stdout);
			json_str(kreason(&k, r->reason_id));
			putchar('}');
		}
		fputs("],\"marks\":[", stdout);
		for (i = 0; i < k.n_marks; i++) {
			printf("%s{\"kind\":\"%s\",\"path\":", i ? "," : "",
			       mark_word(k.marks[i].kind));
			json_str(k.marks[i].path);
			printf(",\"marked\":%s}", k.marks[i].state > 0 ? "true" : "false");
		}
		puts("]}");
	} else {
		printf("# execban show: the policy enforced by the kernel (generation %llu)\n"
		       "# digest %s, %zu rules\n", (unsigned long long)k.gen, hex, k.n_rules);
		if (k.info.n_signer_rules)
			printf("# %u signer rules: the kernel keeps only their keys (signer-key=, a "
			       "hash of the identity);\n# a policy names the signer itself "
			       "(signer=, signer-skid=, ...): see execban check --keys\n",
			       k.info.n_signer_rules);
		if (k.info.name[0]) {
			fputs("name ", stdout);
			print_quoted(stdout, k.info.name);
			putchar('\n');
		}
		printf("version %llu\nmode %s\n", (unsigned long long)k.info.version,
		       k.info.mode == EXECBAN_MODE_AUDIT ? "audit" : "enforce");
		for (i = 0; i < k.n_rules; i++)
			print_krule(&k.keys[i], &k.rules[i], NULL,
				    kreason(&k, k.rules[i].reason_id));
		for (i = 0; i < k.n_marks; i++) {
			printf("%s %s", mark_word(k.marks[i].kind), k.marks[i].path);
			if (k.marks[i].state < 0)
				printf("  # NOT marked: %s", strerror(-k.marks[i].state));
			else if (!k.marks[i].state)
				printf("  # NOT marked: another file is there now (replaced since "
				       "the load: load again)");
			putchar('\n');
		}
	}
	kpolicy_free(&k);
	return EXIT_OK;
}

static int cmp_key_idx(const void *a, const void *b, void *arg)
{
	const struct sha256_key *keys = arg;

	return memcmp(keys[*(const size_t *)a].b, keys[*(const size_t *)b].b, EXECBAN_SHA256_LEN);
}

static bool same_rule(const struct execban_rule *a, const char *ra, const struct execban_rule *b,
		      const char *rb)
{
	return a->action == b->action && a->ident_kind == b->ident_kind && a->flags == b->flags &&
	       (!(a->flags & EXECBAN_RULE_HAS_SIZE) || a->size == b->size) &&
	       !strncmp(a->label, b->label, EXECBAN_LABEL_LEN) && !strcmp(ra, rb);
}

/* One line of a diff: "+ rule" as text, or a JSON object in the "changes" array. */
static void diff_line(bool json, size_t *n, char op, const char *what,
		      const struct sha256_key *k, const struct execban_rule *r,
		      const struct policy_rule *pr, const char *reason)
{
	char hex[2 * EXECBAN_SHA256_LEN + 1], *text = NULL;
	size_t len = 0;
	FILE *m;

	if (!json) {
		printf("%c ", op);
		print_krule(k, r, pr, reason);
		return;
	}
	m = open_memstream(&text, &len);
	if (m) {
		fprint_rule(m, k, r, pr, reason);
		fclose(m);
	}
	hex_encode(k->b, EXECBAN_SHA256_LEN, hex);
	printf("%s{\"op\":\"%s\",\"key\":\"%s\",\"rule\":", (*n)++ ? "," : "", what, hex);
	json_str(text ? text : "");
	putchar('}');
	free(text);
}

int cmd_diff(int argc, char **argv)
{
	struct compiled c;
	struct kpolicy k;
	size_t i = 0, j = 0, *order, added = 0, removed = 0, changed = 0, n = 0;
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	bool json = false;
	int ret;

	while ((ret = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
		switch (ret) {
		case 'j':
			json = true;
			break;
		case 'h':
			puts("usage: execban diff [--json] POLICY...\n\nShow what loading POLICY "
			     "would change against the policy the kernel enforces:\n"
			     "  + rule   added\n  - rule   removed\n"
			     "  ~ rule   changed (the new form is shown)\n\n"
			     "  -j, --json   one object: name/version/mode changes, \"changes\" (op\n"
			     "               added, removed or changed; key; rule in policy syntax)\n"
			     "               and the counts\n\n"
			     "exit: 0 no change, 1 changes, 2 usage, 3 error");
			return EXIT_OK;
		default:
			return usage_hint("diff");
		}
	}
	if (optind == argc)
		return usage_error("diff", "no POLICY given");
	if (compile(&c, argv + optind, argc - optind, EXECBAN_DEFAULT_MAX_RULES << 6)) {
		compiled_free(&c);
		return EXIT_SYSTEM;
	}
	if (read_kernel(&k)) {
		compiled_free(&c);
		return EXIT_SYSTEM;
	}
	order = policy_malloc(k.n_rules + 1, sizeof(*order));
	if (!order) {
		ret = EXIT_SYSTEM;
		goto out;
	}
	for (i = 0; i < k.n_rules; i++)
		order[i] = i;
	qsort_r(order, k.n_rules, sizeof(*order), cmp_key_idx, k.keys);

	k.info.name[EXECBAN_NAME_LEN - 1] = 0;
	if (json) {
		fputs("{\"name\":{\"from\":", stdout);
		json_str(k.info.name);
		fputs(",\"to\":", stdout);
		json_str(c.info.name);
		printf("},\"version\":{\"from\":%llu,\"to\":%llu},\"mode\":{\"from\":\"%s\","
		       "\"to\":\"%s\"},\"changes\":[", (unsigned long long)k.info.version,
		       (unsigned long long)c.info.version,
		       k.info.mode == EXECBAN_MODE_AUDIT ? "audit" : "enforce",
		       c.info.mode == EXECBAN_MODE_AUDIT ? "audit" : "enforce");
	}
	if (!json && strncmp(k.info.name, c.info.name, EXECBAN_NAME_LEN))
		printf("~ name \"%.*s\" -> \"%s\"\n", EXECBAN_NAME_LEN, k.info.name, c.info.name);
	if (!json && k.info.version != c.info.version)
		printf("~ version %llu -> %llu\n", (unsigned long long)k.info.version,
		       (unsigned long long)c.info.version);
	if (!json && k.info.mode != c.info.mode)
		printf("~ mode %s -> %s\n", k.info.mode == EXECBAN_MODE_AUDIT ? "audit" : "enforce",
		       c.info.mode == EXECBAN_MODE_AUDIT ? "audit" : "enforce");
	/* Both sides sorted by digest: merge. */
	for (i = 0, j = 0; i < k.n_rules || j < c.n_rules;) {
		int d = i == k.n_rules ? 1 : j == c.n_rules ? -1 :
			memcmp(k.keys[order[i]].b, c.keys[j].b, EXECBAN_SHA256_LEN);
		const char *cr;

		if (d < 0) {
			diff_line(json, &n, '-', "removed", &k.keys[order[i]], &k.rules[order[i]],
				  NULL, kreason(&k, k.rules[order[i]].reason_id));
			removed++;
			i++;
			continue;
		}
		cr = c.rules[j].reason_id == EXECBAN_NO_REASON ? "" :
		     c.pol.reasons[c.rules[j].reason_id];
		if (d > 0) {
			diff_line(json, &n, '+', "added", &c.keys[j], &c.rules[j], &c.pol.rules[j], cr);
			added++;
		} else {
			if (!same_rule(&k.rules[order[i]], kreason(&k, k.rules[order[i]].reason_id),
				       &c.rules[j], cr)) {
				diff_line(json, &n, '~', "changed", &c.keys[j], &c.rules[j],
					  &c.pol.rules[j], cr);
				changed++;
			}
			i++;
		}
		j++;
	}
	if (json)
		printf("],\"added\":%zu,\"removed\":%zu,\"changed\":%zu}\n", added, removed,
		       changed);
	else
		printf("# %zu added, %zu removed, %zu changed\n", added, removed, changed);
	ret = added || removed || changed || memcmp(k.info.digest, c.info.digest,
						    EXECBAN_SHA256_LEN) ? EXIT_FAIL : EXIT_OK;
out:
	free(order);
	kpolicy_free(&k);
	compiled_free(&c);
	return ret;
}
