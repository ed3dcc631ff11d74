/* test-report.c: efficientad project report, the inspection report as a
 * PDF, on a small project trained two steps with a random teacher, tested
 * and given a threshold: its pages and text (pdftotext) against core's
 * numbers, that it renders (pdftoppm), that the Chinese one says Chinese in
 * an embedded CJK font (pdffonts), and that a destination it cannot write
 * gives one line and leaves nothing. */

#include <math.h>
#include <string.h>

#include "ead-project.h"
#include "ead-report.h"
#include "test-util.h"

static char *scratch;

static void
assert_cli (const char *first, ...)
{
  va_list args;
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_ptr_array_add (argv, (gpointer) g_getenv ("EAD_CLI"));
  va_start (args, first);
  for (const char *arg = first; arg; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);
  g_auto (TestRun) run = test_run_program ((const char *const *) argv->pdata);
  if (run.status != 0)
    g_test_message ("%s", run.err);
  g_assert_cmpint (run.status, ==, 0);
}

/* The tested project with its threshold, made once per run. */
static const char *
tested_project (void)
{
  static char *path;
  if (path)
    return path;
  g_autofree char *dataset = test_make_small_dataset (scratch);
  path = g_build_filename (scratch, "part" EAD_PROJECT_EXTENSION, NULL);
  assert_cli ("project", "create", path, NULL);
  assert_cli ("project", "import", path, dataset, NULL);
  assert_cli ("project", "train", path, "--teacher", "random", "--steps", "2", NULL);
  assert_cli ("project", "test", path, NULL);
  assert_cli ("project", "threshold", path, "--model", "1", "--f1-max", NULL);
  return path;
}

static char *
write_report (const char *name)
{
  char *pdf = g_build_filename (scratch, name, NULL);
  assert_cli ("project", "report", tested_project (), "-o", pdf, NULL);
  return pdf;
}

static char *
pdf_text (const char *pdf)
{
  const char *argv[] = { "pdftotext", pdf, "-", NULL };
  g_auto (TestRun) run = test_run_program (argv);
  g_assert_cmpint (run.status, ==, 0);
  return g_steal_pointer (&run.out);
}

/* pdftotext ends each page with a form feed. */
static guint
count_pages (const char *text)
{
  guint pages = 0;
  for (const char *c = text; *c; c++)
    pages += *c == '\f';
  return pages;
}

static void
assert_contains (const char *text, const char *expected)
{
  if (!strstr (text, expected))
    g_error ("the report lacks '%s'", expected);
}

static guint
evidence_pages (guint n_mistakes)
{
  guint shown = MIN (n_mistakes, EAD_REPORT_MAX_EVIDENCE);
  return MAX (1, (shown + EAD_REPORT_EVIDENCE_PER_PAGE - 1) / EAD_REPORT_EVIDENCE_PER_PAGE);
}

/* Four fixed pages, the hottest good images', then the false positives and
 * the missed defects. */
static guint
expected_pages (EadProject *project)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) results = ead_project_list_results (project, 1, &error);
  g_assert_no_error (error);
  guint good = 0, false_positives = 0, missed = 0;
  for (guint i = 0; i < results->len; i++)
    {
      const EadResultInfo *r = &g_array_index (results, EadResultInfo, i);
      if (r->split != EAD_SPLIT_TEST)
        continue;
      good += r->label == EAD_LABEL_GOOD;
      false_positives += r->label == EAD_LABEL_GOOD && r->decision == EAD_DECISION_ANOMALOUS;
      missed += r->label == EAD_LABEL_ANOMALOUS && r->decision == EAD_DECISION_GOOD;
    }
  return 4 + evidence_pages (MIN (good, EAD_REPORT_HOTTEST_GOOD))
         + evidence_pages (false_positives) + evidence_pages (missed);
}

static char *
number (double value)
{
  return g_strdup_printf ("%.3f", value);
}

/* Each defect type's row of @metrics in @text: its name, image AUROC and
 * AU-PRO. */
static void
assert_type_rows (const char *text, GArray *metrics)
{
  for (guint i = 1; i < metrics->len; i++)
    {
      const EadMetrics *m = &g_array_index (metrics, EadMetrics, i);
      assert_contains (text, m->type);
      const double values[] = { m->image_auroc, m->aupro };
      for (gsize v = 0; v < G_N_ELEMENTS (values); v++)
        if (!isnan (values[v]))
          {
            g_autofree char *value = number (values[v]);
            assert_contains (text, value);
          }
    }
}

static void
test_english (void)
{
  g_autofree char *pdf = write_report ("report.pdf");
  g_autofree char *text = pdf_text (pdf);
  g_autoptr (GError) error = NULL;
  g_autoptr (EadProject) project = ead_project_open (tested_project (), &error);
  g_assert_no_error (error);

  g_assert_cmpuint (count_pages (text), ==, expected_pages (project));
  assert_contains (text, "Inspection report: part");
  assert_contains (text, "Page 1");
  assert_contains (text, "random (not pretrained)");

  g_autoptr (EadCurve) curve = ead_project_get_curve (project, 1, NULL, &error);
  g_assert_no_error (error);
  g_autofree char *auroc = number (ead_curve_auroc (curve));
  g_autofree char *ap = number (ead_curve_average_precision (curve));
  g_autofree char *roc_title = g_strdup_printf ("ROC (AUROC %s)", auroc);
  g_autofree char *pr_title = g_strdup_printf ("(AP %s)", ap);
  assert_contains (text, roc_title);
  assert_contains (text, pr_title);

  EadConfusion c;
  g_assert_true (ead_project_count_decisions (project, 1, &c, &error));
  g_autofree char *f1 = number (ead_confusion_f1 (&c));
  g_autofree char *recall = number (ead_confusion_recall (&c));
  g_autofree char *flagged = g_strdup_printf ("%u of %u test images",
                                              (guint) ead_confusion_flagged (&c),
                                              (guint) (c.true_positives + c.false_positives
                                                       + c.true_negatives + c.false_negatives));
  assert_contains (text, f1);
  assert_contains (text, recall);
  assert_contains (text, flagged);

  EadModelInfo model;
  g_assert_true (ead_project_get_model (project, 1, &model, &error));
  g_autofree char *threshold = g_strdup_printf ("%.5g, the best F1 on the test results",
                                                model.threshold);
  assert_contains (text, threshold);
  assert_contains (text, "the maximum of 0.5 × local + 0.5 × global");
  ead_model_info_clear (&model);

  /* Every defect type's row, with its image AUROC and AU-PRO. */
  g_autoptr (GArray) metrics = ead_project_get_test_metrics (project, 1, EAD_MAP_FUSED, NULL,
                                                             &error);
  g_assert_cmpuint (metrics->len, >, 1);
  assert_type_rows (text, metrics);

  /* Each map alone, on a page of its own: every map's image AUROC over
   * all images and per defect type. */
  const char *maps_start = strstr (text, "Each map alone");
  const char *maps_end = strstr (text, "Hottest good images");
  g_assert_nonnull (maps_start);
  g_assert_true (maps_end > maps_start);
  g_autofree char *maps = g_strndup (maps_start, maps_end - maps_start);
  assert_contains (maps, "Local (student–teacher)");
  assert_contains (maps, "Global (student–autoencoder)");
  for (EadMapKind map = EAD_MAP_LOCAL; map <= EAD_MAP_FUSED; map++)
    {
      g_autoptr (GArray) alone = ead_project_get_test_metrics (project, 1, map, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (alone->len, ==, metrics->len);
      assert_type_rows (maps, alone);
    }

  /* The good test images that score highest, each with its maps, before
   * the false positives. */
  const char *hottest = strstr (text, "Hottest good images");
  g_assert_nonnull (hottest);
  g_autoptr (GArray) results = ead_project_list_results (project, 1, &error);
  g_assert_no_error (error);
  const EadResultInfo *top = NULL;
  for (guint i = 0; i < results->len; i++)
    {
      const EadResultInfo *r = &g_array_index (results, EadResultInfo, i);
      if (r->split == EAD_SPLIT_TEST && r->label == EAD_LABEL_GOOD
          && (top == NULL || r->score > top->score))
        top = r;
    }
  g_assert_nonnull (top);
  g_autofree char *top_caption = g_strdup_printf ("%s — score %.6g", top->file_name, top->score);
  const char *shown = strstr (hottest, top_caption);
  g_assert_nonnull (shown);
  g_assert_true (shown < strstr (hottest, "Worst false positives"));

  /* It renders without a complaint. */
  g_autofree char *prefix = g_build_filename (scratch, "page", NULL);
  const char *render[] = { "pdftoppm", "-r", "20", "-png", pdf, prefix, NULL };
  g_auto (TestRun) rendered = test_run_program (render);
  g_assert_cmpint (rendered.status, ==, 0);
  g_assert_cmpstr (rendered.err, ==, "");
  g_autofree char *first = g_strconcat (prefix, "-1.png", NULL);
  g_assert_true (g_file_test (first, G_FILE_TEST_EXISTS));
}

static void
test_chinese (void)
{
  g_setenv ("LANGUAGE", "zh_CN", TRUE);
  g_setenv ("LC_ALL", "C.UTF-8", TRUE);
  g_autofree char *pdf = write_report ("report-zh_CN.pdf");
  g_unsetenv ("LANGUAGE");
  g_autofree char *text = pdf_text (pdf);
  assert_contains (text, "检测报告");
  assert_contains (text, "判定");
  assert_contains (text, "漏检的缺陷");
  assert_contains (text, "小（EfficientAD-S）");
  /* The maps' names come from core's project library, translated too. */
  assert_contains (text, "局部（学生–教师）");

  const char *argv[] = { "pdffonts", pdf, NULL };
  g_auto (TestRun) fonts = test_run_program (argv);
  g_assert_cmpint (fonts.status, ==, 0);
  gboolean embedded_cjk = FALSE;
  g_auto (GStrv) lines = g_strsplit (fonts.out, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    {
      g_auto (GStrv) columns = g_strsplit_set (g_strstrip (lines[i]), " ", -1);
      g_autoptr (GPtrArray) words = g_ptr_array_new ();
      for (guint j = 0; columns[j]; j++)
        if (*columns[j])
          g_ptr_array_add (words, columns[j]);
      /* name type... encoding emb sub uni object ID */
      if (strstr (lines[i], "CJK") && words->len > 5
          && g_str_equal (words->pdata[words->len - 5], "yes"))
        embedded_cjk = TRUE;
    }
  if (!embedded_cjk)
    g_error ("no embedded CJK font in:\n%s", fonts.out);
}

/* A copy of the tested project, named @name, to change. */
static char *
copy_tested_project (const char *name)
{
  char *copy = g_build_filename (scratch, name, NULL);
  g_autoptr (GFile) source = g_file_new_for_path (tested_project ());
  g_autoptr (GFile) target = g_file_new_for_path (copy);
  g_autoptr (GError) error = NULL;
  g_file_copy (source, target, G_FILE_COPY_NONE, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  return copy;
}

/* A model recalibrated has no results and no threshold: its report says so
 * on the four fixed pages and one empty page of hottest good images and of
 * each kind of mistake. */
static void
test_no_threshold (void)
{
  g_autofree char *copy = copy_tested_project ("recalibrated" EAD_PROJECT_EXTENSION);
  g_autofree char *pdf = g_build_filename (scratch, "recalibrated.pdf", NULL);
  assert_cli ("project", "calibrate", copy, NULL);
  assert_cli ("project", "report", copy, "-o", pdf, NULL);
  g_autofree char *text = pdf_text (pdf);
  g_assert_cmpuint (count_pages (text), ==, 7);
  assert_contains (text, "No good test images have been scored.");
  assert_contains (text, "none chosen yet");
  assert_contains (text, "No threshold has been chosen yet.");
}

/* Tables longer than a page: each anomalous test image gets a defect type
 * of its own with a long description (wrapped over many lines) and the
 * model is tested again. Every page with a row of defect types carries the
 * head of its table, and every page of the table of each map alone names
 * the map of its rows. */
static void
test_long_tables (void)
{
  g_autofree char *copy = copy_tested_project ("long" EAD_PROJECT_EXTENSION);
  g_autofree char *pdf = g_build_filename (scratch, "long.pdf", NULL);
  g_autoptr (GError) error = NULL;
  {
    g_autoptr (EadProject) project = ead_project_open (copy, &error);
    g_assert_no_error (error);
    g_autoptr (GArray) images = ead_project_list_images (project, &error);
    g_assert_no_error (error);
    guint n_types = 0;
    for (guint i = 0; i < images->len; i++)
      {
        const EadImageInfo *image = &g_array_index (images, EadImageInfo, i);
        if (image->label != EAD_LABEL_ANOMALOUS)
          continue;
        g_autoptr (GString) type = g_string_new (NULL);
        g_string_printf (type, "kind%u", n_types);
        /* The first runs over half a page; the others share pages. */
        for (guint word = 0; word < (n_types == 0 ? 40 : 6); word++)
          g_string_append (type, " thin scratch");
        n_types++;
        ead_project_set_defect_type (project, &image->id, 1, type->str, &error);
        g_assert_no_error (error);
      }
    g_assert_cmpuint (n_types, >=, 3);
  }
  assert_cli ("project", "test", copy, NULL);
  assert_cli ("project", "report", copy, "-o", pdf, NULL);
  g_autofree char *text = pdf_text (pdf);

  /* The tables come before the evidence, whose captions name the types
   * too. */
  g_auto (GStrv) pages = g_strsplit (text, "\f", -1);
  guint with_types = 0, with_maps = 0;
  gboolean in_maps = FALSE;
  for (guint i = 0; pages[i] && !strstr (pages[i], "Hottest good images"); i++)
    {
      in_maps |= strstr (pages[i], "Each map alone") != NULL;
      if (!strstr (pages[i], "scratch"))
        continue;
      with_types++;
      if (!strstr (pages[i], "Defect type"))
        g_error ("page %u has defect types without the head of their table:\n%s", i + 1,
                 pages[i]);
      if (!in_maps)
        continue;
      with_maps++;
      /* Named once on a page: at the top, or where its rows begin. */
      guint named = 0;
      for (EadMapKind map = EAD_MAP_LOCAL; map <= EAD_MAP_FUSED; map++)
        {
          const char *name = ead_map_kind_get_name (map);
          const char *at = strstr (pages[i], name);
          named += at != NULL;
          if (at && strstr (at + 1, name))
            g_error ("page %u of each map alone names %s twice:\n%s", i + 1, name, pages[i]);
        }
      if (named == 0)
        g_error ("page %u of each map alone names no map:\n%s", i + 1, pages[i]);
    }
  /* The data, the defect types and each map alone each run onto more
   * pages than one. */
  g_test_message ("%u pages with defect types, %u of each map alone", with_types, with_maps);
  g_assert_cmpuint (with_maps, >=, 3);
  g_assert_cmpuint (with_types, >=, with_maps + 2);
}

static void
test_unwritable (void)
{
  /* A folder where the file should be: the rename fails. */
  g_autofree char *folder = g_build_filename (scratch, "unwritable", NULL);
  g_autofree char *target = g_build_filename (folder, "taken.pdf", NULL);
  g_assert_cmpint (g_mkdir_with_parents (target, 0755), ==, 0);
  const char *argv[] = { g_getenv ("EAD_CLI"), "project", "report", tested_project (), "-o",
                         target, NULL };
  g_auto (TestRun) run = test_run_program (argv);
  g_assert_cmpint (run.status, !=, 0);
  g_assert_true (g_str_has_prefix (run.err, "efficientad: "));
  g_assert_nonnull (strstr (run.err, "cannot write the report"));
  g_assert_cmpint (strchr (run.err, '\n') - run.err, ==, strlen (run.err) - 1);
  /* Nothing beside the folder it was refused. */
  g_autoptr (GDir) dir = g_dir_open (folder, 0, NULL);
  g_assert_cmpstr (g_dir_read_name (dir), ==, "taken.pdf");
  g_assert_null (g_dir_read_name (dir));
  g_assert_true (g_file_test (target, G_FILE_TEST_IS_DIR));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_autoptr (GError) error = NULL;
  scratch = g_dir_make_tmp ("test-report-XXXXXX", &error);
  g_assert_no_error (error);
  g_test_add_func ("/report/english", test_english);
  g_test_add_func ("/report/chinese", test_chinese);
  g_test_add_func ("/report/no-threshold", test_no_threshold);
  g_test_add_func ("/report/long-tables", test_long_tables);
  g_test_add_func ("/report/unwritable", test_unwritable);
  int status = g_test_run ();
  test_remove_tree (scratch);
  g_free (scratch);
  return status;
}
