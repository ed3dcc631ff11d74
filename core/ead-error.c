/* ead-error.c: the error domain, and quoting untrusted names for messages. */
#include "ead-error.h"

#include <string.h>

G_DEFINE_QUARK (ead-error-quark, ead_error)

/* Printable, and neither an invisible format character (a direction
 * override) nor a line or paragraph separator. */
static gboolean
is_harmless (gunichar c)
{
  if (c < 0x80)
    return !g_ascii_iscntrl (c);
  switch (g_unichar_type (c))
    {
    case G_UNICODE_FORMAT:
    case G_UNICODE_LINE_SEPARATOR:
    case G_UNICODE_PARAGRAPH_SEPARATOR:
      return FALSE;
    default:
      return g_unichar_isprint (c);
    }
}

static void
append_escaped (GString *out, gunichar c)
{
  switch (c)
    {
    case '\n':
      g_string_append (out, "\\n");
      break;
    case '\r':
      g_string_append (out, "\\r");
      break;
    case '\t':
      g_string_append (out, "\\t");
      break;
    case '\\':
    case '\'':
      g_string_append_c (out, '\\');
      g_string_append_unichar (out, c);
      break;
    default:
      if (is_harmless (c))
        g_string_append_unichar (out, c);
      else if (c < 0x80)
        g_string_append_printf (out, "\\x%02x", c);
      else
        g_string_append_printf (out, c > 0xffff ? "\\U%08x" : "\\u%04x", c);
    }
}

char *
ead_quote_untrusted (const char *text)
{
  GString *out = g_string_new ("'");
  const char *p = text;

  for (guint n_shown = 0; *p != '\0' && n_shown < EAD_QUOTE_MAX_CHARS; n_shown++)
    {
      /* At most 4 bytes of a character; the NUL stops a shorter read. */
      gunichar c = g_utf8_get_char_validated (p, strnlen (p, 4));
      if (c == (gunichar) -1 || c == (gunichar) -2)
        {
          g_string_append_printf (out, "\\x%02x", (guchar) *p);
          p++;
          continue;
        }
      append_escaped (out, c);
      p = g_utf8_next_char (p);
    }
  if (*p != '\0')
    g_string_append (out, "…");
  g_string_append_c (out, '\'');
  return g_string_free (out, FALSE);
}
