/* fuzz.h: the harnesses of tests/fuzz, one per parser of outside files.
 *
 * Each harness feeds its input to the entry point the engine uses for such
 * a file, as LLVMFuzzerTestOneInput: `make fuzz` builds it with clang's
 * libFuzzer and sanitizers, `make test` links it with replay.c into a plain
 * program that runs the seeds and the findings kept in tests/data/fuzz/
 * (see docs/security.md). */
#pragma once

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

#include "ead-safetensors.h"

G_BEGIN_DECLS

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);
/* Optional: what a harness sets up before libFuzzer starts timing inputs. */
int LLVMFuzzerInitialize (int *argc, char ***argv);

/* A parser's answer must be a result or an EAD_ERROR, never both nor
 * neither, and the message one short line of printable text, whatever the
 * file held. Aborts (a finding) otherwise. */
void fuzz_check_outcome (gconstpointer result, const GError *error);

/* Reads @data as safetensors and checks the outcome; NULL when refused. */
EadSafetensors *fuzz_read_safetensors (const uint8_t *data, size_t size);

G_END_DECLS
