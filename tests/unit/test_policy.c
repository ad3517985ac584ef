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
	      !strcmp(r.p.rules[0].label, "wechat") && r.p.rules[0].ident[0] == 0x01 &&
	      r.p.rules[0].ident[31] == 0xef && r.p.rules[0].line == 5, &r);
	check("escaped reason", r.p.n_reasons == 1 &&
	      !strcmp(r.p.reasons[0], "Directive \"2023\" \\ x"), &r);
	check("audit rule without size", r.p.rules[1].action == EXECBAN_RULE_AUDIT &&
	      !r.p.rules[1].has_size && r.p.rules[1].reason_id == POLICY_NO_REASON, &r);
	check("default mode is enforce", r.p.mode == EXECBAN_MODE_ENFORCE, &r);
	done(&r);

	run(&r, "version 18446744073709551615\ndeny sha256=" H64 "\n",
	    strlen("version 18446744073709551615\ndeny sha256=" H64 "\n"));
	check("the largest version, 2^64 - 1", r.finish == 0 && r.p.version == UINT64_MAX, &r);
	done(&r);

	run(&r, "deny sha256=" H64 " size=281474976710654\n",
	    strlen("deny sha256=" H64 " size=281474976710654\n"));
	check("the largest size, 2^48 - 2", r.finish == 0 && r.p.n_rules == 1 &&
	      r.p.rules[0].size == EXECBAN_RULE_SIZE_MAX, &r);
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
	check("hex empty", policy_parse_hex("", 0, a, 0) != 0, NULL);

	check("variable hex: 1 byte", policy_parse_hex_var("aB", 2, a, 64) == 1 && a[0] == 0xab,
	      NULL);
	check("variable hex: colons", policy_parse_hex_var("01:02:FF", 8, a, 64) == 3 &&
	      a[2] == 0xff, NULL);
	check("variable hex: at the maximum", policy_parse_hex_var(H64, 64, a, 32) == 32, NULL);
	check("variable hex: over the maximum", policy_parse_hex_var(H64 "00", 66, a, 32) == -E2BIG,
	      NULL);
	check("variable hex: empty", policy_parse_hex_var("", 0, a, 32) == -ERANGE, NULL);
	check("variable hex: odd", policy_parse_hex_var("abc", 3, a, 32) == -EINVAL, NULL);
	check("variable hex: colons at the maximum length", policy_parse_hex_var("aa:bb:cc", 8, a, 4)
	      == 3 && a[0] == 0xaa && a[2] == 0xcc, NULL);
}

/* A digit's value the slow way, or -1: the reference the table-driven decoder must agree with. */
static int ref_digit(int ch)
{
	const char *d = "0123456789abcdef", *u = "0123456789ABCDEF", *q;

	if (!ch)
		return -1;
	q = strchr(d, ch);
	if (q)
		return (int)(q - d);
	q = strchr(u, ch);
	return q ? (int)(q - u) : -1;
}

/*
 * The decoder reads digests 8 digits at a time: every byte value at every position of a
 * 64-digit digest must be read as the one-digit-at-a-time reference reads it (accepted with
 * the same value, or refused), and a rule line with it must give the same verdict.
 */
static void test_hex_every_byte(void)
{
	char s[65], line[128];
	uint8_t out[32], want[32];
	int pos, ch, bad = 0, bad_line = 0, i, v;

	for (pos = 0; pos < 64; pos++) {
		for (ch = 0; ch < 256; ch++) {
			for (i = 0; i < 64; i++)
				s[i] = "0123456789abcdefABCDEF"[(i * 7 + pos) % 22];
			s[pos] = (char)ch;
			s[64] = 0;
			v = 0;
			for (i = 0; i < 32; i++) {
				int hi = ref_digit((unsigned char)s[2 * i]);
				int lo = ref_digit((unsigned char)s[2 * i + 1]);

				if (hi < 0 || lo < 0)
					v = -1;
				else
					want[i] = (uint8_t)(hi << 4 | lo);
			}
			if (v == 0 ? policy_parse_hex(s, 64, out, 32) != 0 || memcmp(out, want, 32) :
				     policy_parse_hex(s, 64, out, 32) == 0)
				bad++;
			if (ch == '\n' || ch == ' ' || ch == '\t' || ch == '#' || ch == '"' ||
			    ch == '\r' || !ch)
				continue;	/* they end the value or the line: not a digit's place */
			snprintf(line, sizeof(line), "deny sha256=%.64s\n", s);
			{
				struct result r;

				run(&r, line, strlen(line));
				if ((r.finish == 0) != (v == 0) ||
				    (!r.finish && (r.p.n_rules != 1 ||
						   memcmp(r.p.rules[0].ident, want, 32))))
					bad_line++;
				done(&r);
			}
		}
	}
	check("hex: every byte at every digit of a digest decodes as one digit at a time does",
	      bad == 0, NULL);
	check("hex: a rule line with every byte at every digit gets the reference's verdict",
	      bad_line == 0, NULL);
}

/* Values whose bytes sit below '0' (the tokenizer's 8-byte skip stops there) and at 8-byte edges. */
static void test_value_edges(void)
{
	struct result r;
	size_t n;

	for (n = 1; n <= 24; n++) {
		char text[256], label[32];

		memset(label, 'a', sizeof(label));
		label[n - 1] = n % 3 == 0 ? '.' : n % 3 == 1 ? '-' : '+';
		label[n] = 0;
		snprintf(text, sizeof(text), "deny sha256=" H64 " label=%s#c\n", label);
		run(&r, text, strlen(text));
		check("value: a label ending in a byte below '0', a comment right after",
		      r.finish == 0 && r.p.n_rules == 1 && !strcmp(r.p.rules[0].label, label), &r);
		done(&r);
		snprintf(text, sizeof(text), "deny label=%s\"x sha256=" H64 "\n", label);
		run(&r, text, strlen(text));
		check("value: a quote inside a value is an error wherever it falls",
		      r.finish == -EINVAL && r.diag && strstr(r.diag, "unexpected '\"' inside 'label'"),
		      &r);
		done(&r);
	}
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
	bad("size of 2^48 - 1: the map's none", "deny sha256=" H64 " size=281474976710655\n",
	    SIZE_MAX, "t.policy:1:", "size=281474976710655: larger than any file");
	bad("size of 2^64 - 1", "deny sha256=" H64 " size=18446744073709551615\n", SIZE_MAX,
	    "t.policy:1:", "larger than any file execban can ban (at most 281474976710654");
	bad("size of 2^64: past any number", "deny sha256=" H64 " size=18446744073709551616\n",
	    SIZE_MAX, "t.policy:1:", "size=18446744073709551616: expected a file size in bytes");
	bad("size of twenty nines: past 2^64",
	    "deny sha256=" H64 " size=99999999999999999999\n", SIZE_MAX, "t.policy:1:",
	    "expected a file size in bytes");
	bad("version of 2^64", "version 18446744073709551616\ndeny sha256=" H64 "\n", SIZE_MAX,
	    "t.policy:1:", "expected version");
	bad("bad mode", "mode strict\ndeny sha256=" H64 "\n", SIZE_MAX, "t.policy:1:", "unknown mode");
	bad("bad version", "version x\ndeny sha256=" H64 "\n", SIZE_MAX, "t.policy:1:",
	    "expected version");
	bad("name set twice in one file", "name \"a\"\ndeny sha256=" H64 "\nname \"b\"\n",
	    SIZE_MAX, "t.policy:3: error: the name is already set to \"a\" at t.policy:1", "once");
	bad("version set twice, even to the same value", "version 3\nversion 3\ndeny sha256=" H64
	    "\n", SIZE_MAX, "t.policy:2: error: the version is already set to 3 at t.policy:1",
	    "once");
	bad("mode set twice", "mode enforce\nmode audit\ndeny sha256=" H64 "\n", SIZE_MAX,
	    "t.policy:2: error: the mode is already set to enforce at t.policy:1", "once");
	bad("allow and deny of one digest: an error naming both lines",
	    "deny sha256=" H64 "\n# x\nallow sha256=" H64 "\n", SIZE_MAX,
	    "t.policy:3: error: allowed here but denied at t.policy:1", "either banned or allowed");
	bad("allow before deny of one digest: the same error", "allow sha256=" H64
	    "\ndeny sha256=" H64 "\n", SIZE_MAX,
	    "t.policy:1: error: allowed here but denied at t.policy:2", "remove one");
	bad("allow and audit of one signer: an error naming both lines",
	    "audit signer-skid=ab:cd\nallow signer-skid=ABCD\n", SIZE_MAX,
	    "t.policy:2: error: signer-skid=abcd: allowed here but audited at t.policy:1", "");
	bad("allow without an identity", "allow label=x\n", SIZE_MAX, "t.policy:1:",
	    "no identity");
	bad("allow with size= on a signer", "allow signer-skid=abcd size=3\n", SIZE_MAX,
	    "t.policy:1:", "size= applies to sha256= rules only");
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

static void test_allow(void)
{
	static const char text[] =
		"deny signer-skid=abcd label=vendor\n"
		"allow sha256=" H64 " size=12 label=keep reason=\"still needed\"\n"
		"allow signer-cert-sha256=" H64B " label=one-cert\n"
		"allow sha256=" H64 " label=again\n";
	struct result r;
	size_t i, allow = 0, deny = 0;

	run(&r, text, sizeof(text) - 1);
	for (i = 0; r.finish == 0 && i < r.p.n_rules; i++) {
		if (r.p.rules[i].action == EXECBAN_RULE_ALLOW)
			allow++;
		else if (r.p.rules[i].action == EXECBAN_RULE_DENY)
			deny++;
	}
	check("allow rules parse: one deny, two allow (the duplicate allow dropped)",
	      r.finish == 0 && deny == 1 && allow == 2, &r);
	check("a duplicate allow is a warning naming the first",
	      r.diag && strstr(r.diag, "t.policy:4: warning: duplicate of the rule at t.policy:2"),
	      &r);
	check("the action names: deny, audit, allow",
	      !strcmp(policy_action_name(EXECBAN_RULE_DENY), "deny") &&
	      !strcmp(policy_action_name(EXECBAN_RULE_AUDIT), "audit") &&
	      !strcmp(policy_action_name(EXECBAN_RULE_ALLOW), "allow"), NULL);
	check("specificity: digest > certificate > issuer+serial > key id > IMA key id",
	      execban_ident_specificity(EXECBAN_IDENT_SHA256) >
	      execban_ident_specificity(EXECBAN_IDENT_SIGNER_CERT_SHA256) &&
	      execban_ident_specificity(EXECBAN_IDENT_SIGNER_CERT_SHA256) >
	      execban_ident_specificity(EXECBAN_IDENT_SIGNER_ISSUER_SERIAL) &&
	      execban_ident_specificity(EXECBAN_IDENT_SIGNER_ISSUER_SERIAL) >
	      execban_ident_specificity(EXECBAN_IDENT_SIGNER_SKID) &&
	      execban_ident_specificity(EXECBAN_IDENT_SIGNER_SKID) >
	      execban_ident_specificity(EXECBAN_IDENT_IMA_KEYID) &&
	      execban_ident_specificity(EXECBAN_IDENT_IMA_KEYID) > 0, NULL);
	done(&r);
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
		unsigned int id = (unsigned int)pr->ident[0] << 24 | (unsigned int)pr->ident[1] << 16 |
				  (unsigned int)pr->ident[2] << 8 | pr->ident[3];
		char want[32];

		snprintf(want, sizeof(want), "reason %u", id % 10000);
		ok = !strcmp(r.p.reasons[pr->reason_id], want);
	}
	check("each rule keeps its own reason", ok, &r);
	done(&r);
	free(t);
}

/* A stand-in for compile.c's OpenSSL reader: identities chosen by file name. */
static char loaded_path[512];
static int fake_loads;

static int fake_cert(void *arg, const char *path, struct policy_cert_ids *ids, char *why,
		     size_t why_len)
{
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;

	(void)arg;
	fake_loads++;
	snprintf(loaded_path, sizeof(loaded_path), "%s", path);
	if (!strcmp(base, "bad.pem")) {
		snprintf(why, why_len, "not an X.509 certificate (PEM or DER)");
		return -EINVAL;
	}
	if (!strcmp(base, "missing.pem")) {
		snprintf(why, why_len, "%s", strerror(ENOENT));
		return -ENOENT;
	}
	if (strcmp(base, "noskid.pem")) {
		ids->skid_len = strcmp(base, "longskid.pem") ? 20 : 70;
		if (ids->skid_len <= sizeof(ids->skid))
			memset(ids->skid, 0x11, ids->skid_len);
		if (ids->skid_len <= sizeof(ids->skid))
			ids->skid[19] = 0xa4;
	}
	memset(ids->issuer_sha256, 0x22, sizeof(ids->issuer_sha256));
	ids->serial[0] = 0x00;
	ids->serial[1] = 0x8f;
	ids->serial_len = 2;
	memset(ids->cert_sha256, 0x33, sizeof(ids->cert_sha256));
	ids->cert_sha256[0] = (uint8_t)base[0];	/* a different certificate per name */
	return 0;
}

static void run_signers(struct result *r, const char *file, const char *text)
{
	FILE *f = open_memstream(&r->diag, &r->diag_len);

	policy_init(&r->p);
	r->p.diag = f;
	r->p.load_cert = fake_cert;
	r->parse = policy_parse_buffer(&r->p, file, text, strlen(text));
	r->finish = r->parse ? r->parse : policy_finish(&r->p);
	fclose(f);
}

static const struct policy_rule *find_kind(const struct policy *p, uint16_t kind, size_t nth)
{
	size_t i;

	for (i = 0; i < p->n_rules; i++)
		if (p->rules[i].ident_kind == kind && !nth--)
			return &p->rules[i];
	return NULL;
}

static bool ident_is(const struct policy_rule *r, const char *want)
{
	char buf[POLICY_IDENT_STRLEN];

	return r && policy_format_ident(r, buf, sizeof(buf)) > 0 && !strcmp(buf, want);
}

static void test_signer_idents(void)
{
	static const char text[] =
		"deny signer-skid=BB:B1:2B:01:4A:51:06:78:99:4A:B1:E4:97:BA:1B:D2:05:87:28:8F label=k\n"
		"audit signer-issuer-serial=" H64 "/008F0102030405060708090A0B0C0D0E0F10111213\n"
		"deny signer-cert-sha256=" H64B " reason=\"vendor cert\"\n"
		"deny ima-keyid=DEADbeef\n"
		"deny signer-issuer-serial=" H64 "/01:02\n"
		"deny signer-skid=ab\n";
	const struct policy_rule *r;
	struct result res;
	char buf[POLICY_IDENT_STRLEN];

	run_signers(&res, "t.policy", text);
	check("signer identities parse", res.finish == 0 && res.p.n_rules == 6 &&
	      !res.p.n_warnings, &res);
	r = find_kind(&res.p, EXECBAN_IDENT_SIGNER_SKID, 1);
	check("signer-skid: colons and upper case", r && r->ident_len == 20 &&
	      r->ident[0] == 0xbb && r->ident[19] == 0x8f && !strcmp(r->label, "k") && r->line == 1 && !r->has_size, &res);
	check("signer-skid: printed back in policy syntax",
	      ident_is(r, "signer-skid=bbb12b014a510678994ab1e497ba1bd20587288f"), &res);
	r = find_kind(&res.p, EXECBAN_IDENT_SIGNER_SKID, 0);
	check("signer-skid: one byte", r && r->ident_len == 1 && r->ident[0] == 0xab, &res);
	r = find_kind(&res.p, EXECBAN_IDENT_SIGNER_ISSUER_SERIAL, 1);
	check("signer-issuer-serial: issuer hash then serial with its 00", r &&
	      r->ident_len == 32 + 21 && r->ident[0] == 0x01 && r->ident[32] == 0x00 &&
	      r->ident[33] == 0x8f && r->action == EXECBAN_RULE_AUDIT, &res);
	check("signer-issuer-serial: printed back as execban hash prints it", ident_is(r,
	      "signer-issuer-serial=" H64 "/008f0102030405060708090a0b0c0d0e0f10111213"), &res);
	r = find_kind(&res.p, EXECBAN_IDENT_SIGNER_ISSUER_SERIAL, 0);
	check("signer-issuer-serial: serial with colons", r && r->ident_len == 34 &&
	      r->ident[33] == 0x02, &res);
	r = find_kind(&res.p, EXECBAN_IDENT_SIGNER_CERT_SHA256, 0);
	check("signer-cert-sha256", r && r->ident_len == 32 && r->ident[0] == 0xff &&
	      r->reason_id != POLICY_NO_REASON, &res);
	r = find_kind(&res.p, EXECBAN_IDENT_IMA_KEYID, 0);
	check("ima-keyid: mixed case, big-endian bytes", r && r->ident_len == 4 &&
	      r->ident[0] == 0xde && r->ident[3] == 0xef && ident_is(r, "ima-keyid=deadbeef"),
	      &res);
	check("identity names", !strcmp(policy_ident_name(EXECBAN_IDENT_SHA256), "sha256") &&
	      !strcmp(policy_ident_name(EXECBAN_IDENT_IMA_KEYID), "ima-keyid") &&
	      !policy_ident_name(99)[0], NULL);
	check("format refuses a small buffer", policy_format_ident(r, buf, 8) == -ENOSPC, NULL);
	done(&res);

	bad("signer-skid: bad hex", "deny signer-skid=zz\n", SIZE_MAX, "t.policy:1:",
	    "signer-skid=zz: expected the subjectKeyIdentifier in hex");
	bad("signer-skid: empty", "\ndeny signer-skid=\n", SIZE_MAX, "t.policy:2:",
	    "1 to 64 bytes");
	bad("signer-skid: 65 bytes", "deny signer-skid=" H64 H64 "00\n", SIZE_MAX, "t.policy:1:",
	    "1 to 64 bytes");
	bad("signer-skid: trailing colon", "deny signer-skid=ab:\n", SIZE_MAX, "t.policy:1:",
	    "signer-skid=ab:");
	bad("signer-issuer-serial: no slash", "deny signer-issuer-serial=" H64 "\n", SIZE_MAX,
	    "t.policy:1:", "expected <SHA-256 of the issuer Name's DER");
	bad("signer-issuer-serial: short issuer", "deny signer-issuer-serial=abcd/01\n", SIZE_MAX,
	    "t.policy:1:", "part before '/' must be 64 hex digits");
	bad("signer-issuer-serial: empty serial", "deny signer-issuer-serial=" H64 "/\n", SIZE_MAX,
	    "t.policy:1:", "serial after '/' must be 1 to 32 bytes");
	bad("signer-issuer-serial: 33-byte serial", "deny signer-issuer-serial=" H64 "/" H64 "00\n",
	    SIZE_MAX, "t.policy:1:", "serial after '/' must be 1 to 32 bytes");
	bad("signer-issuer-serial: bad serial hex", "deny signer-issuer-serial=" H64 "/0x12\n",
	    SIZE_MAX, "t.policy:1:", "serial after '/'");
	bad("signer-cert-sha256: 31 bytes", "deny signer-cert-sha256=" H64 "\ndeny "
	    "signer-cert-sha256=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd\n",
	    SIZE_MAX, "t.policy:2:", "expected 64 hex digits (the SHA-256 of the certificate");
	bad("ima-keyid: 3 bytes", "deny ima-keyid=abcdef\n", SIZE_MAX, "t.policy:1:",
	    "expected 8 hex digits");
	bad("ima-keyid: 5 bytes", "deny ima-keyid=abcdef0102\n", SIZE_MAX, "t.policy:1:",
	    "expected 8 hex digits");
	bad("ima-keyid: 0x prefix", "deny ima-keyid=0xabcdef01\n", SIZE_MAX, "t.policy:1:",
	    "ima-keyid=0xabcdef01");
	bad("size= on a signer rule", "deny signer-skid=ab size=10\n", SIZE_MAX, "t.policy:1:",
	    "size= applies to sha256= rules only");
	bad("size= before a signer identity", "deny size=10 ima-keyid=01020304\n", SIZE_MAX,
	    "t.policy:1:", "size= applies to sha256= rules only");
	bad("two identities: sha256 and signer", "deny sha256=" H64 " signer-skid=ab\n", SIZE_MAX,
	    "t.policy:1:", "exactly one identity");
	bad("two identities: signer= and ima-keyid", "deny signer=a.pem ima-keyid=01020304\n",
	    SIZE_MAX, "t.policy:1:", "exactly one identity");
	bad("show's signer-key= is refused with a hint", "deny signer-key=" H64
	    " kind=signer-skid\n", SIZE_MAX, "t.policy:1:", "how 'execban show' prints");
	bad("signer= without a certificate reader", "deny signer=a.pem\n", SIZE_MAX, "t.policy:1:",
	    "signer=a.pem: certificates cannot be read here");

	{
		struct result r2;
		static const char t[] = "deny signer-issuer-serial=" H64 "/8f01\n"
					"deny signer-issuer-serial=" H64 "/0001\n";

		run(&r2, t, sizeof(t) - 1);
		check("a serial DER would not encode warns, kept as written", r2.finish == 0 &&
		      r2.p.n_warnings == 2 &&
		      strstr(r2.diag, "t.policy:1: warning: signer-issuer") &&
		      strstr(r2.diag, "t.policy:2: warning: signer-issuer") &&
		      r2.p.n_rules == 2 && r2.p.rules[0].ident[33] == 0x01 &&
		      r2.p.rules[1].ident[32] == 0x8f && r2.p.rules[1].ident_len == 34, &r2);
		done(&r2);
	}
	{
		struct result r2;
		static const char t[] = "audit signer-skid=ab:CD label=first\n"
					"deny signer-skid=abcd label=second\n"
					"deny sha256=" H64 "\n";

		run(&r2, t, sizeof(t) - 1);
		r = find_kind(&r2.p, EXECBAN_IDENT_SIGNER_SKID, 0);
		check("signer duplicates: deny wins, spelling does not matter", r2.finish == 0 &&
		      r2.p.n_rules == 2 &&
		      strstr(r2.diag, "t.policy:1: warning: signer-skid=abcd:") &&
		      strstr(r2.diag, "deny wins") && r && !strcmp(r->label, "second"), &r2);
		done(&r2);
	}
	{
		struct result r2;
		static const char t[] = "deny signer-cert-sha256=" H64 "\ndeny sha256=" H64 "\n";

		run(&r2, t, sizeof(t) - 1);
		check("the same bytes as two kinds are two rules", r2.finish == 0 &&
		      r2.p.n_rules == 2 && !r2.p.n_warnings, &r2);
		done(&r2);
	}
}

/* fake_cert's SKID for every name but noskid.pem and longskid.pem */
#define SKID_A "11111111111111111111111111111111111111a4"

static void test_signer_certs(void)
{
	const struct policy_rule *r;
	struct result res;

	fake_loads = 0;
	run_signers(&res, "/etc/execban/policy.d/v.policy",
		    "deny signer=certs/a.pem label=vendor reason=\"banned vendor\"\n");
	check("signer=: path relative to the policy file's folder",
	      !strcmp(loaded_path, "/etc/execban/policy.d/certs/a.pem") && fake_loads == 1, &res);
	check("signer=: one rule per identity (skid, ima key id, issuer+serial, cert)",
	      res.finish == 0 && res.p.n_rules == 4 && !res.p.n_warnings, &res);
	r = find_kind(&res.p, EXECBAN_IDENT_IMA_KEYID, 0);
	check("signer=: the IMA key id is the SKID's last 4 bytes", r && r->ident_len == 4 &&
	      r->ident[0] == 0x11 && r->ident[3] == 0xa4, &res);
	r = find_kind(&res.p, EXECBAN_IDENT_SIGNER_ISSUER_SERIAL, 0);
	check("signer=: issuer hash and serial", r && r->ident_len == 34 && r->ident[0] == 0x22 &&
	      r->ident[32] == 0 && r->ident[33] == 0x8f, &res);
	check("signer=: every derived rule keeps action, label, reason, place and path",
	      res.p.n_rules == 4 && res.p.rules[0].action == EXECBAN_RULE_DENY &&
	      !strcmp(res.p.rules[3].label, "vendor") && res.p.rules[1].reason_id == 0 &&
	      res.p.rules[2].line == 1 && res.p.rules[0].signer &&
	      !strcmp(res.p.rules[0].signer, "/etc/execban/policy.d/certs/a.pem"), &res);
	done(&res);

	run_signers(&res, "p/v.policy",
		    "deny signer=/abs/a.pem\ndeny signer=\"with space/a.pem\"\n");
	check("signer=: absolute and quoted paths", res.finish == 0 &&
	      !strcmp(loaded_path, "p/with space/a.pem") && res.p.n_rules == 4 &&
	      strstr(res.diag, "p/v.policy:2: warning: signer-skid="), &res);
	done(&res);

	run_signers(&res, "t.policy", "deny sha256=" H64 "\ndeny signer=noskid.pem\n");
	check("signer=: no SKID warns and gives issuer+serial and cert only", res.finish == 0 &&
	      res.p.n_rules == 3 && !find_kind(&res.p, EXECBAN_IDENT_SIGNER_SKID, 0) &&
	      !find_kind(&res.p, EXECBAN_IDENT_IMA_KEYID, 0) &&
	      strstr(res.diag, "t.policy:2: warning: signer=noskid.pem: the certificate has no "
		     "subjectKeyIdentifier"), &res);
	done(&res);

	run_signers(&res, "t.policy", "deny signer=longskid.pem\n");
	check("signer=: a SKID over 64 bytes warns, no key id rules", res.finish == 0 &&
	      res.p.n_rules == 2 && strstr(res.diag, "t.policy:1: warning: signer=longskid.pem"),
	      &res);
	done(&res);

	run_signers(&res, "t.policy", "deny sha256=" H64 "\n\ndeny signer=bad.pem label=x\n"
		    "deny signer=missing.pem\n");
	check("signer=: an unreadable certificate is an error at file:line, nothing kept",
	      res.finish == -EINVAL &&
	      strstr(res.diag, "t.policy:3: error: signer=bad.pem: not an X.509 certificate") &&
	      strstr(res.diag, "t.policy:4: error: signer=missing.pem: No such file"), &res);
	done(&res);

	run_signers(&res, "t.policy", "deny signer=a.pem\naudit signer=a.pem\n"
		    "deny signer-skid=" SKID_A "\n"
		    "audit signer-skid=" SKID_A "\n");
	check("signer=: duplicates judged on the derived identities", res.finish == 0 &&
	      res.p.n_rules == 4 && strstr(res.diag, "t.policy:2: warning: signer-skid=") &&
	      strstr(res.diag, "(from signer=./a.pem): audit rule for an identity also denied at "
		     "t.policy:1: deny wins") &&
	      strstr(res.diag, "t.policy:3: warning: signer-skid=" SKID_A ": duplicate of the "
		     "rule at t.policy:1") &&
	      strstr(res.diag, "t.policy:4: warning: signer-skid=") && res.p.n_warnings == 6,
	      &res);
	done(&res);

	run_signers(&res, "t.policy", "deny signer=a.pem size=3\n");
	check("signer=: size= is refused", res.finish == -EINVAL && fake_loads &&
	      strstr(res.diag, "t.policy:1: error: size= applies to sha256= rules only"), &res);
	done(&res);

	{
		FILE *f;

		policy_init(&res.p);
		res.diag = NULL;
		f = open_memstream(&res.diag, &res.diag_len);
		res.p.diag = f;
		res.p.load_cert = fake_cert;
		res.p.max_rules = 4;
		res.parse = policy_parse_buffer(&res.p, "t.policy", "deny signer=a.pem\n"
						"deny signer=b.pem\n", 36);
		res.finish = policy_finish(&res.p);
		fclose(f);
		/* b.pem differs from a.pem by its certificate only: 5 distinct entries */
		check("signer=: the rule limit counts map entries", res.parse == 0 &&
		      res.finish == -EINVAL &&
		      strstr(res.diag, "5 rules: more than the maximum of 4"), &res);
		done(&res);
	}
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
	write_file(sub, "10-a.policy", "deny sha256=" H64 " label=a\n");
	write_file(sub, "30-c.policy", "\nversion 2\n");
	write_file(sub, "ignored.txt", "garbage\n");
	snprintf(path, sizeof(path), "%s/main.policy", dir);
	parse_files(&r, path);
	check("include a glob relative to the including file", r.finish == 0 &&
	      r.p.n_rules == 2, &r);
	check("included files are read in sorted order", r.p.version == 2 &&
	      strstr(r.p.rules[0].file, "10-a.policy") && strstr(r.p.rules[1].file, "20-b"), &r);
	check("where name and version were set is kept; mode not set", r.p.name_line == 1 &&
	      strstr(r.p.name_file, "/main.policy") && r.p.version_line == 2 &&
	      strstr(r.p.version_file, "policy.d/30-c.policy") && !r.p.mode_file, &r);
	check("a file in the folder that is not read is a warning naming it", r.diag &&
	      strstr(r.diag, "main.policy:2: warning: include policy.d/*.policy: "
		     "policy.d/ignored.txt is not read: only files ending in .policy are"), &r);
	done(&r);

	/* issue 19: drop-ins must not silently change the whole ban */
	{
		char sub2[600];

		snprintf(sub2, sizeof(sub2), "%s/drop.d", dir);
		mkdir(sub2, 0700);
		write_file(dir, "drop.policy", "include drop.d/*.policy\n");
		write_file(sub2, "10-gc.policy", "name \"gc-ban\"\nversion 7\ndeny sha256=" H64
			   "\n");
		write_file(sub2, "20-agency.policy", "name \"agency\"\nmode audit\nversion 2\n"
			   "deny sha256=" H64B "\n");
		write_file(sub2, "30-site.conf", "deny sha256=" H64 "\n");
		write_file(sub2, ".40-hidden.policy", "deny sha256=" H64 "\n");
		write_file(sub2, "50-x.policy.dpkg-dist", "deny sha256=" H64 "\n");
		write_file(sub2, "60-narrow.policy", "audit sha256=" H64B "\n");
		snprintf(path, sizeof(path), "%s/drop.policy", dir);
		parse_files(&r, path);
		check("drop-ins: a second name is an error naming both file:lines", r.finish != 0 &&
		      r.diag && strstr(r.diag, "drop.d/20-agency.policy:1: error: the name is "
		      "already set to \"gc-ban\" at ") && strstr(r.diag, "drop.d/10-gc.policy:1: "), &r);
		check("drop-ins: a second version is an error naming both file:lines", r.diag &&
		      strstr(r.diag, "drop.d/20-agency.policy:3: error: the version is already set "
		      "to 7 at ") && strstr(r.diag, "drop.d/10-gc.policy:2: name, version and mode"),
		      &r);
		check("drop-ins: mode set once is fine", r.diag && !strstr(r.diag, "the mode is"), &r);
		check("drop-ins: the .conf file, a hidden and a .dpkg-dist file are warned about, "
		      "in sorted order", r.diag &&
		      strstr(r.diag, "warning: include drop.d/*.policy: drop.d/.40-hidden.policy is "
		      "not read") && strstr(r.diag, "drop.d/30-site.conf is not read") &&
		      strstr(r.diag, "drop.d/50-x.policy.dpkg-dist is not read") &&
		      strstr(r.diag, ".40-hidden") < strstr(r.diag, "30-site.conf"), &r);
		done(&r);
	}

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

static void test_path_directives(void)
{
	static const char text[] = "interpreter /usr/bin/python3\nquarantine /var/q\n"
				   "quarantine /srv/other q\n";
	static const char good[] = "interpreter /usr/bin/perl\nquarantine /var/lib/execban/q\n"
				   "deny sha256=" H64 "\n";
	struct result r;

	run(&r, good, strlen(good));
	check("quarantine and interpreter directives parse", r.finish == 0 &&
	      r.p.n_quarantines == 1 && !strcmp(r.p.quarantines[0].path, "/var/lib/execban/q") &&
	      r.p.quarantines[0].line == 2 && r.p.n_interps == 1, &r);
	done(&r);
	bad("quarantine takes one path", text, SIZE_MAX, "t.policy:3:", "after the path");
	bad("quarantine needs an absolute path", "quarantine q\ndeny sha256=" H64 "\n", SIZE_MAX,
	    "t.policy:1:", "expected quarantine <absolute path>");
}

int main(void)
{
	test_valid();
	test_hex_forms();
	test_hex_every_byte();
	test_value_edges();
	test_errors();
	test_duplicates();
	test_allow();
	test_many_reasons();
	test_limits();
	test_include();
	test_signer_idents();
	test_signer_certs();
	test_path_directives();
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
