/* ead-line-job.h: the Line view's worker: files queue as they arrive and
 * one worker thread scores them in order, decides, files them away and
 * hands the results to the main thread.
 *
 * It follows the session's convention (ead-session.h): a GTask whose
 * source is the session, a connection of its own (to load the model), a
 * cancellable and a progress relay, which tells the main thread that
 * results are waiting; the main thread takes them all, so none is lost
 * however the relay coalesces. */
#pragma once

#include "ead-line-stats.h"
#include "ead-score.h"
#include "ead-session.h"

G_BEGIN_DECLS

typedef enum {
  EAD_LINE_LEAVE,   /* images stay where they arrived */
  EAD_LINE_MOVE,    /* into pass/, fail/ and recheck/ */
  EAD_LINE_COPY,
} EadLineFiling;

typedef struct {
  gint64 model_id;
  EadPrecision precision;
  double recheck;            /* the second threshold, NaN for none */
  EadLineFiling filing;
  gboolean save_reject_maps; /* each failed image's fused map into maps/ */
  gboolean keep_in_project;  /* each scored image into the project's line split */
  char *folder;              /* watched; pass/, fail/, recheck/, maps/ go in it */
} EadLineSettings;

/* One file's outcome. */
typedef struct {
  char *path;            /* where it arrived */
  gint64 kept_image;     /* its image in the project's line split, 0 when not kept */
  GError *error;         /* why it could not be scored (outcome ERROR), kept or filed */
  EadLineOutcome outcome;
  double score;
  double threshold;      /* the model's */
  double latency_ms;     /* from its arrival to its decision */
  gint64 done_us;        /* monotonic */
  EadImage *image;       /* NULL when it could not be read */
  EadScoreResult maps;   /* local, global and fused at the image's size */
  double map_high;       /* the top of the maps' colour range (ead_heatmap_high()) */
  EadImage *overlay;     /* the fused map over the image */
} EadLineResult;

void ead_line_result_free (EadLineResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EadLineResult, ead_line_result_free)

typedef struct _EadLineJob EadLineJob;

/* Main thread: results are waiting (take them with ead_line_job_pop()). */
typedef void (*EadLineResultsReady) (gpointer user_data);
/* Main thread: the job ended by itself, with @error (its model could not
 * be loaded); never after ead_line_job_stop(). */
typedef void (*EadLineJobFailed) (const GError *error, gpointer user_data);

/* Starts the worker for the session's open project; @user_data must live
 * until ead_line_job_stop(). */
EadLineJob *ead_line_job_start (EadSession *session, const EadLineSettings *settings,
                                EadLineResultsReady ready, EadLineJobFailed failed,
                                gpointer user_data);

/* Main thread: queues the file at @path, arrived now. */
void ead_line_job_push (EadLineJob *job, const char *path);

/* Main thread: the oldest result not taken yet, NULL when none waits. */
EadLineResult *ead_line_job_pop (EadLineJob *job);

/* Files queued and not yet taken to be scored: the one being scored is
 * not waiting. */
guint ead_line_job_get_waiting (EadLineJob *job);

/* While paused, files queue but none is scored. */
void ead_line_job_set_paused (EadLineJob *job, gboolean paused);

/* Ends the job: the file being scored is finished in the worker, but no
 * callback runs any more and the results not taken are dropped. Frees the
 * caller's hold on @job. */
void ead_line_job_stop (EadLineJob *job);

G_END_DECLS
