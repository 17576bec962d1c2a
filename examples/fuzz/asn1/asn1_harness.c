/* SPDX-License-Identifier: MIT */
/*
 * asn1_harness.c - the kernel's BER decoder (lib/asn1_decoder.c of
 * Debian's linux-source-6.1, extracted at build time, never committed)
 * running the X.509 grammar (crypto/asymmetric_keys/x509.asn1, compiled by
 * the kernel's own scripts/asn1_compiler) on each input. The grammar's
 * actions are this file's: small checks in the spirit of the kernel's
 * x509_cert_parser.c, written here, so that some inputs fail inside them.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "x509.asn1.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct cert {
	size_t	oids, names, extensions;
	int	have_key;
};

#define ACTION(name) \
	int name(void *ctx, size_t hdrlen, unsigned char tag, \
		 const void *value, size_t vlen)

#define UNUSED_ARGS	(void)ctx; (void)hdrlen; (void)tag; (void)value

ACTION(x509_note_OID)
{
	struct cert *c = ctx;

	UNUSED_ARGS;
	c->oids++;
	return vlen > 32 ? -EBADMSG : 0;	/* no OID we know is longer */
}

ACTION(x509_extract_name_segment)
{
	struct cert *c = ctx;

	UNUSED_ARGS;
	return ++c->names > 64 || vlen > 256 ? -EBADMSG : 0;
}

ACTION(x509_extract_key_data)
{
	struct cert *c = ctx;

	UNUSED_ARGS;
	/* A BIT STRING: first byte is the count of unused bits, 0 here. */
	if (vlen < 1 || ((const unsigned char *)value)[0] != 0)
		return -EBADMSG;
	c->have_key = 1;
	return 0;
}

static int note_time(const void *value, size_t vlen, unsigned char tag)
{
	(void)value;
	/* UTCTime YYMMDDHHMMSSZ or GeneralizedTime YYYYMMDDHHMMSSZ. */
	return vlen == (tag == 0x17 ? 13u : 15u) ? 0 : -EBADMSG;
}

ACTION(x509_note_not_before)
{
	UNUSED_ARGS;
	return note_time(value, vlen, tag);
}

ACTION(x509_note_not_after)
{
	UNUSED_ARGS;
	return note_time(value, vlen, tag);
}

ACTION(x509_process_extension)
{
	struct cert *c = ctx;

	UNUSED_ARGS;
	(void)vlen;
	return ++c->extensions > 32 ? -E2BIG : 0;
}

#define NOTE(name) ACTION(name) { UNUSED_ARGS; (void)vlen; return 0; }
NOTE(x509_note_issuer)
NOTE(x509_note_params)
NOTE(x509_note_serial)
NOTE(x509_note_sig_algo)
NOTE(x509_note_signature)
NOTE(x509_note_subject)
NOTE(x509_note_tbs_certificate)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cert c;

	memset(&c, 0, sizeof(c));
	asn1_ber_decoder(&x509_decoder, &c, data, size);
	return 0;
}
