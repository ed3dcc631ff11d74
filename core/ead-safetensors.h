/* ead-safetensors.h: reading and writing the safetensors format.
 *
 * Layout (https://github.com/huggingface/safetensors): an unsigned 64-bit
 * little-endian header length N, N bytes of UTF-8 JSON mapping each tensor name
 * to {"dtype", "shape", "data_offsets": [begin, end]} (offsets relative to the
 * byte buffer after the header) plus an optional "__metadata__" object of
 * string to string, then the byte buffer. Tensors are little-endian, row-major.
 *
 * The reader trusts nothing: header length within the file, strict JSON of
 * exactly the format's shape (a tensor has those three members only, nothing
 * nests deeper), read in one pass without a general JSON parser, with unique
 * member names (at most 4096 per object, and not crafted to collide in
 * g_str_hash tables), known dtypes, counts from 0 to G_MAXINT64, offsets
 * inside the buffer, ordered and not overlapping, and byte lengths that equal
 * the product of the shape times the element size (computed without
 * overflow). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  EAD_DTYPE_F32,
  EAD_DTYPE_F16,
  EAD_DTYPE_BF16,
  EAD_DTYPE_F64,
  EAD_DTYPE_I64,
  EAD_DTYPE_I32,
  EAD_DTYPE_U8,
} EadDtype;

#define EAD_TENSOR_MAX_DIMS 8

typedef struct {
  const char *name;
  EadDtype dtype;
  int n_dims;
  gint64 shape[EAD_TENSOR_MAX_DIMS];
  const void *data;   /* points into the reader's bytes; valid while it lives */
  gsize n_bytes;
} EadTensorView;

gsize ead_dtype_size (EadDtype dtype);
/* A bfloat16 (the top half of a float32's bits) widened to float32. */
float ead_bfloat16_to_float (guint16 bfloat);
const char *ead_dtype_to_string (EadDtype dtype);   /* "F32", ... */

/* ---- Reading ---- */

typedef struct _EadSafetensors EadSafetensors;

/* Reads @path whole and validates it completely: what the reader holds
 * stays whole whatever happens to the file (a model copied over it in
 * place). Errors: EAD_ERROR_IO when it cannot be read, EAD_ERROR_BAD_FILE
 * (with the reason) when it is not valid. */
EadSafetensors *ead_safetensors_open (const char *path, GError **error);
/* The same, mapping @path instead of reading it: for files of gigabytes
 * (packed images) whose tensors are copied out at once. A file truncated
 * while mapped raises SIGBUS. */
EadSafetensors *ead_safetensors_map (const char *path, GError **error);
/* The same for bytes in memory (copied). */
EadSafetensors *ead_safetensors_new_from_data (const guint8 *data, gsize size, GError **error);
void ead_safetensors_free (EadSafetensors *st);

guint ead_safetensors_get_n_tensors (const EadSafetensors *st);
/* Tensors in the order of their data offsets. */
const EadTensorView *ead_safetensors_get_tensor (const EadSafetensors *st, guint index);
/* NULL when absent. */
const EadTensorView *ead_safetensors_find (const EadSafetensors *st, const char *name);
/* NULL when absent. */
const char *ead_safetensors_get_metadata (const EadSafetensors *st, const char *key);
/* NULL-terminated array of metadata keys, owned by @st. */
const char *const *ead_safetensors_get_metadata_keys (const EadSafetensors *st);

/* Copies tensor @name into @out as float32 (F32, F16 and BF16 are converted),
 * checking that it has exactly @n_dims dimensions of sizes @shape. */
gboolean ead_safetensors_read_f32 (const EadSafetensors *st, const char *name,
                                   int n_dims, const gint64 *shape,
                                   float *out, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EadSafetensors, ead_safetensors_free)

/* ---- Writing ---- */

typedef struct _EadSafetensorsWriter EadSafetensorsWriter;

EadSafetensorsWriter *ead_safetensors_writer_new (void);
void ead_safetensors_writer_free (EadSafetensorsWriter *writer);
/* Copies @data (@n_bytes must match the shape and dtype). Names are unique. */
void ead_safetensors_writer_add (EadSafetensorsWriter *writer, const char *name,
                                 EadDtype dtype, int n_dims, const gint64 *shape,
                                 const void *data, gsize n_bytes);
void ead_safetensors_writer_set_metadata (EadSafetensorsWriter *writer,
                                          const char *key, const char *value);
/* Serialises to bytes: header padded with spaces to a multiple of 8. */
GBytes *ead_safetensors_writer_to_bytes (EadSafetensorsWriter *writer);
/* Writes atomically: a temporary file beside @path, fsync, rename. An existing
 * file at @path is untouched unless the whole write succeeded. */
gboolean ead_safetensors_writer_save (EadSafetensorsWriter *writer, const char *path, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EadSafetensorsWriter, ead_safetensors_writer_free)

G_END_DECLS
