/* score-image.c: scores binary PPM (P6) or PGM (P5) images with
 * libefficientad, as a program on the line would score camera frames.
 *
 * Build against the installed library with pkg-config alone:
 *   cc -o score-image score-image.c $(pkg-config --cflags --libs efficientad)
 * Run:
 *   ./score-image MODEL IMAGE.ppm...
 * Prints one line per image: its name, score and decision. */

#include <efficientad.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  unsigned char *pixels;
  size_t size, stride;
  int width, height;
  EfficientadPixelFormat format;
} Frame;

/* Reads a header number, skipping white space and comments. */
static int
read_number (FILE *file, int *value)
{
  int c = fgetc (file);
  while (c == '#' || c == ' ' || c == '\t' || c == '\r' || c == '\n')
    {
      if (c == '#')
        while (c != '\n' && c != EOF)
          c = fgetc (file);
      c = fgetc (file);
    }
  if (c < '0' || c > '9')
    return 0;
  long number = 0;
  while (c >= '0' && c <= '9' && number < 1000000)
    {
      number = number * 10 + (c - '0');
      c = fgetc (file);
    }
  *value = (int) number;
  return 1;
}

/* Returns 0 and fills @frame, or -1 with a message on stderr. */
static int
read_frame (const char *path, Frame *frame)
{
  FILE *file = fopen (path, "rb");
  if (file == NULL)
    {
      perror (path);
      return -1;
    }
  char magic[3] = { 0 };
  int maxval = 0;
  int ok = fread (magic, 1, 2, file) == 2
    && (strcmp (magic, "P6") == 0 || strcmp (magic, "P5") == 0)
    && read_number (file, &frame->width) && read_number (file, &frame->height)
    && read_number (file, &maxval) && maxval == 255;
  if (ok)
    {
      frame->format = magic[1] == '6' ? EFFICIENTAD_FORMAT_RGB8 : EFFICIENTAD_FORMAT_GRAY8;
      /* The library checks the sizes; here they only size the buffer. */
      frame->stride = (size_t) frame->width * (frame->format == EFFICIENTAD_FORMAT_RGB8 ? 3 : 1);
      frame->size = frame->stride * (size_t) frame->height;
      frame->pixels = malloc (frame->size ? frame->size : 1);
      ok = frame->pixels != NULL && fread (frame->pixels, 1, frame->size, file) == frame->size;
    }
  fclose (file);
  if (!ok)
    {
      fprintf (stderr, "%s: not a complete 8-bit binary PPM or PGM\n", path);
      free (frame->pixels);
      frame->pixels = NULL;
      return -1;
    }
  return 0;
}

static const char *
decision_name (EfficientadDecision decision)
{
  switch (decision)
    {
    case EFFICIENTAD_GOOD:
      return "good";
    case EFFICIENTAD_ANOMALOUS:
      return "anomalous";
    case EFFICIENTAD_UNDECIDED:
    default:
      return "undecided";
    }
}

int
main (int argc, char **argv)
{
  if (argc < 3)
    {
      fprintf (stderr, "usage: %s MODEL IMAGE.ppm...\n", argv[0]);
      return 2;
    }
  EfficientadModel *model = NULL;
  if (efficientad_model_load (argv[1], &model) != EFFICIENTAD_OK)
    {
      fprintf (stderr, "%s\n", efficientad_last_error ());
      return 1;
    }
  int failures = 0;
  for (int i = 2; i < argc; i++)
    {
      Frame frame = { 0 };
      if (read_frame (argv[i], &frame) != 0)
        {
          failures++;
          continue;
        }
      EfficientadResult result;
      EfficientadStatus status = efficientad_score (model, frame.pixels, frame.size, frame.format,
                                                    frame.width, frame.height, frame.stride, NULL, &result);
      if (status == EFFICIENTAD_OK)
        printf ("%s\t%.6f\t%s\n", argv[i], result.score, decision_name (result.decision));
      else
        {
          fprintf (stderr, "%s: %s: %s\n", argv[i], efficientad_status_to_string (status),
                   efficientad_last_error ());
          failures++;
        }
      free (frame.pixels);
    }
  efficientad_model_free (model);
  return failures > 0 ? 1 : 0;
}
