// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_sigparse.c - libFuzzer harness for lib/sigparse.c, the same file execban.ko and the CLI
 * compile. The input is taken three ways: as a whole signed file (the module-signature trailer,
 * then the PKCS#7 span it points at, as execban hash reads them), as a bare PKCS#7 blob, and as a
 * security.ima value. Every result is checked for consistency: a span inside the file, lengths
 * within their bounds, a certificate inside the blob. Any violation aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sigparse.h"

static void check_signer(const uint8_t *der, size_t len)
{
	char form[SIGPARSE_ISSUER_SERIAL_STRLEN], hex[2 * SIGPARSE_SKID_MAX + 1];
	static const uint8_t zero[32];
	struct sig_signer s;
	int ret = sigparse_pkcs7_signer(der, len, &s);

	if (ret > 0)
		abort();
	if (ret < 0)
		return;
	if (!s.n_signers || s.n_signers > SIGPARSE_MAX_ELEMS || s.n_certs > SIGPARSE_MAX_ELEMS)
		abort();
	if (s.cert.len && (s.cert.offset >= len || s.cert.len > len - s.cert.offset || !s.n_certs))
		abort();
	switch (s.sid_type) {
	case SIGPARSE_SID_ISSUER_SERIAL:
		if (!s.issuer_len || s.issuer_len > SIGPARSE_ISSUER_MAX || s.issuer[0] != 0x30 ||
		    !s.serial_len || s.serial_len > SIGPARSE_SERIAL_MAX || s.skid_len)
			abort();
		if (sigparse_format_issuer_serial(zero, s.serial, s.serial_len, form, sizeof(form)) !=
		    (int)(65 + 2 * s.serial_len))
			abort();
		break;
	case SIGPARSE_SID_SKID:
		if (!s.skid_len || s.skid_len > SIGPARSE_SKID_MAX || s.issuer_len || s.serial_len)
			abort();
		if (sigparse_hex(s.skid, s.skid_len, hex, sizeof(hex)) != (int)(2 * s.skid_len))
			abort();
		break;
	default:
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sig_span span;
	struct sig_ima ima;
	uint8_t *blob;
	size_t tail;

	/* As a file: the CLI passes a tail of up to 4 KiB and the file's length. */
	tail = size < 4096 ? size : 4096;
	if (sigparse_module_trailer(data + size - tail, tail, size, &span) == 0) {
		if (span.offset > size || span.len > size - span.offset ||
		    span.offset + span.len != size - SIGPARSE_MODSIG_TRAILER_LEN)
			abort();
		/* An exact-size copy, so ASan sees a read past the span. */
		blob = malloc(span.len);
		if (!blob)
			return 0;
		memcpy(blob, data + span.offset, span.len);
		check_signer(blob, span.len);
		free(blob);
	}
	check_signer(data, size);
	if (sigparse_ima_xattr(data, size, &ima) == 0 &&
	    (ima.sig_size + SIGPARSE_IMA_SIG_HDR_LEN != size || ima.type != data[0] ||
	     !sigparse_hash_algo_name(ima.hash_algo) != !(ima.hash_algo < 20)))
		abort();
	return 0;
}
