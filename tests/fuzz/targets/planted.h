/* SPDX-License-Identifier: MIT */
/*
 * planted.h - kernel-style code with bugs planted on purpose, for the
 * fuzzing tests and the time-to-bug benchmark (tests/fuzz/). Each bug is a
 * BUG() (a trap): a deadly signal for every engine.
 *
 *  - local:    a 4-byte and a 2-byte magic, compared in the calling thread;
 *  - remote:   a 1-byte tag and a 4-byte magic, compared only in a remote
 *              section of a worker thread (planted_remote_work());
 *  - checksum: a message with a length byte and a 16-bit checksum over its
 *              payload; the bug is behind both, in a 4-byte magic of the
 *              payload (which changing changes the checksum).
 */
#ifndef PLANTED_H
#define PLANTED_H

#include <stddef.h>
#include <stdint.h>

int planted_local(const uint8_t *d, size_t n);
/* To be called inside kcov_remote_start_common() .. kcov_remote_stop(). */
int planted_remote_work(const uint8_t *d, size_t n);
int planted_checksum(const uint8_t *d, size_t n);

#endif /* PLANTED_H */
