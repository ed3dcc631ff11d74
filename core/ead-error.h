/* ead-error.h: the one error domain of the engine, and quoting what files say. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define EAD_ERROR (ead_error_quark ())

typedef enum {
  EAD_ERROR_FAILED,         /* anything without a better code */
  EAD_ERROR_INVALID_ARG,    /* a parameter out of range */
  EAD_ERROR_IO,             /* a file could not be read or written */
  EAD_ERROR_BAD_IMAGE,      /* not an image, truncated, unsupported */
  EAD_ERROR_BAD_DATASET,    /* folder layout or masks do not fit */
  EAD_ERROR_BAD_FILE,       /* a model or tensor file is malformed */
  EAD_ERROR_INCOMPATIBLE,   /* a well-formed file that does not fit (version, size) */
  EAD_ERROR_TORCH,          /* libtorch raised an exception */
  EAD_ERROR_CANCELLED,
} EadErrorCode;

GQuark ead_error_quark (void);

/* How many characters of an untrusted name a message shows. */
#define EAD_QUOTE_MAX_CHARS 80

/* Quotes @text, a name read from a file (a tensor name, a key, a zip entry),
 * for an error message: in single quotes, with the quote, the backslash,
 * control and other non-printable characters escaped (\n, \x1b, \u202e),
 * bytes that are not UTF-8 shown as \xNN, and cut after
 * EAD_QUOTE_MAX_CHARS characters with an ellipsis. The result is one line
 * that cannot drive a terminal, and reading it costs at most the characters
 * shown, however long @text is. Free with g_free(). */
char *ead_quote_untrusted (const char *text);

G_END_DECLS
