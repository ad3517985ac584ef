// SPDX-License-Identifier: GPL-2.0
/*
 * test_policy.c - host unit tests of the policy parser (userspace/policy.c).
 * Each case prints "ok - name" or "not ok - name"; the last line is "N passed, N failed".
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy.h"

#define H64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define H64B "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"

static int passed, failed;

struct result {
	struct policy p;
	int parse, finish;
	char *diag;
	size_t diag_len;
};

static void run(struct result *r, const char *text, size_t len)
{
	FILE *f = open_memstream(&r->diag, &r->diag_len);

	policy_init(&r->p);
	r->p.diag = f;
	r->parse = policy_parse_buffer(&r->p, "t.policy", text, len);
	r->finish = r->parse ? r->parse : policy_finish(&r->p);
	fclose(f);
}

static void done(struct result *r)
{
	policy_free(&r->p);
	free(r->diag);
}

static void check(const char *name, long cond, const struct result *r)
{
	if (cond) {
		passed++;
		printf("ok - %s\n", name);
	} else {
		failed++;
		printf("not ok - %s\n", name);
		if (r)
			printf("#   parse=%d finish=%d diag:\n#   %s\n", r->parse, r->finish,
			       r->diag ? r->diag : "");
	}
}

/* The text must be refused, with a message naming want_loc that contains want_msg. */
static void bad(const char *name, const char *text, size_t len, const char *want_loc,
		const char *want_msg)
{
	struct result r;

	if (len == SIZE_MAX)
		len = strlen(text);
	run(&r, text, len);
	check(name, r.finish == -EINVAL && r.diag && strstr(r.diag, want_loc) &&
	      strstr(r.diag, want_msg), &r);
	done(&r);
}

static void test_valid(void)
{
	static const char text[] =
		"# a comment\n"
		"name \"gc-ban\"\n"
		"version 7\n"
		"\n"
		"deny sha256=" H64 " size=123 label=wechat reason=\"Directive \\\"2023\\\" \\\\ x\"\n"
		"  audit   sha256=" H64B "\t# trailing comment\n";
	struct result r;

	run(&r, text, sizeof(text) - 1);
	check("valid policy parses", r.finish == 0 && r.p.n_rules == 2 && !r.p.n_warnings, &r);
	check("name and version", !strcmp(r.p.name, "gc-ban") && r.p.version == 7, &r);
	check("rule fields", r.p.rules[0].action == EXECBAN_RULE_DENY &&
	      r.p.rules[0].has_size && r.p.rules[0].size == 123 &&
	      !strcmp(r.p.rules[0].label, "wechat") && r.p.rules[0].sha256[0] == 0x01 &&
	      r.p.rules[0].sha256[31] == 0xef && r.p.rules[0].line == 5, &r);
	check("escaped reason", r.p.n_reasons == 1 &&
	      !strcmp(r.p.reasons[0], "Directive \"2023\" \\ x"), &r);
	check("audit rule without size", r.p.rules[1].action == EXECBAN_RULE_AUDIT &&
	      !r.p.rules[1].has_size && r.p.rules[1].reason_id == EXECBAN_NO_REASON, &r);
	check("default mode is enforce", r.p.mode == EXECBAN_MODE_ENFORCE, &r);
	done(&r);
}

static void test_hex_forms(void)
{
	uint8_t a[32], b[32];
	const char *colons = "01:23:45:67:89:AB:CD:EF:01:23:45:67:89:ab:cd:ef:"
			     "01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef";

	check("hex plain", policy_parse_hex(H64, 64, a, 32) == 0, NULL);
	check("hex with colons, mixed case", policy_parse_hex(colons, strlen(colons), b, 32) == 0 &&
	      !memcmp(a, b, 32), NULL);
	check("hex too short", policy_parse_hex(H64, 62, a, 32) != 0, NULL);
	check("hex too long", policy_parse_hex(H64 "00", 66, a, 32) != 0, NULL);
	check("hex odd length", policy_parse_hex(H64, 63, a, 32) != 0, NULL);
	check("hex bad digit", policy_parse_hex("0g" H64, 64, a, 32) != 0, NULL);
	check("hex trailing colon", policy_parse_hex("01:", 3, a, 1) != 0, NULL);
	check("hex leading colon", policy_parse_hex(":01", 3, a, 1) != 0, NULL);
	check("hex double colon", policy_parse_hex("01::02", 6, a, 2) != 0, NULL);
}

static void test_errors(void)
{
	char *big, *rnd;
	size_t i;

	bad("short digest", "deny sha256=abcd\n", SIZE_MAX, "t.policy:1:", "expected 64 hex digits");
	bad("non-hex digest", "\n\ndeny sha256=" "zz23456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n", SIZE_MAX, "t.policy:3:", "expected 64 hex digits");
	bad("unknown keyword", "permit sha256=" H64 "\n", SIZE_MAX, "t.policy:1:",
	    "unknown keyword 'permit'");
	bad("unknown option", "deny sha256=" H64 " colour=red\n", SIZE_MAX, "t.policy:1:",
	    "unknown rule option 'colour'");
	bad("unterminated quote", "deny sha256=" H64 " reason=\"open\n", SIZE_MAX, "t.policy:1:",
	    "unterminated quote");
	bad("empty file", "", SIZE_MAX, "t.policy", "no rules");
	bad("only comments", "# nothing\n\n", SIZE_MAX, "t.policy", "no rules");
	bad("rule without identity", "deny label=x\n", SIZE_MAX, "t.policy:1:", "no identity");
	bad("two identities", "deny sha256=" H64 " sha256=" H64 "\n", SIZE_MAX, "t.policy:1:",
	    "exactly one identity");
	bad("bad label", "deny sha256=" H64 " label=a/b\n", SIZE_MAX, "t.policy:1:", "label=a/b");
	bad("unquoted reason", "deny sha256=" H64 " reason=x\n", SIZE_MAX, "t.policy:1:",
	    "must be quoted");
	bad("bad size", "deny sha256=" H64 " size=-1\n", SIZE_MAX, "t.policy:1:", "size=-1");
	bad("bad mode", "mode strict\ndeny sha256=" H64 "\n", SIZE_MAX, "t.policy:1:", "unknown mode");
	bad("bad version", "version x\ndeny sha256=" H64 "\n", SIZE_MAX, "t.policy:1:",
	    "expected version");
	bad("signer rules not yet", "deny signer-skid=ab\n", SIZE_MAX, "t.policy:1:",
	    "not supported");
	bad("conflicting sizes", "deny sha256=" H64 " size=1\ndeny sha256=" H64 " size=2\n", SIZE_MAX, "t.policy:2:", "different size=");

	big = malloc(POLICY_MAX_LINE + 100);
	memset(big, 'a', POLICY_MAX_LINE + 99);
	big[POLICY_MAX_LINE + 99] = '\n';
	bad("line too long", big, POLICY_MAX_LINE + 100, "t.policy:1:", "longer than");
	free(big);

	/* Megabytes of random bytes: refused with located errors, never a crash. */
	rnd = malloc(4 << 20);
	srand(42);
	for (i = 0; i < (4U << 20); i++)
		rnd[i] = (char)(rand() & 0xff);
	bad("4 MiB of random bytes", rnd, 4 << 20, "t.policy:", "error");
	free(rnd);

	{
		struct result r;
		static const char t[] = "deny sha256=" H64 "\nbogus\ndeny sha256=zz\n";

		run(&r, t, sizeof(t) - 1);
		check("every bad line is reported", r.finish == -EINVAL &&
		      strstr(r.diag, "t.policy:2:") && strstr(r.diag, "t.policy:3:"), &r);
		done(&r);
	}
}

static void test_many_reasons(void)
{
	size_t cap = 20000 * 120, n = 0;
	char *t = malloc(cap);
	struct result r;
	int i, ok = 1;

	for (i = 0; i < 20000; i++)
		n += (size_t)snprintf(t + n, cap - n,
				      "deny sha256=%08x%056x reason=\"reason %d\"\n", i, 0, i % 10000);
	run(&r, t, n);
	check("20000 rules with 10000 distinct reasons: deduplicated",
	      r.finish == 0 && r.p.n_rules == 20000 && r.p.n_reasons == 10000, &r);
	for (i = 0; ok && i < (int)r.p.n_rules; i++) {
		const struct policy_rule *pr = &r.p.rules[i];
		unsigned int id = (unsigned int)pr->sha256[0] << 24 | (unsigned int)pr->sha256[1] << 16 |
				  (unsigned int)pr->sha256[2] << 8 | pr->sha256[3];
		char want[32];

		snprintf(want, sizeof(want), "reason %u", id % 10000);
		ok = !strcmp(r.p.reasons[pr->reason_id], want);
	}
	check("each rule keeps its own reason", ok, &r);
	done(&r);
	free(t);
}

static void test_duplicates(void)
{
	static const char t[] =
		"audit sha256=" H64 " label=first\n"
		"deny sha256=" H64 " size=9 label=second\n"
		"deny sha256=" H64 " label=third\n";
	struct result r;

	run(&r, t, sizeof(t) - 1);
	check("duplicates collapse to one rule", r.finish == 0 && r.p.n_rules == 1, &r);
	check("deny wins over audit", r.p.rules[0].action == EXECBAN_RULE_DENY &&
	      !strcmp(r.p.rules[0].label, "second") && r.p.rules[0].size == 9, &r);
	check("deny/audit conflict warns with both places", !!strstr(r.diag, "t.policy:1:") &&
	      strstr(r.diag, "deny wins") && strstr(r.diag, "t.policy:2"), &r);
	check("plain duplicate warns", !!strstr(r.diag, "t.policy:3: warning: duplicate"), &r);
	done(&r);
}

static void test_limits(void)
{
	char *t = malloc(80 * 3 + 1), *p = t;
	struct result r;
	int i;

	for (i = 0; i < 3; i++)
		p += sprintf(p, "deny sha256=%02x%s\n", i, H64 + 2);
	policy_init(&r.p);
	{
		FILE *f = open_memstream(&r.diag, &r.diag_len);

		r.p.diag = f;
		r.p.max_rules = 2;
		r.parse = policy_parse_buffer(&r.p, "t.policy", t, (size_t)(p - t));
		r.finish = policy_finish(&r.p);
		fclose(f);
	}
	check("more rules than the maximum is refused", r.parse == 0 && r.finish == -EINVAL &&
	      strstr(r.diag, "more than the maximum"), &r);
	done(&r);
	free(t);

	{
		static const char m[] = "mode audit\ndeny sha256=" H64 "\n";

		run(&r, m, sizeof(m) - 1);
		check("mode audit", r.finish == 0 && r.p.mode == EXECBAN_MODE_AUDIT, &r);
		done(&r);
	}
	{
		static const char crlf[] = "deny sha256=" H64 " label=x\r\n";

		run(&r, crlf, sizeof(crlf) - 1);
		check("CRLF line endings", r.finish == 0 && !strcmp(r.p.rules[0].label, "x"), &r);
		done(&r);
	}
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
}

static int parse_files(struct result *r, const char *path)
{
	FILE *f = open_memstream(&r->diag, &r->diag_len);

	policy_init(&r->p);
	r->p.diag = f;
	r->parse = policy_parse_file(&r->p, path);
	r->finish = r->parse ? r->parse : policy_finish(&r->p);
	fclose(f);
	return r->finish;
}

static void test_include(void)
{
	char dir[] = "/tmp/execban-unit.XXXXXX", path[512], sub[512];
	struct result r;

	if (!mkdtemp(dir)) {
		check("include: temp dir", 0, NULL);
		return;
	}
	snprintf(sub, sizeof(sub), "%s/policy.d", dir);
	mkdir(sub, 0700);
	write_file(dir, "main.policy", "name \"main\"\ninclude policy.d/*.policy\n");
	write_file(sub, "20-b.policy", "deny sha256=" H64B " label=b\n");
	write_file(sub, "10-a.policy", "deny sha256=" H64 " label=a\nversion 1\n");
	write_file(sub, "30-c.policy", "version 2\n");
	write_file(sub, "ignored.txt", "garbage\n");
	snprintf(path, sizeof(path), "%s/main.policy", dir);
	parse_files(&r, path);
	check("include a glob relative to the including file", r.finish == 0 &&
	      r.p.n_rules == 2, &r);
	check("included files are read in sorted order", r.p.version == 2 &&
	      strstr(r.p.rules[0].file, "10-a.policy") && strstr(r.p.rules[1].file, "20-b"), &r);
	done(&r);

	write_file(dir, "cycle-a.policy", "deny sha256=" H64 "\ninclude cycle-b.policy\n");
	write_file(dir, "cycle-b.policy", "include cycle-a.policy\n");
	snprintf(path, sizeof(path), "%s/cycle-a.policy", dir);
	parse_files(&r, path);
	check("include cycles are an error at the including line", r.finish != 0 &&
	      strstr(r.diag, "cycle-b.policy:1: error: include cycle"), &r);
	done(&r);

	write_file(dir, "missing.policy", "deny sha256=" H64 "\n\ninclude nothere.policy\n");
	snprintf(path, sizeof(path), "%s/missing.policy", dir);
	parse_files(&r, path);
	check("a missing include is an error", r.finish != 0 &&
	      strstr(r.diag, "missing.policy:3: error: include nothere.policy"), &r);
	done(&r);

	write_file(dir, "bad-inc.policy", "include policy.d/*.policy\n");
	write_file(sub, "40-bad.policy", "deny sha256=" H64 "\nbogus line\n");
	snprintf(path, sizeof(path), "%s/bad-inc.policy", dir);
	parse_files(&r, path);
	check("an error inside an included file names that file and line", r.finish != 0 &&
	      strstr(r.diag, "40-bad.policy:2: error: unknown keyword"), &r);
	done(&r);

	write_file(dir, "empty-glob.policy", "deny sha256=" H64 "\ninclude none.d/*.policy\n");
	snprintf(path, sizeof(path), "%s/empty-glob.policy", dir);
	parse_files(&r, path);
	check("a glob matching nothing only warns", r.finish == 0 &&
	      strstr(r.diag, "warning: include none.d/*.policy matches no file"), &r);
	done(&r);

	{
		static const char t[] = "include x.policy\n";

		policy_init(&r.p);
		r.diag = NULL;
		{
			FILE *f = open_memstream(&r.diag, &r.diag_len);

			r.p.diag = f;
			r.p.no_include = true;
			r.parse = policy_parse_buffer(&r.p, "t.policy", t, sizeof(t) - 1);
			fclose(f);
		}
		check("include can be refused (fuzzing)", r.parse == -EINVAL, &r);
		done(&r);
	}
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	if (system(path))
		check("include: cleanup", 0, NULL);
}

int main(void)
{
	test_valid();
	test_hex_forms();
	test_errors();
	test_duplicates();
	test_many_reasons();
	test_limits();
	test_include();
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
