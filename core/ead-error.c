#include "ead-error.h"

G_DEFINE_QUARK (ead-error-quark, ead_error)
