/* cmd-backbone.c: efficientad backbone eval - checks an imported backbone by
 * classifying ImageNet photos named after their WordNet ids. */

#include <string.h>

#include "cli.h"
#include "torch/ead-backbone.h"   /* the shim: this tool tries the backbone itself */
#include "ead-data-dir.h"
#include "ead-dataset.h"
#include "ead-error.h"
#include "ead-image.h"

#define BATCH_SIZE 16
#define CLASSES_FILE "wnid-to-index.tsv"

/* On ../shared/images/imagenet-sample (photos of at most 320 pixels) with
 * the int8 file, the centre square scores 81.1% top-1, the whole photo
 * squeezed 79.7%, and the usual 87.5% centre crop 79.4%. */
typedef enum {
  PREPROCESS_CROP,     /* the centre square (shorter side), resized */
  PREPROCESS_RESIZE,   /* the whole photo squeezed to a square */
} Preprocess;

typedef struct {
  EadBackbone *backbone;
  GHashTable *classes;   /* wnid -> class index */
  Preprocess preprocess;
  EadPrecision precision;
  int size;
  int n_scored, n_top1, n_top5, n_skipped;
  double network_seconds;
} Evaluation;

/* A WordNet id "nXXXXXXXX" starting the file name, or NULL. */
static char *
wnid_of (const char *path)
{
  g_autofree char *name = g_path_get_basename (path);
  if (name[0] != 'n' || strlen (name) < 9)
    return NULL;
  for (int i = 1; i < 9; i++)
    if (!g_ascii_isdigit (name[i]))
      return NULL;
  return g_strndup (name, 9);
}

/* Reads "wnid<TAB>index<TAB>label" lines ('#' starts a comment). */
static GHashTable *
load_classes (const char *path, int n_classes, GError **error)
{
  g_autofree char *contents = NULL;
  g_autoptr (GError) local_error = NULL;
  if (!g_file_get_contents (path, &contents, NULL, &local_error))
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_IO, "%s", local_error->message);
      return NULL;
    }
  g_autoptr (GHashTable) classes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_auto (GStrv) lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    {
      if (lines[i][0] == '#' || lines[i][0] == '\0')
        continue;
      g_auto (GStrv) fields = g_strsplit (lines[i], "\t", 3);
      g_autofree char *wnid = fields[0] ? wnid_of (fields[0]) : NULL;
      gint64 index = 0;
      if (!wnid || strlen (fields[0]) != 9 || !fields[1]
          || !g_ascii_string_to_signed (fields[1], 10, 1, n_classes - 1, &index, NULL))
        {
          g_set_error (error, EAD_ERROR, EAD_ERROR_BAD_FILE,
                       "%s:%u: expected a WordNet id and a class index below %d", path, i + 1,
                       n_classes);
          return NULL;
        }
      g_hash_table_insert (classes, g_steal_pointer (&wnid), GINT_TO_POINTER ((int) index));
    }
  return g_steal_pointer (&classes);
}

/* The network's input: a square of @size, RGB scaled to [-1, 1]. */
static void
prepare_image (const EadImage *image, Preprocess preprocess, int size, float *out)
{
  g_autoptr (EadImage) square = NULL;
  if (preprocess == PREPROCESS_CROP)
    {
      int w = ead_image_get_width (image), h = ead_image_get_height (image);
      int side = MIN (w, h), x = (w - side) / 2, y = (h - side) / 2;
      const guint8 *corner = ead_image_get_pixels (image) + 3 * ((gsize) y * w + x);
      g_autoptr (EadImage) crop = ead_image_new_from_rgb8 (corner, side, side, 3 * (gsize) w);
      square = ead_image_resize (crop, size, size);
    }
  else
    square = ead_image_resize (image, size, size);
  ead_image_to_float (square, out);
  for (gsize i = 0; i < 3 * (gsize) size * size; i++)
    out[i] = 2 * out[i] - 1;
}

/* Scores a batch: an image counts for top-k when fewer than k classes have a
 * higher logit than its own. */
static gboolean
score_batch (Evaluation *ev, const float *inputs, const int *truth, int n, GError **error)
{
  const int n_classes = ead_backbone_get_n_classes (ev->backbone);
  g_autofree float *logits = g_new (float, (gsize) n * n_classes);
  gint64 start = g_get_monotonic_time ();
  if (!ead_backbone_classify (ev->backbone, inputs, n, ev->size, ev->size, logits, error))
    return FALSE;
  ev->network_seconds += (g_get_monotonic_time () - start) / 1e6;
  for (int i = 0; i < n; i++)
    {
      const float *row = logits + (gsize) i * n_classes;
      int higher = 0;
      for (int c = 0; c < n_classes; c++)
        higher += row[c] > row[truth[i]];
      ev->n_top1 += higher < 1;
      ev->n_top5 += higher < 5;
      ev->n_scored++;
    }
  return TRUE;
}

static gboolean
evaluate (Evaluation *ev, GPtrArray *paths, GError **error)
{
  const gsize image_floats = 3 * (gsize) ev->size * ev->size;
  g_autofree float *inputs = g_new (float, BATCH_SIZE * image_floats);
  int truth[BATCH_SIZE];
  int n = 0;
  CliProgress progress;
  cli_progress_init (&progress);
  for (guint i = 0; i < paths->len; i++)
    {
      const char *path = paths->pdata[i];
      g_autofree char *wnid = wnid_of (path);
      gpointer index;
      if (!wnid || !g_hash_table_lookup_extended (ev->classes, wnid, NULL, &index))
        {
          ev->n_skipped++;
          continue;
        }
      g_autoptr (GError) image_error = NULL;
      g_autoptr (EadImage) image = ead_image_load (path, &image_error);
      if (!image)
        {
          g_warning ("skipping %s", image_error->message);
          ev->n_skipped++;
          continue;
        }
      prepare_image (image, ev->preprocess, ev->size, inputs + n * image_floats);
      truth[n++] = GPOINTER_TO_INT (index);
      if (n == BATCH_SIZE)
        {
          if (!score_batch (ev, inputs, truth, n, error))
            return FALSE;
          n = 0;
          cli_progress_update (&progress, i + 1, paths->len, NULL);
        }
    }
  if (n > 0 && !score_batch (ev, inputs, truth, n, error))
    return FALSE;
  if (ev->n_scored > 0)
    {
      cli_progress_update (&progress, paths->len, paths->len, NULL);
      cli_progress_finish (&progress);
    }
  return TRUE;
}

static void
print_json (const Evaluation *ev)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  cli_json_add_number (b, "top1", (double) ev->n_top1 / ev->n_scored);
  cli_json_add_number (b, "top5", (double) ev->n_top5 / ev->n_scored);
  json_builder_set_member_name (b, "images");
  json_builder_add_int_value (b, ev->n_scored);
  json_builder_set_member_name (b, "skipped");
  json_builder_add_int_value (b, ev->n_skipped);
  json_builder_end_object (b);
  g_autofree char *text = cli_json_to_string (b, TRUE);
  g_print ("%s\n", text);
}

static void
print_text (const Evaluation *ev, double seconds)
{
  g_print ("top-1 %.1f%%  top-5 %.1f%%  on %d images (%d skipped: other classes or unreadable)\n",
           100.0 * ev->n_top1 / ev->n_scored, 100.0 * ev->n_top5 / ev->n_scored, ev->n_scored,
           ev->n_skipped);
  g_print ("%.1f ms per image, %.1f of them in the network (%d px, %s, %s, %d threads)\n",
           1e3 * seconds / MAX (ev->n_scored, 1), 1e3 * ev->network_seconds / MAX (ev->n_scored, 1),
           ev->size, ev->preprocess == PREPROCESS_CROP ? "centre crop" : "resize",
           ev->precision == EAD_PRECISION_BF16 ? "bf16" : "fp32", ead_torch_get_threads ());
}

static int
backbone_eval (int argc, char **argv)
{
  g_autofree char *backbone_path = NULL, *images_dir = NULL, *classes_path = NULL;
  g_autofree char *preprocess_text = NULL, *device_text = NULL;
  gboolean json = FALSE;
  g_auto (CliEngineOptions) engine = { 0 };
  EadPrecision precision;
  GOptionEntry entries[] = {
    { "backbone", 0, 0, G_OPTION_ARG_FILENAME, &backbone_path, "MobileNetV2 TFLite file", "FILE" },
    { "images", 0, 0, G_OPTION_ARG_FILENAME, &images_dir, "Photos named nXXXXXXXX_*", "DIR" },
    { "classes", 0, 0, G_OPTION_ARG_FILENAME, &classes_path,
      "WordNet id to class index table (default: the installed " CLASSES_FILE ")", "FILE" },
    { "preprocess", 0, 0, G_OPTION_ARG_STRING, &preprocess_text,
      "crop (centre square, default) or resize (whole photo)", "crop|resize" },
    { "device", 0, 0, G_OPTION_ARG_STRING, &device_text, "cpu (default) or cuda", "DEVICE" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print JSON", NULL },
    { NULL },
  };
  g_autoptr (GOptionContext) context
      = g_option_context_new ("- classify ImageNet photos with a backbone");
  g_option_context_add_main_entries (context, entries, NULL);
  cli_add_engine_options (context, &engine);
  g_autoptr (GError) error = NULL;
  if (!cli_parse (context, &argc, &argv, &error)
      || !cli_apply_engine_options (&engine, &precision, &error))
    return cli_fail (error);
  if (!backbone_path || !images_dir)
    return cli_fail_message ("backbone eval needs --backbone FILE and --images DIR");
  Evaluation ev = { 0 };
  if (!preprocess_text || g_str_equal (preprocess_text, "crop"))
    ev.preprocess = PREPROCESS_CROP;
  else if (g_str_equal (preprocess_text, "resize"))
    ev.preprocess = PREPROCESS_RESIZE;
  else
    return cli_fail_message ("--preprocess must be crop or resize, not '%s'", preprocess_text);
  EadDevice device;
  if (!cli_parse_device (device_text, &device, &error))
    return cli_fail (error);
  if (!classes_path)
    classes_path = ead_data_find ("imagenet/" CLASSES_FILE);
  if (!classes_path)
    return cli_fail_message ("no class table found: pass --classes (data/imagenet/" CLASSES_FILE
                             " in the source tree)");

  g_autoptr (EadBackbone) backbone = ead_backbone_load (backbone_path, &error);
  if (!backbone || !ead_backbone_set_device (backbone, device, &error)
      || !ead_backbone_set_precision (backbone, precision, &error))
    return cli_fail (error);
  g_autoptr (GHashTable) classes
      = load_classes (classes_path, ead_backbone_get_n_classes (backbone), &error);
  g_autoptr (GPtrArray) paths = classes ? ead_dataset_list_images (images_dir, &error) : NULL;
  if (!paths)
    return cli_fail (error);

  ev.backbone = backbone;
  ev.classes = classes;
  ev.size = ead_backbone_get_input_size (backbone);
  ev.precision = precision;
  gint64 start = g_get_monotonic_time ();
  if (!evaluate (&ev, paths, &error))
    return cli_fail (error);
  if (ev.n_scored == 0)
    return cli_fail_message ("no photo in %s is of a class in %s", images_dir, classes_path);
  if (json)
    print_json (&ev);
  else
    print_text (&ev, (g_get_monotonic_time () - start) / 1e6);
  return 0;
}

int
cmd_backbone (int argc, char **argv)
{
  if (argc >= 2 && g_str_equal (argv[1], "eval"))
    return backbone_eval (argc - 1, argv + 1);
  g_printerr ("Usage: efficientad backbone eval --backbone FILE --images DIR [--json]\n");
  return 2;
}
