/* fuzz-common.c: the checks every harness applies to a parser's answer. */
#include "fuzz.h"

#include "ead-error.h"

#include <string.h>

/* A critical of the engine's own log domain is a g_return_if_fail that
 * failed: a finding. GdkPixbuf's loaders log criticals for some damaged
 * images and carry on; those are the library's, and stay messages. */
static void __attribute__ ((constructor))
make_engine_criticals_fatal (void)
{
  g_log_set_fatal_mask ("efficientad", G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
}

/* Longer than any message the engine writes with quoted names. */
#define MAX_MESSAGE_BYTES 1024

static gboolean
is_printable_line (const char *text)
{
  if (!g_utf8_validate (text, -1, NULL))
    return FALSE;
  for (const char *p = text; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      GUnicodeType type = g_unichar_type (c);
      if (!g_unichar_isprint (c) || type == G_UNICODE_FORMAT || type == G_UNICODE_LINE_SEPARATOR
          || type == G_UNICODE_PARAGRAPH_SEPARATOR)
        return FALSE;
    }
  return TRUE;
}

void
fuzz_check_outcome (gconstpointer result, const GError *error)
{
  if ((result == NULL) == (error == NULL))
    g_error ("a parser returned %s", result ? "a result and an error" : "neither result nor error");
  if (!error)
    return;
  if (error->domain != EAD_ERROR)
    g_error ("error of another domain: %s", error->message);
  if (strlen (error->message) > MAX_MESSAGE_BYTES || !is_printable_line (error->message))
    {
      g_autofree char *escaped = g_strescape (error->message, NULL);
      g_error ("message is not one short printable line: \"%s\"", escaped);
    }
}

EadSafetensors *
fuzz_read_safetensors (const uint8_t *data, size_t size)
{
  g_autoptr (GError) error = NULL;
  EadSafetensors *st = ead_safetensors_new_from_data (data, size, &error);

  fuzz_check_outcome (st, error);
  return st;
}
