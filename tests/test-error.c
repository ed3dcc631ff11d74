/* test-error.c: quoting names read from files for messages. */
#include "ead-error.h"

#include <string.h>

static void
assert_quoted (const char *text, const char *expected)
{
  g_autofree char *quoted = ead_quote_untrusted (text);
  g_assert_cmpstr (quoted, ==, expected);
}

static void
test_plain_names (void)
{
  assert_quoted ("teacher.0.weight", "'teacher.0.weight'");
  assert_quoted ("", "''");
  assert_quoted ("Gewicht_Ü_权重", "'Gewicht_Ü_权重'");
}

/* The example from the issue: a newline and a colour escape. */
static void
test_control_characters (void)
{
  assert_quoted ("a\nb\x1b[31m", "'a\\nb\\x1b[31m'");
  assert_quoted ("\r\t\x01\x7f", "'\\r\\t\\x01\\x7f'");
  assert_quoted ("it's a\\b", "'it\\'s a\\\\b'");
}

static void
test_invisible_characters (void)
{
  /* C1 control, right-to-left override, zero-width space, line separator. */
  assert_quoted ("\xc2\x9b" "2J", "'\\u009b2J'");
  assert_quoted ("abc\xe2\x80\xae" "fdp.exe", "'abc\\u202efdp.exe'");
  assert_quoted ("a\xe2\x80\x8b" "b", "'a\\u200bb'");
  assert_quoted ("a\xe2\x80\xa8" "b", "'a\\u2028b'");
  /* A format character beyond the basic plane: a language tag. */
  assert_quoted ("\xf3\xa0\x80\x81", "'\\U000e0001'");
}

static void
test_invalid_utf8 (void)
{
  assert_quoted ("a\xff" "b", "'a\\xffb'");
  /* A character cut short by the end of the string. */
  assert_quoted ("a\xe6\x9d", "'a\\xe6\\x9d'");
}

static void
test_long_names (void)
{
  g_autofree char *long_name = g_strnfill (1000000, 'x');
  g_autofree char *quoted = ead_quote_untrusted (long_name);
  g_autofree char *shown = g_strnfill (EAD_QUOTE_MAX_CHARS, 'x');
  g_autofree char *expected = g_strconcat ("'", shown, "…'", NULL);

  g_assert_cmpstr (quoted, ==, expected);
  /* Exactly the limit is shown whole. */
  g_autofree char *whole = g_strconcat ("'", shown, "'", NULL);
  assert_quoted (shown, whole);
  /* Escapes count as one character each: the result stays short. */
  g_autofree char *escapes = g_strnfill (1000, '\x1b');
  g_autofree char *quoted_escapes = ead_quote_untrusted (escapes);
  g_assert_cmpuint (strlen (quoted_escapes), ==, 4 * EAD_QUOTE_MAX_CHARS + strlen ("''…"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/error/plain-names", test_plain_names);
  g_test_add_func ("/error/control-characters", test_control_characters);
  g_test_add_func ("/error/invisible-characters", test_invisible_characters);
  g_test_add_func ("/error/invalid-utf8", test_invalid_utf8);
  g_test_add_func ("/error/long-names", test_long_names);
  return g_test_run ();
}
