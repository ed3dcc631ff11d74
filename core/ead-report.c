/* ead-report.c: the inspection report, drawn with Cairo's PDF surface and
 * Pango. The first four pages are fixed (the model and its data; the
 * calibration and the decision; the curves, the defect types and the
 * operator's numbers; each map alone), unless a long table runs on; the
 * evidence follows, each kind on pages of its own: the hottest good
 * images, then the mistakes, so that the page count follows from how many
 * there are. */

#include <cairo-pdf.h>
#include <glib/gi18n-lib.h>
#include <math.h>
#include <pango/pangocairo.h>
#include <string.h>

#include "ead-config.h"
#include "ead-error.h"
#include "ead-heatmap.h"
#include "ead-project-private.h"
#include "ead-report.h"

/* A4 in points. */
#define PAGE_WIDTH 595.276
#define PAGE_HEIGHT 841.89
#define MARGIN 48.0
#define TEXT_WIDTH (PAGE_WIDTH - 2 * MARGIN)
#define BOTTOM (PAGE_HEIGHT - MARGIN - 20.0)
/* Fontconfig falls back to Noto CJK for the Chinese glyphs. */
#define FONT_FAMILY "Sans, Noto Sans CJK SC"
#define BODY_SIZE 9.0
#define VALIDATION_NAMES_SHOWN 12
#define SCORE_BINS 24
/* The share of colour over the image in the heatmap panels. */
#define HEATMAP_OPACITY 0.6
#define TABLE_MAX_COLUMNS 8

static const double good_rgb[3] = { 0.20, 0.45, 0.75 };
static const double anomalous_rgb[3] = { 0.90, 0.45, 0.10 };
static const double threshold_rgb[3] = { 0.80, 0.10, 0.10 };

/* ---- Drawing text and pages ---- */

typedef struct {
  cairo_t *cr;
  const char *footer;   /* the project file's path */
  guint page;
  double y;             /* where the next block goes */
} Writer;

static PangoLayout *
new_layout (Writer *w, const char *text, double size, gboolean bold, double width)
{
  PangoLayout *layout = pango_cairo_create_layout (w->cr);
  g_autoptr (PangoFontDescription) font = pango_font_description_from_string (FONT_FAMILY);
  pango_font_description_set_size (font, (int) (size * PANGO_SCALE));
  if (bold)
    pango_font_description_set_weight (font, PANGO_WEIGHT_BOLD);
  pango_layout_set_font_description (layout, font);
  /* A negative @width: one line, however long. */
  pango_layout_set_width (layout, width < 0 ? -1 : (int) (width * PANGO_SCALE));
  pango_layout_set_wrap (layout, PANGO_WRAP_WORD_CHAR);
  pango_layout_set_text (layout, text, -1);
  return layout;
}

/* Draws @text at (@x, @y), wrapped to @width; returns its height. */
static double
draw_text (Writer *w, double x, double y, double width, const char *text, double size,
           gboolean bold)
{
  g_autoptr (PangoLayout) layout = new_layout (w, text, size, bold, width);
  int height;
  cairo_set_source_rgb (w->cr, 0, 0, 0);
  cairo_move_to (w->cr, x, y);
  pango_cairo_show_layout (w->cr, layout);
  pango_layout_get_size (layout, NULL, &height);
  return (double) height / PANGO_SCALE;
}

/* The height of @text wrapped to @width. */
static double
text_height (Writer *w, const char *text, double size, gboolean bold, double width)
{
  g_autoptr (PangoLayout) layout = new_layout (w, text, size, bold, width);
  int height;
  pango_layout_get_size (layout, NULL, &height);
  return (double) height / PANGO_SCALE;
}

/* Right-aligned at @right. */
static void
draw_text_right (Writer *w, double right, double y, const char *text, double size)
{
  g_autoptr (PangoLayout) layout = new_layout (w, text, size, FALSE, -1);
  int width;
  pango_layout_get_size (layout, &width, NULL);
  cairo_set_source_rgb (w->cr, 0, 0, 0);
  cairo_move_to (w->cr, right - (double) width / PANGO_SCALE, y);
  pango_cairo_show_layout (w->cr, layout);
}

static void
draw_footer (Writer *w)
{
  g_autofree char *page = g_strdup_printf (_("Page %u"), w->page);
  double y = PAGE_HEIGHT - MARGIN;
  g_autoptr (PangoLayout) path = new_layout (w, w->footer, 7.5, FALSE, TEXT_WIDTH - 80);
  pango_layout_set_ellipsize (path, PANGO_ELLIPSIZE_START);
  cairo_set_source_rgb (w->cr, 0.3, 0.3, 0.3);
  cairo_move_to (w->cr, MARGIN, y);
  pango_cairo_show_layout (w->cr, path);
  draw_text_right (w, PAGE_WIDTH - MARGIN, y, page, 7.5);
}

static void
new_page (Writer *w)
{
  if (w->page > 0)
    {
      draw_footer (w);
      cairo_show_page (w->cr);
    }
  w->page++;
  w->y = MARGIN;
}

/* A heading, on a new page where it would leave no room for a line of
 * what it heads. */
static void
heading (Writer *w, const char *text, double size)
{
  if (w->y + 6 + text_height (w, text, size, TRUE, TEXT_WIDTH) + 4 + 2 * BODY_SIZE > BOTTOM)
    new_page (w);
  w->y += 6;
  w->y += draw_text (w, MARGIN, w->y, TEXT_WIDTH, text, size, TRUE) + 4;
}

static void
paragraph (Writer *w, const char *text)
{
  w->y += draw_text (w, MARGIN, w->y, TEXT_WIDTH, text, BODY_SIZE, FALSE) + 4;
}

/* A table whose columns start at @columns (from the margin); the last
 * column runs to the right margin. Its head goes above its first row,
 * on the same page, and again on each page it runs onto, where a row
 * whose first cell is blank (one more row of the group named above it)
 * names its group again. */
typedef struct {
  const double *columns;
  guint n_columns;
  const char *const *head;   /* NULL for a table without one */
  gboolean head_drawn;
  char *group;               /* the last first cell that was not blank */
} Table;

static void
table_clear (Table *t)
{
  g_clear_pointer (&t->group, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Table, table_clear)

/* The height of a row of @cells; @widths receives each column's width. */
static double
row_height (Writer *w, const Table *t, const char *const *cells, gboolean bold, double *widths)
{
  double height = 0;
  for (guint i = 0; i < t->n_columns; i++)
    {
      widths[i] = (i + 1 < t->n_columns ? t->columns[i + 1] - 6 : TEXT_WIDTH) - t->columns[i];
      height = MAX (height, text_height (w, cells[i], BODY_SIZE, bold, widths[i]));
    }
  return height;
}

static void
draw_row (Writer *w, const Table *t, const char *const *cells, gboolean bold)
{
  double widths[TABLE_MAX_COLUMNS];
  double height = row_height (w, t, cells, bold, widths);
  for (guint i = 0; i < t->n_columns; i++)
    draw_text (w, MARGIN + t->columns[i], w->y, widths[i], cells[i], BODY_SIZE, bold);
  w->y += height + 2;
}

/* One row of @t, below its head where none is on this page yet; a row
 * that would reach the footer starts a page. */
static void
table_row (Writer *w, Table *t, const char *const *cells)
{
  double widths[TABLE_MAX_COLUMNS];
  g_return_if_fail (t->n_columns <= TABLE_MAX_COLUMNS);
  if (*cells[0] != '\0')
    {
      g_free (t->group);
      t->group = g_strdup (cells[0]);
    }
  const gboolean head_first = t->head && !t->head_drawn;
  double height = row_height (w, t, cells, FALSE, widths);
  if (head_first)
    height += row_height (w, t, t->head, TRUE, widths) + 2;
  const gboolean new_page_needed = w->y + height > BOTTOM;
  const char *row[TABLE_MAX_COLUMNS];
  memcpy (row, cells, t->n_columns * sizeof *cells);
  if (new_page_needed)
    {
      new_page (w);
      /* At the top of a page, a row of a group says which. */
      if (*cells[0] == '\0' && t->group)
        row[0] = t->group;
    }
  if (t->head && (head_first || new_page_needed))
    draw_row (w, t, t->head, TRUE);
  t->head_drawn = TRUE;
  draw_row (w, t, row, FALSE);
}

static void
field (Writer *w, const char *name, const char *value)
{
  static const double columns[] = { 0, 215 };
  g_auto (Table) t = { .columns = columns, .n_columns = G_N_ELEMENTS (columns) };
  const char *cells[] = { name, value };
  table_row (w, &t, cells);
}

/* "0.123", or "–" for an undefined value. */
static char *
format_number (double value)
{
  return isnan (value) ? g_strdup ("–") : g_strdup_printf ("%.3f", value);
}

static char *
format_percent (double fraction)
{
  return isnan (fraction) ? g_strdup ("–") : g_strdup_printf ("%.1f %%", 100 * fraction);
}

/* ---- Plots ---- */

typedef struct {
  double x, y, width, height;   /* the frame on the page */
  double x_min, x_max, y_min, y_max;
} Plot;

static double
plot_x (const Plot *p, double value)
{
  return p->x + (value - p->x_min) / (p->x_max - p->x_min) * p->width;
}

static double
plot_y (const Plot *p, double value)
{
  return p->y + p->height - (value - p->y_min) / (p->y_max - p->y_min) * p->height;
}

/* The frame with its title above, the ends of each axis and their names. */
static void
plot_frame (Writer *w, const Plot *p, const char *title, const char *x_name, const char *y_name)
{
  cairo_t *cr = w->cr;
  draw_text (w, p->x, p->y - 16, -1, title, BODY_SIZE, TRUE);
  cairo_set_source_rgb (cr, 0.4, 0.4, 0.4);
  cairo_set_line_width (cr, 0.6);
  cairo_rectangle (cr, p->x, p->y, p->width, p->height);
  cairo_stroke (cr);
  char text[G_ASCII_DTOSTR_BUF_SIZE];
  double below = p->y + p->height + 2;
  draw_text (w, p->x, below, 60, g_ascii_formatd (text, sizeof text, "%.4g", p->x_min), 7, FALSE);
  draw_text_right (w, p->x + p->width, below, g_ascii_formatd (text, sizeof text, "%.4g", p->x_max), 7);
  draw_text_right (w, p->x - 3, p->y + p->height - 8,
                   g_ascii_formatd (text, sizeof text, "%.3g", p->y_min), 7);
  draw_text_right (w, p->x - 3, p->y, g_ascii_formatd (text, sizeof text, "%.3g", p->y_max), 7);
  g_autoptr (PangoLayout) x_label = new_layout (w, x_name, 7.5, FALSE, -1);
  int width;
  pango_layout_get_size (x_label, &width, NULL);
  cairo_set_source_rgb (cr, 0, 0, 0);
  cairo_move_to (cr, p->x + (p->width - (double) width / PANGO_SCALE) / 2, below);
  pango_cairo_show_layout (cr, x_label);
  draw_text (w, p->x + 4, p->y + 2, p->width - 8, y_name, 7.5, FALSE);
}

static void
plot_marker (cairo_t *cr, const Plot *p, double x, double y)
{
  if (isnan (x) || isnan (y))
    return;
  cairo_set_source_rgb (cr, threshold_rgb[0], threshold_rgb[1], threshold_rgb[2]);
  cairo_arc (cr, plot_x (p, x), plot_y (p, y), 3, 0, 2 * G_PI);
  cairo_fill (cr);
}

static void
plot_vertical_line (cairo_t *cr, const Plot *p, double x)
{
  if (isnan (x) || x < p->x_min || x > p->x_max)
    return;
  cairo_set_source_rgb (cr, threshold_rgb[0], threshold_rgb[1], threshold_rgb[2]);
  cairo_set_line_width (cr, 1.2);
  cairo_move_to (cr, plot_x (p, x), p->y);
  cairo_line_to (cr, plot_x (p, x), p->y + p->height);
  cairo_stroke (cr);
}

/* Bars of @counts over [x_min, x_max], scaled to @peak. */
static void
plot_bars (cairo_t *cr, const Plot *p, const guint64 *counts, guint n_bins, double peak,
           const double rgb[3], double alpha)
{
  double bin_width = p->width / n_bins;
  cairo_set_source_rgba (cr, rgb[0], rgb[1], rgb[2], alpha);
  for (guint i = 0; i < n_bins; i++)
    if (counts[i] > 0)
      {
        double height = counts[i] / peak * p->height;
        cairo_rectangle (cr, p->x + i * bin_width, p->y + p->height - height, bin_width, height);
      }
  cairo_fill (cr);
}

static guint64
max_count (const guint64 *counts, guint n)
{
  guint64 peak = 1;
  for (guint i = 0; i < n; i++)
    peak = MAX (peak, counts[i]);
  return peak;
}

/* ---- What the report says ---- */

typedef struct {
  EadProject *project;
  EadModelInfo model;
  GArray *images;       /* EadImageInfo */
  GArray *results;      /* EadResultInfo */
  /* By map, the EadMetrics of the latest test, overall first. */
  GArray *metrics[EAD_MAP_FUSED + 1];
  char *tested_at;
  EadCurve *curve;      /* all labelled test images */
  EadConfusion confusion;
} Report;

static void
report_clear (Report *r)
{
  ead_model_info_clear (&r->model);
  g_clear_pointer (&r->images, g_array_unref);
  g_clear_pointer (&r->results, g_array_unref);
  for (gsize i = 0; i < G_N_ELEMENTS (r->metrics); i++)
    g_clear_pointer (&r->metrics[i], g_array_unref);
  g_clear_pointer (&r->tested_at, g_free);
  g_clear_pointer (&r->curve, ead_curve_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Report, report_clear)

static gboolean
load_metrics (Report *r, gint64 model_id, GError **error)
{
  for (EadMapKind map = EAD_MAP_LOCAL; map <= EAD_MAP_FUSED; map++)
    {
      r->metrics[map] = ead_project_get_test_metrics (r->project, model_id, map,
                                                      map == EAD_MAP_FUSED ? &r->tested_at : NULL,
                                                      error);
      if (r->metrics[map] == NULL)
        return FALSE;
    }
  return TRUE;
}

static gboolean
report_load (Report *r, EadProject *project, gint64 model_id, GError **error)
{
  r->project = project;
  return ead_project_get_model (project, model_id, &r->model, error)
         && load_metrics (r, model_id, error)
         && (r->images = ead_project_list_images (project, error)) != NULL
         && (r->results = ead_project_list_results (project, model_id, error)) != NULL
         && (r->curve = ead_project_get_curve (project, model_id, NULL, error)) != NULL
         /* Without a threshold nothing is decided, and the counts stay 0. */
         && (!r->model.has_threshold
             || ead_project_count_decisions (project, model_id, &r->confusion, error));
}

static const char *
verdict_label (EadVerdict verdict)
{
  switch (verdict)
    {
    case EAD_VERDICT_TRUE_DEFECT: return _("true defect");
    case EAD_VERDICT_FALSE_POSITIVE: return _("false positive");
    case EAD_VERDICT_MISSED_DEFECT: return _("missed defect");
    case EAD_VERDICT_UNSURE: return _("unsure");
    case EAD_VERDICT_NONE: default: return _("not reviewed");
    }
}

static const char *
label_label (EadLabel label)
{
  switch (label)
    {
    case EAD_LABEL_GOOD: return _("good");
    case EAD_LABEL_ANOMALOUS: return _("anomalous");
    case EAD_LABEL_UNLABELLED: default: return _("unlabelled");
    }
}

static const char *
split_label (EadSplit split)
{
  switch (split)
    {
    case EAD_SPLIT_TRAIN: return _("training");
    case EAD_SPLIT_VALIDATION: return _("validation");
    case EAD_SPLIT_LINE: return _("from the line");
    case EAD_SPLIT_TEST: default: return _("test");
    }
}

/* ---- The part and the model ---- */

typedef struct {
  char *teacher;        /* NULL for a random teacher */
  gint64 seed;
  int steps_done;
  double train_seconds;
  char *export_sha256;  /* of the latest export, or NULL */
} Provenance;

static void
provenance_clear (Provenance *p)
{
  g_clear_pointer (&p->teacher, g_free);
  g_clear_pointer (&p->export_sha256, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Provenance, provenance_clear)

static gboolean
load_provenance (EadProject *project, const EadModelInfo *model, Provenance *p, GError **error)
{
  sqlite3_stmt *s = ead_project_prepare (project,
    "SELECT teacher, seed, train_seconds, "
    "  (SELECT MAX(step) FROM losses WHERE run_id = runs.id) FROM runs WHERE id = ?", error);
  if (!s)
    return FALSE;
  sqlite3_bind_int64 (s, 1, model->run_id);
  gboolean found;
  if (!ead_project_maybe_row (project, s, &found, error))
    return FALSE;
  if (found)
    {
      p->teacher = ead_project_column_text (s, 0);
      p->seed = sqlite3_column_int64 (s, 1);
      p->train_seconds = sqlite3_column_double (s, 2);
      p->steps_done = sqlite3_column_int (s, 3);
    }
  sqlite3_finalize (s);
  s = ead_project_prepare (project,
    "SELECT sha256 FROM exports WHERE model_id = ? ORDER BY id DESC LIMIT 1", error);
  if (!s)
    return FALSE;
  sqlite3_bind_int64 (s, 1, model->id);
  if (!ead_project_maybe_row (project, s, &found, error))
    return FALSE;
  if (found)
    p->export_sha256 = ead_project_column_text (s, 0);
  sqlite3_finalize (s);
  return TRUE;
}

/* A stored UTC timestamp (ISO 8601) as the reader's local time to the
 * minute, like the report's own date; NULL for NULL. */
static char *
local_minute (const char *iso)
{
  if (!iso)
    return NULL;
  g_autoptr (GDateTime) utc = g_date_time_new_from_iso8601 (iso, NULL);
  if (!utc)
    return g_strdup (iso);
  g_autoptr (GDateTime) local = g_date_time_to_local (utc);
  return g_date_time_format (local, "%Y-%m-%d %H:%M");
}

static gboolean
section_model (Writer *w, const Report *r, GError **error)
{
  g_auto (Provenance) p = { 0 };
  if (!load_provenance (r->project, &r->model, &p, error))
    return FALSE;
  g_autofree char *name = g_path_get_basename (ead_project_get_path (r->project));
  char *dot = g_strrstr (name, EAD_PROJECT_EXTENSION);
  if (dot)
    *dot = '\0';
  g_autofree char *title = g_strdup_printf (_("Inspection report: %s"), name);
  heading (w, title, 16);
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *date = g_date_time_format (now, "%Y-%m-%d %H:%M");
  g_autofree char *model_id = g_strdup_printf ("%" G_GINT64_FORMAT, r->model.id);
  const int side = r->model.image_size, tiles = r->model.tiles;
  g_autofree char *image_size = tiles > 1
    /* Translators: the input size, then how many tiles each image is cut into. */
    ? g_strdup_printf (_("%d × %d, in %d × %d tiles"), side, side, tiles, tiles)
    : g_strdup_printf ("%d × %d", side, side);
  g_autofree char *teacher = p.teacher ? g_strdup_printf (_("pretrained, from %s"), p.teacher)
                                       : g_strdup (_("random (not pretrained)"));
  g_autofree char *training = g_strdup_printf (_("%d steps in %.0f s"), p.steps_done,
                                               p.train_seconds);
  g_autofree char *seed = g_strdup_printf ("%" G_GINT64_FORMAT, p.seed);

  heading (w, _("The part and the model"), 12);
  field (w, _("Project"), name);
  field (w, _("Model"), model_id);
  field (w, _("Size"), r->model.size == EAD_MODEL_MEDIUM ? _("Medium (EfficientAD-M)")
                                                          : _("Small (EfficientAD-S)"));
  field (w, _("Image size"), image_size);
  field (w, _("Teacher"), teacher);
  field (w, _("Training"), training);
  field (w, _("Seed"), seed);
  field (w, _("Exported file (SHA-256)"), p.export_sha256 ? p.export_sha256 : _("not exported"));
  field (w, _("Engine version"), EAD_VERSION);
  g_autofree char *trained = local_minute (r->model.created_at);
  g_autofree char *tested = local_minute (r->tested_at);
  field (w, _("Trained"), trained);
  field (w, _("Tested"), tested ? tested : _("never"));
  field (w, _("Report date"), date);
  return TRUE;
}

/* ---- The data ---- */

static void
section_data (Writer *w, const Report *r)
{
  heading (w, _("The data"), 12);
  static const double columns[] = { 0, 120, 220, 320 };
  const char *head[] = { _("Split"), _("good"), _("anomalous"), _("unlabelled") };
  g_auto (Table) splits = { .columns = columns, .n_columns = G_N_ELEMENTS (columns),
                            .head = head };
  guint counts[EAD_N_SPLITS][EAD_N_LABELS] = { { 0 } };
  g_autoptr (GHashTable) types = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GString) validation = g_string_new (NULL);
  guint n_validation = 0;
  for (guint i = 0; i < r->images->len; i++)
    {
      const EadImageInfo *image = &g_array_index (r->images, EadImageInfo, i);
      counts[image->split][image->label]++;
      if (image->label == EAD_LABEL_ANOMALOUS)
        {
          const char *type = image->defect_type ? image->defect_type : _("of no known type");
          guint n = GPOINTER_TO_UINT (g_hash_table_lookup (types, type));
          g_hash_table_insert (types, g_strdup (type), GUINT_TO_POINTER (n + 1));
        }
      if (image->split == EAD_SPLIT_VALIDATION && image->label == EAD_LABEL_GOOD
          && n_validation++ < VALIDATION_NAMES_SHOWN)
        g_string_append_printf (validation, "%s%s", validation->len ? ", " : "", image->file_name);
    }
  for (int split = 0; split < EAD_N_SPLITS; split++)
    {
      g_autofree char *good = g_strdup_printf ("%u", counts[split][EAD_LABEL_GOOD]);
      g_autofree char *bad = g_strdup_printf ("%u", counts[split][EAD_LABEL_ANOMALOUS]);
      g_autofree char *none = g_strdup_printf ("%u", counts[split][EAD_LABEL_UNLABELLED]);
      const char *cells[] = { split_label (split), good, bad, none };
      table_row (w, &splits, cells);
    }

  w->y += 4;
  g_autoptr (GList) names = g_list_sort (g_hash_table_get_keys (types), (GCompareFunc) g_strcmp0);
  const char *type_head[] = { _("Defect type"), _("Images") };
  g_auto (Table) type_table = { .columns = columns, .n_columns = G_N_ELEMENTS (type_head),
                                .head = type_head };
  for (GList *l = names; l; l = l->next)
    {
      g_autofree char *n = g_strdup_printf ("%u", GPOINTER_TO_UINT (g_hash_table_lookup (types, l->data)));
      const char *cells[] = { l->data, n };
      table_row (w, &type_table, cells);
    }

  w->y += 4;
  if (n_validation > VALIDATION_NAMES_SHOWN)
    g_string_append_printf (validation, _(" and %u more"), n_validation - VALIDATION_NAMES_SHOWN);
  g_autofree char *used = g_strdup_printf (_("The calibration used %u good validation images: %s."),
                                           r->model.n_validation, validation->str);
  paragraph (w, used);
}

/* ---- Calibration and decision ---- */

static void
map_histogram (Writer *w, double x, double y, const EadMapHistogram *h, const char *title)
{
  Plot p = { x, y, TEXT_WIDTH / 2 - 30, 110, h->low, h->high, 0, 1 };
  if (h->n_bins > 0)
    plot_bars (w->cr, &p, h->counts, h->n_bins, max_count (h->counts, h->n_bins), good_rgb, 0.9);
  plot_frame (w, &p, title, _("map value (score units)"), _("pixels (relative)"));
}

static void
section_calibration (Writer *w, const Report *r)
{
  const EadQuantiles *q = &r->model.quantiles;
  heading (w, _("Calibration"), 12);
  char text[4][G_ASCII_DTOSTR_BUF_SIZE];
  field (w, _("Local map, start quantile"), g_ascii_formatd (text[0], sizeof text[0], "%.5g", q->st_start));
  field (w, _("Local map, end quantile"), g_ascii_formatd (text[1], sizeof text[1], "%.5g", q->st_end));
  field (w, _("Global map, start quantile"), g_ascii_formatd (text[2], sizeof text[2], "%.5g", q->ae_start));
  field (w, _("Global map, end quantile"), g_ascii_formatd (text[3], sizeof text[3], "%.5g", q->ae_end));
  /* Translators: how the image score is made; the two maps' weights. */
  g_autofree char *fusion = g_strdup_printf (_("the maximum of %g × local + %g × global"),
                                             r->model.local_weight, 1.0 - r->model.local_weight);
  field (w, _("Image score"), fusion);
  w->y += 20;
  map_histogram (w, MARGIN + 24, w->y, &r->model.local, _("Local map on validation images"));
  map_histogram (w, MARGIN + TEXT_WIDTH / 2 + 24, w->y, &r->model.global,
                 _("Global map on validation images"));
  w->y += 140;
}

static char *
describe_threshold (const EadModelInfo *m)
{
  if (!m->has_threshold)
    return g_strdup (_("none chosen yet"));
  switch (m->threshold_method)
    {
    case EAD_THRESHOLD_F1_MAX:
      return g_strdup_printf (_("%.5g, the best F1 on the test results"), m->threshold);
    case EAD_THRESHOLD_MAX_FPR:
      return g_strdup_printf (_("%.5g, the lowest with at most %.1f %% false alarms"), m->threshold,
                              100 * m->threshold_parameter);
    case EAD_THRESHOLD_VALUE:
    default:
      return g_strdup_printf (_("%.5g, given"), m->threshold);
    }
}

static void
section_decision (Writer *w, const Report *r)
{
  const EadConfusion *c = &r->confusion;
  heading (w, _("The decision"), 12);
  g_autofree char *threshold = describe_threshold (&r->model);
  field (w, _("Threshold"), threshold);
  w->y += 4;
  static const double columns[] = { 0, 170, 290 };
  const char *head[] = { "", _("decided good"), _("decided anomalous") };
  g_autofree char *tn = g_strdup_printf ("%" G_GSIZE_FORMAT, c->true_negatives);
  g_autofree char *fp = g_strdup_printf ("%" G_GSIZE_FORMAT, c->false_positives);
  g_autofree char *fn = g_strdup_printf ("%" G_GSIZE_FORMAT, c->false_negatives);
  g_autofree char *tp = g_strdup_printf ("%" G_GSIZE_FORMAT, c->true_positives);
  const char *good[] = { _("labelled good"), tn, fp };
  const char *bad[] = { _("labelled anomalous"), fn, tp };
  g_auto (Table) t = { .columns = columns, .n_columns = G_N_ELEMENTS (columns), .head = head };
  table_row (w, &t, good);
  table_row (w, &t, bad);
  w->y += 4;
  g_autofree char *fpr = format_number (ead_confusion_fpr (c));
  g_autofree char *recall = format_number (ead_confusion_recall (c));
  g_autofree char *precision = format_number (ead_confusion_precision (c));
  g_autofree char *f1 = format_number (ead_confusion_f1 (c));
  field (w, _("False-positive rate"), fpr);
  field (w, _("Recall"), recall);
  field (w, _("Precision"), precision);
  field (w, _("F1"), f1);
}

/* ---- Curves ---- */

static void
curve_plots (Writer *w, const Report *r)
{
  const EadCurve *curve = r->curve;
  double width = TEXT_WIDTH / 2 - 30;
  Plot roc = { MARGIN + 24, w->y + 16, width, width, 0, 1, 0, 1 };
  Plot pr = { MARGIN + TEXT_WIDTH / 2 + 24, w->y + 16, width, width, 0, 1, 0, 1 };
  cairo_t *cr = w->cr;
  cairo_set_source_rgb (cr, good_rgb[0], good_rgb[1], good_rgb[2]);
  cairo_set_line_width (cr, 1.2);
  if (curve->n_positives > 0 && curve->n_negatives > 0)
    {
      cairo_move_to (cr, plot_x (&roc, 0), plot_y (&roc, 0));
      for (guint i = 0; i < curve->points->len; i++)
        {
          const EadCurvePoint *point = &g_array_index (curve->points, EadCurvePoint, i);
          cairo_line_to (cr, plot_x (&roc, (double) point->false_positives / curve->n_negatives),
                         plot_y (&roc, (double) point->true_positives / curve->n_positives));
        }
      cairo_stroke (cr);
    }
  if (curve->n_positives > 0)
    {
      for (guint i = 0; i < curve->points->len; i++)
        {
          const EadCurvePoint *point = &g_array_index (curve->points, EadCurvePoint, i);
          EadConfusion c = ead_curve_confusion (curve, point);
          double x = plot_x (&pr, ead_confusion_recall (&c));
          double y = plot_y (&pr, ead_confusion_precision (&c));
          if (i == 0)
            cairo_move_to (cr, x, y);
          else
            cairo_line_to (cr, x, y);
        }
      cairo_stroke (cr);
    }
  if (r->model.has_threshold)
    {
      plot_marker (cr, &roc, ead_confusion_fpr (&r->confusion), ead_confusion_recall (&r->confusion));
      plot_marker (cr, &pr, ead_confusion_recall (&r->confusion),
                   ead_confusion_precision (&r->confusion));
    }
  g_autofree char *auroc = format_number (ead_curve_auroc (curve));
  g_autofree char *ap = format_number (ead_curve_average_precision (curve));
  g_autofree char *roc_title = g_strdup_printf (_("ROC (AUROC %s)"), auroc);
  g_autofree char *pr_title = g_strdup_printf (_("Precision and recall (AP %s)"), ap);
  plot_frame (w, &roc, roc_title, _("false-positive rate"), _("recall"));
  plot_frame (w, &pr, pr_title, _("recall"), _("precision"));
  w->y += width + 44;
}

static gboolean
is_labelled_test (const EadResultInfo *result)
{
  return result->split == EAD_SPLIT_TEST && result->label != EAD_LABEL_UNLABELLED;
}

static void
score_histogram (Writer *w, const Report *r)
{
  double low = INFINITY, high = -INFINITY;
  for (guint i = 0; i < r->results->len; i++)
    {
      const EadResultInfo *result = &g_array_index (r->results, EadResultInfo, i);
      if (is_labelled_test (result))
        {
          low = MIN (low, result->score);
          high = MAX (high, result->score);
        }
    }
  if (r->model.has_threshold)
    {
      low = MIN (low, r->model.threshold);
      high = MAX (high, r->model.threshold);
    }
  if (!isfinite (low))
    low = high = 0;
  if (high <= low)
    high = low + 1;
  guint64 good[SCORE_BINS] = { 0 }, bad[SCORE_BINS] = { 0 };
  for (guint i = 0; i < r->results->len; i++)
    {
      const EadResultInfo *result = &g_array_index (r->results, EadResultInfo, i);
      if (!is_labelled_test (result))
        continue;
      guint bin = MIN (SCORE_BINS - 1, (guint) ((result->score - low) / (high - low) * SCORE_BINS));
      (result->label == EAD_LABEL_GOOD ? good : bad)[bin]++;
    }
  Plot p = { MARGIN + 24, w->y + 16, TEXT_WIDTH - 24, 100, low, high, 0, 1 };
  double peak = MAX (max_count (good, SCORE_BINS), max_count (bad, SCORE_BINS));
  plot_bars (w->cr, &p, good, SCORE_BINS, peak, good_rgb, 0.6);
  plot_bars (w->cr, &p, bad, SCORE_BINS, peak, anomalous_rgb, 0.6);
  if (r->model.has_threshold)
    plot_vertical_line (w->cr, &p, r->model.threshold);
  plot_frame (w, &p, _("Test scores: good (blue), anomalous (orange), threshold (red)"),
              _("score"), _("images (relative)"));
  w->y += p.height + 44;
}

/* ---- Defect types and the operator's numbers ---- */

/* The recall of the anomalous test images of @type at the threshold. */
static double
type_recall (const Report *r, const char *type)
{
  guint n = 0, flagged = 0;
  for (guint i = 0; i < r->results->len; i++)
    {
      const EadResultInfo *result = &g_array_index (r->results, EadResultInfo, i);
      if (result->split != EAD_SPLIT_TEST || result->label != EAD_LABEL_ANOMALOUS
          || g_strcmp0 (result->defect_type, type) != 0)
        continue;
      n++;
      flagged += result->decision == EAD_DECISION_ANOMALOUS;
    }
  return n > 0 && r->model.has_threshold ? (double) flagged / n : NAN;
}

static void
section_defect_types (Writer *w, const Report *r)
{
  heading (w, _("Per defect type"), 12);
  GArray *metrics = r->metrics[EAD_MAP_FUSED];

  if (metrics->len == 0)
    {
      paragraph (w, _("The model has not been tested."));
      return;
    }
  static const double columns[] = { 0, 130, 190, 260, 340, 420 };
  const char *head[] = { _("Defect type"), _("Images"), _("Image AUROC"), _("Recall"),
                         _("Pixel AUROC"), _("AU-PRO") };
  g_auto (Table) t = { .columns = columns, .n_columns = G_N_ELEMENTS (columns), .head = head };
  for (guint i = 0; i < metrics->len; i++)
    {
      const EadMetrics *m = &g_array_index (metrics, EadMetrics, i);
      gboolean all = i == 0;
      g_autofree char *n = g_strdup_printf ("%u", m->n_images);
      g_autofree char *auroc = format_number (m->image_auroc);
      g_autofree char *recall = format_number (all ? ead_confusion_recall (&r->confusion)
                                                   : type_recall (r, m->type));
      g_autofree char *pixel = format_number (m->pixel_auroc);
      g_autofree char *aupro = format_number (m->aupro);
      const char *cells[] = { all ? _("all") : m->type, n, auroc, recall, pixel, aupro };
      table_row (w, &t, cells);
    }
}

/* The local and global maps alone beside the fused one, over all test
 * images and per defect type: which branch finds which defects. */
static void
section_maps (Writer *w, const Report *r)
{
  static const double columns[] = { 0, 180, 275, 365, 445 };
  const char *head[] = { _("Map"), _("Defect type"), _("Image AUROC"), _("Pixel AUROC"),
                         _("AU-PRO") };

  heading (w, _("Each map alone"), 12);
  if (r->metrics[EAD_MAP_LOCAL]->len == 0)
    {
      paragraph (w, _("Not measured yet: score the test images to see each map alone."));
      return;
    }
  g_auto (Table) t = { .columns = columns, .n_columns = G_N_ELEMENTS (columns), .head = head };
  for (EadMapKind map = EAD_MAP_LOCAL; map <= EAD_MAP_FUSED; map++)
    for (guint i = 0; i < r->metrics[map]->len; i++)
      {
        const EadMetrics *m = &g_array_index (r->metrics[map], EadMetrics, i);
        g_autofree char *auroc = format_number (m->image_auroc);
        g_autofree char *pixel = format_number (m->pixel_auroc);
        g_autofree char *aupro = format_number (m->aupro);
        const char *cells[] = { i == 0 ? ead_map_kind_get_name (map) : "",
                                i == 0 ? _("all") : m->type, auroc, pixel, aupro };
        table_row (w, &t, cells);
      }
}

/* One operator's number: @rate of the curve at @at, named by @format
 * (translated, with one %.0f for @at in percent). */
static void
operator_field (Writer *w, const EadCurve *curve, const char *format,
                double (*rate) (const EadCurve *, double), double at)
{
  g_autofree char *name = g_strdup_printf (format, 100 * at);
  g_autofree char *value = format_percent (rate (curve, at));
  field (w, name, value);
}

static void
section_operator (Writer *w, const Report *r)
{
  heading (w, _("The operator's numbers"), 12);
  operator_field (w, r->curve, _("Defects missed at %.0f %% false alarms"),
                  ead_curve_miss_rate_at_fpr, 0.01);
  operator_field (w, r->curve, _("Defects missed at %.0f %% false alarms"),
                  ead_curve_miss_rate_at_fpr, 0.05);
  operator_field (w, r->curve, _("False alarms at %.0f %% missed defects"),
                  ead_curve_fpr_at_miss_rate, 0.0);
  operator_field (w, r->curve, _("False alarms at %.0f %% missed defects"),
                  ead_curve_fpr_at_miss_rate, 0.05);
  gsize n = r->confusion.true_positives + r->confusion.false_positives
            + r->confusion.true_negatives + r->confusion.false_negatives;
  g_autofree char *recheck = r->model.has_threshold
    ? g_strdup_printf (_("%u of %u test images"), (guint) ead_confusion_flagged (&r->confusion),
                       (guint) n)
    : g_strdup (_("no threshold yet"));
  field (w, _("Images to re-check at the threshold"), recheck);
}

/* ---- Evidence ---- */

static cairo_surface_t *
surface_from_image (const EadImage *image, const guint8 *outline)
{
  int width = ead_image_get_width (image), height = ead_image_get_height (image);
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, width, height);
  cairo_surface_flush (surface);
  guint8 *data = cairo_image_surface_get_data (surface);
  int stride = cairo_image_surface_get_stride (surface);
  const guint8 *pixels = ead_image_get_pixels (image);
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        gsize i = (gsize) y * width + x;
        const guint8 *rgb = pixels + 3 * i;
        guint32 colour = outline && outline[i] ? 0xff0000 : (guint32) rgb[0] << 16 | rgb[1] << 8 | rgb[2];
        ((guint32 *) (data + (gsize) y * stride))[x] = colour;
      }
  cairo_surface_mark_dirty (surface);
  return surface;
}

/* The pixels of @mask, sampled to @width x @height, on the edge of a
 * defect: set, with a 4-neighbour that is not. */
static guint8 *
mask_outline (const EadMask *mask, int width, int height)
{
  int mask_width = ead_mask_get_width (mask), mask_height = ead_mask_get_height (mask);
  const guint8 *data = ead_mask_get_data (mask);
  g_autofree guint8 *sampled = g_malloc ((gsize) width * height);
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      sampled[(gsize) y * width + x] = data[(gsize) (y * mask_height / height) * mask_width
                                            + x * mask_width / width];
  guint8 *outline = g_malloc0 ((gsize) width * height);
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        gsize i = (gsize) y * width + x;
        outline[i] = sampled[i] && (x == 0 || y == 0 || x == width - 1 || y == height - 1
                                    || !sampled[i - 1] || !sampled[i + 1]
                                    || !sampled[i - width] || !sampled[i + width]);
      }
  return outline;
}

static void
paint_panel (cairo_t *cr, cairo_surface_t *surface, double x, double y, double scale)
{
  cairo_save (cr);
  cairo_translate (cr, x, y);
  cairo_scale (cr, scale, scale);
  cairo_set_source_surface (cr, surface, 0, 0);
  cairo_paint (cr);
  cairo_restore (cr);
  cairo_surface_destroy (surface);
}

/* One evidence row: original | local | global | fused with the mask's
 * outline, then the file name, score, verdict and note. */
static gboolean
evidence_row (Writer *w, const Report *r, const EadResultInfo *result, GError **error)
{
  static const EadMapKind kinds[] = { EAD_MAP_LOCAL, EAD_MAP_GLOBAL, EAD_MAP_FUSED };
  g_autofree float *maps[3] = { NULL };
  int width = 0, height = 0;
  for (guint k = 0; k < 3; k++)
    if (!(maps[k] = ead_project_load_map (r->project, r->model.id, result->image_id, kinds[k],
                                          &width, &height, error)))
      return FALSE;
  g_autoptr (EadImage) original = ead_project_load_image (r->project, result->image_id, error);
  if (!original)
    return FALSE;
  g_autoptr (EadMask) mask = ead_project_load_mask (r->project, result->image_id, error);
  if (!mask && error && *error)
    return FALSE;
  g_autoptr (EadImage) image = ead_image_resize (original, width, height);
  g_autofree guint8 *outline = mask ? mask_outline (mask, width, height) : NULL;
  double low = INFINITY, high = -INFINITY;
  for (guint k = 0; k < 3; k++)
    for (gsize i = 0; i < (gsize) width * height; i++)
      if (!isnan (maps[k][i]))
        {
          low = MIN (low, maps[k][i]);
          high = MAX (high, maps[k][i]);
        }
  if (!(high > low))
    high = (isfinite (low) ? low : (low = 0)) + 1;

  const char *names[] = { _("original"), _("local"), _("global"), _("fused") };
  double gap = 8, side = (TEXT_WIDTH - 3 * gap) / 4;
  double scale = side / MAX (width, height);
  for (guint k = 0; k < 4; k++)
    {
      double x = MARGIN + k * (side + gap);
      cairo_surface_t *surface;
      if (k == 0)
        surface = surface_from_image (image, NULL);
      else
        {
          g_autoptr (EadImage) overlay = ead_heatmap_overlay (image, maps[k - 1], low, high,
                                                              HEATMAP_OPACITY);
          surface = surface_from_image (overlay, k == 3 ? outline : NULL);
        }
      paint_panel (w->cr, surface, x, w->y + 12, scale);
      draw_text (w, x, w->y, side, names[k], 7.5, FALSE);
    }
  w->y += 12 + height * scale + 3;
  g_autofree char *score = g_strdup_printf ("%.6g", result->score);
  g_autofree char *type = result->defect_type ? g_strdup_printf (" (%s)", result->defect_type)
                                              : g_strdup ("");
  g_autofree char *caption = g_strdup_printf (_("%s%s — score %s — %s — reviewer: %s%s%s"),
                                              result->file_name, type, score,
                                              label_label (result->label),
                                              verdict_label (result->verdict),
                                              result->note ? ": " : "",
                                              result->note ? result->note : "");
  w->y += draw_text (w, MARGIN, w->y, TEXT_WIDTH, caption, 8, FALSE) + 10;
  return TRUE;
}

static int
by_score_descending (gconstpointer a, gconstpointer b)
{
  double x = (*(EadResultInfo *const *) a)->score, y = (*(EadResultInfo *const *) b)->score;
  return (x < y) - (x > y);
}

static gboolean
is_test_with_label (const EadResultInfo *result, EadLabel label)
{
  return result->split == EAD_SPLIT_TEST && result->label == label;
}

/* The good test images, the highest score first: where good parts respond
 * most, whether or not a threshold flags them. */
static GPtrArray *
find_hottest_good (const Report *r)
{
  GPtrArray *hottest = g_ptr_array_new ();
  for (guint i = 0; i < r->results->len; i++)
    {
      EadResultInfo *result = &g_array_index (r->results, EadResultInfo, i);
      if (is_test_with_label (result, EAD_LABEL_GOOD))
        g_ptr_array_add (hottest, result);
    }
  g_ptr_array_sort (hottest, by_score_descending);
  if (hottest->len > EAD_REPORT_HOTTEST_GOOD)
    g_ptr_array_set_size (hottest, EAD_REPORT_HOTTEST_GOOD);
  return hottest;
}

/* The test results decided against their label, the worst first: good
 * images decided anomalous by falling score, anomalous images decided
 * good by rising score. */
static GPtrArray *
find_mistakes (const Report *r, EadLabel label)
{
  EadDecision wrong = label == EAD_LABEL_GOOD ? EAD_DECISION_ANOMALOUS : EAD_DECISION_GOOD;
  GPtrArray *mistakes = g_ptr_array_new ();
  for (guint i = 0; i < r->results->len; i++)
    {
      EadResultInfo *result = &g_array_index (r->results, EadResultInfo, i);
      if (is_test_with_label (result, label) && result->decision == wrong)
        g_ptr_array_add (mistakes, result);
    }
  g_ptr_array_sort (mistakes, by_score_descending);
  if (label == EAD_LABEL_ANOMALOUS)
    {
      for (guint i = 0; i < mistakes->len / 2; i++)
        {
          gpointer swap = mistakes->pdata[i];
          mistakes->pdata[i] = mistakes->pdata[mistakes->len - 1 - i];
          mistakes->pdata[mistakes->len - 1 - i] = swap;
        }
    }
  if (mistakes->len > EAD_REPORT_MAX_EVIDENCE)
    g_ptr_array_set_size (mistakes, EAD_REPORT_MAX_EVIDENCE);
  return mistakes;
}

/* @results as evidence rows under @title and @intro (or none), from a new
 * page, or @none where there are none. */
static gboolean
section_evidence (Writer *w, const Report *r, GPtrArray *results, const char *title,
                  const char *intro, const char *none, GError **error)
{
  new_page (w);
  heading (w, title, 12);
  if (intro != NULL)
    paragraph (w, intro);
  if (results->len == 0)
    paragraph (w, none);
  for (guint i = 0; i < results->len; i++)
    {
      if (i > 0 && i % EAD_REPORT_EVIDENCE_PER_PAGE == 0)
        {
          new_page (w);
          heading (w, title, 12);
        }
      if (!evidence_row (w, r, results->pdata[i], error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
section_hottest_good (Writer *w, const Report *r, GError **error)
{
  g_autoptr (GPtrArray) hottest = find_hottest_good (r);
  return section_evidence (w, r, hottest, _("Hottest good images"),
                           _("Where good parts respond most. A response along the image's "
                             "edge points to the border (a region of interest leaves it "
                             "out), one only in the global map to a part placed or turned "
                             "unlike the training images, and speckle over the surface to "
                             "too little training."),
                           _("No good test images have been scored."), error);
}

static gboolean
section_mistakes (Writer *w, const Report *r, EadLabel label, GError **error)
{
  g_autoptr (GPtrArray) mistakes = find_mistakes (r, label);
  return section_evidence (w, r, mistakes,
                           label == EAD_LABEL_GOOD ? _("Worst false positives")
                                                   : _("Missed defects"),
                           NULL,
                           r->model.has_threshold ? _("None.")
                                                  : _("No threshold has been chosen yet."),
                           error);
}

/* ---- The document ---- */

static gboolean
draw_report (Writer *w, const Report *r, GError **error)
{
  new_page (w);
  if (!section_model (w, r, error))
    return FALSE;
  section_data (w, r);
  new_page (w);
  section_calibration (w, r);
  section_decision (w, r);
  new_page (w);
  heading (w, _("Curves"), 12);
  curve_plots (w, r);
  score_histogram (w, r);
  section_defect_types (w, r);
  section_operator (w, r);
  new_page (w);
  section_maps (w, r);
  if (!section_hottest_good (w, r, error)
      || !section_mistakes (w, r, EAD_LABEL_GOOD, error)
      || !section_mistakes (w, r, EAD_LABEL_ANOMALOUS, error))
    return FALSE;
  draw_footer (w);
  cairo_show_page (w->cr);
  return TRUE;
}

static cairo_status_t
append_bytes (void *closure, const unsigned char *data, unsigned int length)
{
  g_byte_array_append (closure, data, length);
  return CAIRO_STATUS_SUCCESS;
}

gboolean
ead_report_write (EadProject *project, gint64 model_id, const char *path, GError **error)
{
  g_auto (Report) report = { 0 };
  if (!report_load (&report, project, model_id, error))
    return FALSE;

  g_autoptr (GByteArray) pdf = g_byte_array_new ();
  cairo_surface_t *surface = cairo_pdf_surface_create_for_stream (append_bytes, pdf, PAGE_WIDTH,
                                                                  PAGE_HEIGHT);
  g_autofree char *title = g_strdup_printf (_("Inspection report: model %d"), (int) model_id);
  cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_TITLE, title);
  cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_CREATOR, "efficientad " EAD_VERSION);
  cairo_t *cr = cairo_create (surface);
  g_autofree char *footer = g_canonicalize_filename (ead_project_get_path (project), NULL);
  Writer w = { cr, footer, 0, 0 };
  gboolean drawn = draw_report (&w, &report, error);
  cairo_destroy (cr);
  cairo_surface_finish (surface);
  cairo_status_t status = cairo_surface_status (surface);
  cairo_surface_destroy (surface);
  if (!drawn)
    return FALSE;
  if (status != CAIRO_STATUS_SUCCESS)
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_FAILED, "cannot draw the report: %s",
                   cairo_status_to_string (status));
      return FALSE;
    }

  g_autoptr (GError) local_error = NULL;
  /* CONSISTENT writes a temporary file beside @path and renames it over. */
  if (!g_file_set_contents_full (path, (const char *) pdf->data, pdf->len,
                                 G_FILE_SET_CONTENTS_CONSISTENT, 0666, &local_error))
    {
      g_set_error (error, EAD_ERROR, EAD_ERROR_IO, "cannot write the report: %s",
                   local_error->message);
      return FALSE;
    }
  return TRUE;
}
