/* ead-progress-relay.h: a worker thread's progress, carried to the main
 * thread. The worker posts its newest counts as often as it likes; the main
 * context sees the newest of them, at most one report queued at a time and
 * at most about thirty a second, so a fast worker cannot flood the main
 * loop. Training has its own batching (it shows every step's losses). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _EadProgressRelay EadProgressRelay;

/* Runs in the relay's main context with the newest counts posted. */
typedef void (*EadProgressReport) (guint phase, guint done, guint total, gpointer user_data);

/* A relay to the calling thread's default main context. @user_data must
 * live until ead_progress_relay_stop(). */
EadProgressRelay *ead_progress_relay_new (EadProgressReport report, gpointer user_data);
EadProgressRelay *ead_progress_relay_ref (EadProgressRelay *relay);
void ead_progress_relay_unref (EadProgressRelay *relay);

/* Any thread: @phase is the caller's own (a step of its job), @done of
 * @total its progress in that phase. */
void ead_progress_relay_post (EadProgressRelay *relay, guint phase, guint done, guint total);

/* In the main context, when the job is over: no report runs after it,
 * even one already queued. */
void ead_progress_relay_stop (EadProgressRelay *relay);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EadProgressRelay, ead_progress_relay_unref)

G_END_DECLS
