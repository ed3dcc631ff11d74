/* cli.h: what the efficientad subcommands share. */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include <stdio.h>

#include "ead-eval.h"
#include "ead-model.h"
#include "ead-train.h"

G_BEGIN_DECLS

int cmd_train (int argc, char **argv);
int cmd_eval (int argc, char **argv);
int cmd_infer (int argc, char **argv);
int cmd_bench (int argc, char **argv);
int cmd_backbone (int argc, char **argv);
int cmd_teacher (int argc, char **argv);
int cmd_distill (int argc, char **argv);
int cmd_project (int argc, char **argv);
int cmd_export (int argc, char **argv);

/* A table of subcommands: efficientad's own, and those of project and
 * teacher. */
typedef struct {
  const char *name;
  int (*run) (int argc, char **argv);
  const char *summary;
} CliCommand;

typedef struct {
  const char *usage;         /* "efficientad project COMMAND FILE [OPTIONS...]" */
  const char *description;   /* a paragraph, or NULL */
  const char *prefix;        /* "efficientad project", for the help hint */
  const CliCommand *commands;
  gsize n_commands;
} CliCommandSet;

/* Runs the command named by argv[1] with the arguments after it; prints the
 * usage for --help (status 0) and for a missing or unknown command (2). */
int cli_run_command (const CliCommandSet *set, int argc, char **argv);

/* How long to train: --steps or --minutes, and the validation loss with
 * early stopping (--validate-every, --patience). */
typedef struct {
  int steps;             /* G_MININT: the device's default */
  double minutes;
  int validate_every;
  int patience;
} CliSchedule;

/* Sets the defaults and adds the options. */
void cli_add_schedule_options (GOptionContext *context, CliSchedule *schedule);
gboolean cli_schedule_given (const CliSchedule *schedule);
gboolean cli_apply_schedule (const CliSchedule *schedule, EadDevice device,
                             EadTrainParams *params, GError **error);

/* The metrics of an evaluation: overall, ms_per_image and per_type. */
void cli_json_add_evaluation (JsonBuilder *builder, const EadEvaluation *evaluation);
void cli_print_metrics_table (const EadEvaluation *evaluation);
/* One set of metrics: as JSON members, and as a row under the header. */
void cli_json_add_metrics (JsonBuilder *builder, const EadMetrics *metrics);
void cli_print_metrics_header (void);
void cli_print_metrics_row (const EadMetrics *metrics);

/* Prints "efficientad: MESSAGE" on one line and returns the exit status 1. */
int cli_fail (const GError *error);
int cli_fail_message (const char *format, ...) G_GNUC_PRINTF (1, 2);

/* Parses a subcommand's options; a usage error becomes @error. */
gboolean cli_parse (GOptionContext *context, int *argc, char ***argv, GError **error);

/* --precision and --threads, shared by the commands that run the networks. */
typedef struct {
  char *precision;
  int threads;
} CliEngineOptions;

void cli_add_engine_options (GOptionContext *context, CliEngineOptions *options);
/* Parses --precision and applies --threads. */
gboolean cli_apply_engine_options (const CliEngineOptions *options, EadPrecision *precision,
                                   GError **error);
/* The same for a command that trains on @device: without --precision, the
 * engine's training default (ead_train_default_precision()). */
gboolean cli_apply_training_engine_options (const CliEngineOptions *options, EadDevice device,
                                            EadPrecision *precision, GError **error);
void cli_engine_options_clear (CliEngineOptions *options);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CliEngineOptions, cli_engine_options_clear)
gboolean cli_parse_device (const char *text, EadDevice *device, GError **error);

/* The teacher file that --teacher @option names: NULL in @path for "random",
 * the shipped teacher for @size when the option is absent. */
gboolean cli_choose_teacher (const char *option, EadModelSize size, char **path, GError **error);

/* The folder of natural images that --penalty-images @option names: the
 * shipped photos for "shipped", NULL in @path for "none" or no option (the
 * penalty brought no gain on bottle or the hard-defects set: see
 * docs/benchmarks.md). Says nothing: the commands name it once the run's
 * parameters hold. */
gboolean cli_choose_penalty_images (const char *option, char **path, GError **error);

/* --tiles, as both train commands describe it. */
#define CLI_TILES_HELP \
  "Cut each image into N x N overlapping tiles of the input size, for small defects on " \
  "large images (default 1: the whole image)"

/* --penalty-images, as both train commands describe it. */
#define CLI_PENALTY_IMAGES_HELP \
  "Natural images for the penalty term: a folder, or 'shipped' for the photos that " \
  "come with the program (default: none)"

/* The region of interest that --rect X,Y,W,H options (@texts) draw on
 * images of @width x @height pixels. */
EadRoi *cli_roi_from_rects (char **texts, int width, int height, GError **error);

/* Adds a number, or null when it is not finite (NaN metrics). */
void cli_json_add_number (JsonBuilder *builder, const char *name, double value);
/* Serialises compactly (one line) or pretty. */
char *cli_json_to_string (JsonBuilder *builder, gboolean pretty);

/* A progress line on a terminal, redrawn in place; elsewhere a line per
 * tenth of the work. */
typedef struct {
  gboolean is_tty;
  int last_decile;
  gint64 start;
  int first_done;   /* -1 before the first update: a resumed run starts late */
} CliProgress;

void cli_progress_init (CliProgress *progress);
void cli_progress_update (CliProgress *progress, int done, int total, const char *detail);
/* Units done per minute since the first update. */
double cli_progress_per_minute (const CliProgress *progress, int done);
void cli_progress_finish (CliProgress *progress);

/* What both train commands print as a run goes: each phase's name, a
 * progress line of steps with their speed, losses and latest validation
 * loss, and on lines of their own the step count a time budget chose and
 * an early stop. */
typedef struct {
  CliProgress progress;
  int phase;             /* -1 before the first report */
  double validation;     /* NAN before the first */
  gboolean budget_shown;
} CliTrainReport;

void cli_train_report_init (CliTrainReport *report);
void cli_train_report_update (CliTrainReport *report, const EadTrainProgress *p);
void cli_train_report_finish (CliTrainReport *report);

/* Long work that Ctrl-C or SIGTERM stops within moments, whatever phase it
 * is in: @work runs in a worker thread, and the main thread cancels its
 * cancellable on either signal. Returns what @work returned. */
typedef gboolean (*CliWork) (gpointer data, GCancellable *cancellable, GError **error);
gboolean cli_run_interruptible (CliWork work, gpointer data, GError **error);
/* The same for work already running elsewhere: runs @loop until the work
 * quits it, cancelling @cancellable on Ctrl-C or SIGTERM. */
void cli_run_loop_interruptible (GMainLoop *loop, GCancellable *cancellable);

G_END_DECLS
