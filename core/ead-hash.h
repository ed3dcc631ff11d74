/* ead-hash.h: hashing names read from files. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A GHashFunc for tables keyed by strings that come from a file. With
 * g_str_hash (h * 33 + c, the same in every process) a file can hold
 * thousands of names of one hash value ("aa" and "b@" add the same to any
 * h), and a table of N of them costs N^2 / 2 comparisons. This hash mixes
 * in a multiplier drawn at random once per process, which a file's author
 * cannot know. It is no cryptographic hash, only one whose collisions
 * depend on that secret. Use with g_str_equal. */
guint ead_untrusted_str_hash (gconstpointer key);

G_END_DECLS
