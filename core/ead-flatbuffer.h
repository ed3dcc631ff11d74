/* ead-flatbuffer.h: reading a flatbuffer that is not trusted, every access
 * checked against the buffer's bounds (EAD_ERROR_BAD_FILE when it is not).
 * The schema is the caller's (ead-tflite.c reads TFLite's with it).
 *
 * The layout (flatbuffers' "Internals" documentation), all little-endian:
 *  - the file starts with a u32 offset to the root table, then the 4-byte
 *    file identifier;
 *  - a table starts with an i32: its vtable lies at (table start - that value);
 *  - a vtable is a run of u16: its own size in bytes, the size of the table's
 *    inline part, then for each field its offset from the table start (0 when
 *    the field is absent and takes the schema's default);
 *  - a field referring to a table, vector or string holds a u32 counted from
 *    the field's own position;
 *  - a vector is a u32 element count followed by the elements; a vector of
 *    tables holds one such u32 offset per element, counted from the element;
 *  - a string is a vector of bytes followed by a NUL byte;
 *  - a union takes two field ids: its type (u8), then the offset of its table. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  const guint8 *data;
  guint64 size;
} EadFlatbuffer;

typedef struct {
  guint64 start;
  guint64 vtable;
  guint vtable_size;    /* bytes */
  guint object_size;    /* bytes of the table's inline part */
} EadFbTable;

typedef struct {
  guint64 start;        /* the first element */
  guint32 length;
} EadFbVector;

gboolean ead_fb_check_range (const EadFlatbuffer *fb, guint64 start, guint64 length,
                             GError **error);

/* The readers below take positions already checked to be in range. */
guint16 ead_fb_u16 (const EadFlatbuffer *fb, guint64 pos);

guint32 ead_fb_u32 (const EadFlatbuffer *fb, guint64 pos);

gboolean ead_fb_table_at (const EadFlatbuffer *fb, guint64 start, EadFbTable *table,
                          GError **error);

/* Sets @pos to field @id's position, 0 when absent. A present field must lie
 * inside its table, past the table's leading vtable offset. */
gboolean ead_fb_field (const EadFlatbuffer *fb, const EadFbTable *table, guint id, guint width,
                       guint64 *pos, GError **error);

/* A 1- or 4-byte scalar field as raw bits, or @fallback when absent. */
gboolean ead_fb_scalar (const EadFlatbuffer *fb, const EadFbTable *table, guint id, guint width,
                        guint32 fallback, guint32 *bits, GError **error);

gboolean ead_fb_i8 (const EadFlatbuffer *fb, const EadFbTable *table, guint id, int *value,
                    GError **error);

gboolean ead_fb_i32 (const EadFlatbuffer *fb, const EadFbTable *table, guint id, gint32 fallback,
                     gint32 *value, GError **error);

gboolean ead_fb_u32_field (const EadFlatbuffer *fb, const EadFbTable *table, guint id,
                           guint32 *value, GError **error);

gboolean ead_fb_f32 (const EadFlatbuffer *fb, const EadFbTable *table, guint id, float *value,
                     GError **error);

/* Follows the offset in field @id; 0 when the field is absent (a real target
 * always lies past its field, so never at 0). */
gboolean ead_fb_target (const EadFlatbuffer *fb, const EadFbTable *table, guint id, guint64 *target,
                        GError **error);

gboolean ead_fb_vector_at (const EadFlatbuffer *fb, guint64 start, guint element_size,
                           EadFbVector *vector, GError **error);

/* Vector field @id; an absent one is empty. */
gboolean ead_fb_vector (const EadFlatbuffer *fb, const EadFbTable *table, guint id,
                        guint element_size, EadFbVector *vector, GError **error);

/* Table field @id. An absent one reads as a table without fields, so every
 * field takes its default. */
gboolean ead_fb_subtable (const EadFlatbuffer *fb, const EadFbTable *table, guint id,
                          EadFbTable *subtable, GError **error);

gboolean ead_fb_vector_table (const EadFlatbuffer *fb, const EadFbVector *vector, guint index,
                              EadFbTable *table, GError **error);

G_END_DECLS
