/* ead-error.h: the one error domain of the engine. */
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

G_END_DECLS
