/* ead-flatbuffer.c: bounds-checked flatbuffer access. */
#include "ead-flatbuffer.h"

#include <string.h>

#include "ead-error.h"

gboolean
ead_fb_check_range (const EadFlatbuffer *fb, guint64 start, guint64 length, GError **error)
{
  if (start <= fb->size && length <= fb->size - start)
    return TRUE;
  g_set_error (error, EAD_ERROR, EAD_ERROR_BAD_FILE,
               "%" G_GUINT64_FORMAT " bytes at offset %" G_GUINT64_FORMAT
               " run past the end of the file (%" G_GUINT64_FORMAT " bytes; truncated?)",
               length, start, fb->size);
  return FALSE;
}

guint16
ead_fb_u16 (const EadFlatbuffer *fb, guint64 pos)
{
  guint16 value;
  memcpy (&value, fb->data + pos, sizeof value);
  return GUINT16_FROM_LE (value);
}

guint32
ead_fb_u32 (const EadFlatbuffer *fb, guint64 pos)
{
  guint32 value;
  memcpy (&value, fb->data + pos, sizeof value);
  return GUINT32_FROM_LE (value);
}

gboolean
ead_fb_table_at (const EadFlatbuffer *fb, guint64 start, EadFbTable *table, GError **error)
{
  if (!ead_fb_check_range (fb, start, 4, error))
    return FALSE;
  gint64 vtable = (gint64) start - (gint32) ead_fb_u32 (fb, start);
  if (vtable < 0 || !ead_fb_check_range (fb, vtable, 4, NULL))
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_BAD_FILE,
                   "the table at offset %" G_GUINT64_FORMAT " has its vtable outside the file",
                   start);
      return FALSE;
    }
  table->start = start;
  table->vtable = vtable;
  table->vtable_size = ead_fb_u16 (fb, vtable);
  table->object_size = ead_fb_u16 (fb, vtable + 2);
  if (table->vtable_size < 4 || table->vtable_size % 2 != 0 || table->object_size < 4)
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_BAD_FILE,
                   "the table at offset %" G_GUINT64_FORMAT " has a malformed vtable", start);
      return FALSE;
    }
  return ead_fb_check_range (fb, table->vtable, table->vtable_size, error)
         && ead_fb_check_range (fb, start, table->object_size, error);
}

gboolean
ead_fb_field (const EadFlatbuffer *fb, const EadFbTable *table, guint id, guint width, guint64 *pos,
              GError **error)
{
  guint entry = 4 + 2 * id;
  *pos = 0;
  if (entry + 2 > table->vtable_size)
    return TRUE;
  guint offset = ead_fb_u16 (fb, table->vtable + entry);
  if (offset == 0)
    return TRUE;
  if (offset < 4 || offset + width > table->object_size)
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_BAD_FILE,
                   "field %u of the table at offset %" G_GUINT64_FORMAT " lies outside the table",
                   id, table->start);
      return FALSE;
    }
  *pos = table->start + offset;
  return TRUE;
}

gboolean
ead_fb_scalar (const EadFlatbuffer *fb, const EadFbTable *table, guint id, guint width,
               guint32 fallback, guint32 *bits, GError **error)
{
  guint64 pos;
  if (!ead_fb_field (fb, table, id, width, &pos, error))
    return FALSE;
  if (pos == 0)
    *bits = fallback;
  else
    *bits = width == 1 ? fb->data[pos] : ead_fb_u32 (fb, pos);
  return TRUE;
}

gboolean
ead_fb_i8 (const EadFlatbuffer *fb, const EadFbTable *table, guint id, int *value, GError **error)
{
  guint32 bits;
  if (!ead_fb_scalar (fb, table, id, 1, 0, &bits, error))
    return FALSE;
  *value = (gint8) bits;
  return TRUE;
}

gboolean
ead_fb_i32 (const EadFlatbuffer *fb, const EadFbTable *table, guint id, gint32 fallback,
            gint32 *value, GError **error)
{
  guint32 bits;
  if (!ead_fb_scalar (fb, table, id, 4, (guint32) fallback, &bits, error))
    return FALSE;
  *value = (gint32) bits;
  return TRUE;
}

gboolean
ead_fb_u32_field (const EadFlatbuffer *fb, const EadFbTable *table, guint id, guint32 *value,
                  GError **error)
{
  return ead_fb_scalar (fb, table, id, 4, 0, value, error);
}

gboolean
ead_fb_f32 (const EadFlatbuffer *fb, const EadFbTable *table, guint id, float *value,
            GError **error)
{
  guint32 bits;
  if (!ead_fb_scalar (fb, table, id, 4, 0, &bits, error))
    return FALSE;
  memcpy (value, &bits, sizeof *value);
  return TRUE;
}

gboolean
ead_fb_target (const EadFlatbuffer *fb, const EadFbTable *table, guint id, guint64 *target,
               GError **error)
{
  guint64 pos;
  if (!ead_fb_field (fb, table, id, 4, &pos, error))
    return FALSE;
  *target = pos == 0 ? 0 : pos + ead_fb_u32 (fb, pos);
  return TRUE;
}

gboolean
ead_fb_vector_at (const EadFlatbuffer *fb, guint64 start, guint element_size, EadFbVector *vector,
                  GError **error)
{
  if (!ead_fb_check_range (fb, start, 4, error))
    return FALSE;
  vector->length = ead_fb_u32 (fb, start);
  vector->start = start + 4;
  return ead_fb_check_range (fb, vector->start, (guint64) vector->length * element_size, error);
}

gboolean
ead_fb_vector (const EadFlatbuffer *fb, const EadFbTable *table, guint id, guint element_size,
               EadFbVector *vector, GError **error)
{
  guint64 target;
  if (!ead_fb_target (fb, table, id, &target, error))
    return FALSE;
  if (target == 0)
    {
      vector->start = 0;
      vector->length = 0;
      return TRUE;
    }
  return ead_fb_vector_at (fb, target, element_size, vector, error);
}

gboolean
ead_fb_subtable (const EadFlatbuffer *fb, const EadFbTable *table, guint id, EadFbTable *subtable,
                 GError **error)
{
  guint64 target;
  *subtable = (EadFbTable) { 0 };
  if (!ead_fb_target (fb, table, id, &target, error))
    return FALSE;
  return target == 0 || ead_fb_table_at (fb, target, subtable, error);
}

gboolean
ead_fb_vector_table (const EadFlatbuffer *fb, const EadFbVector *vector, guint index,
                     EadFbTable *table, GError **error)
{
  guint64 element = vector->start + 4 * (guint64) index;
  return ead_fb_table_at (fb, element + ead_fb_u32 (fb, element), table, error);
}
