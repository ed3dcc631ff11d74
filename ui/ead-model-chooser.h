/* ead-model-chooser.h: the drop-down of a project's models that the
 * Calibration, Review and Export views share. A widget wrapping a
 * GtkDropDown: its view refills it with the models it offers whenever the
 * project changes, may choose one itself (another view's), reads the model
 * chosen, and hears "model-chosen" only when the user picks one, never for
 * a refill or its own choice. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define EAD_TYPE_MODEL_CHOOSER (ead_model_chooser_get_type ())
G_DECLARE_FINAL_TYPE (EadModelChooser, ead_model_chooser, EAD, MODEL_CHOOSER, GtkWidget)

GtkWidget *ead_model_chooser_new (void);

/* Offers the models @ids, oldest first, named by their number, or by their
 * number and the run each came from when @run_ids is not NULL. The model
 * chosen stays chosen while it is offered; otherwise the newest (the last)
 * is. With follows-newest set, a model newer than any offered before is
 * chosen instead (a run just finished). No offer leaves nothing chosen. */
void ead_model_chooser_set_models (EadModelChooser *self, const gint64 *ids,
                                   const gint64 *run_ids, guint n_models);

/* Offers nothing and forgets the choice and the models offered before, as
 * for another project, whose model numbers mean other models. */
void ead_model_chooser_forget (EadModelChooser *self);

/* Chooses the model @model_id when it is offered, as the user would but
 * without "model-chosen"; returns whether it is offered. */
gboolean ead_model_chooser_choose (EadModelChooser *self, gint64 model_id);

/* The model chosen, 0 for none. */
gint64 ead_model_chooser_get_model (EadModelChooser *self);

/* Whether a newer model than any offered before is chosen when it comes;
 * FALSE by default. */
void ead_model_chooser_set_follows_newest (EadModelChooser *self, gboolean follows_newest);
gboolean ead_model_chooser_get_follows_newest (EadModelChooser *self);

G_END_DECLS
