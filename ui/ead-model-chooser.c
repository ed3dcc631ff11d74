/* ead-model-chooser.c: the drop-down of a project's models, shared by the
 * views that show one model at a time. */

#include "ead-model-chooser.h"

#include <glib/gi18n.h>

struct _EadModelChooser {
  GtkWidget parent_instance;

  GtkDropDown *drop_down;
  GtkStringList *names;
  GArray *ids;            /* gint64, as the drop-down lists them */
  gint64 model_id;        /* the model chosen, 0 for none */
  gint64 newest_offered;  /* the newest model offered since forgotten */
  gboolean follows_newest;
  /* While the drop-down is refilled or chosen from by the view, its
   * changes are not the user's. */
  gboolean refilling;
};

G_DEFINE_FINAL_TYPE (EadModelChooser, ead_model_chooser, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_FOLLOWS_NEWEST,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  MODEL_CHOSEN,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
selected_changed (EadModelChooser *self)
{
  guint position = gtk_drop_down_get_selected (self->drop_down);

  if (self->refilling || position >= self->ids->len
      || g_array_index (self->ids, gint64, position) == self->model_id)
    return;
  self->model_id = g_array_index (self->ids, gint64, position);
  g_signal_emit (self, signals[MODEL_CHOSEN], 0);
}

/* Where the model to choose among @ids sits: the newest when it is newer
 * than any before and followed, else the one chosen, else the newest. */
static guint
position_to_choose (EadModelChooser *self, const gint64 *ids, guint n_models)
{
  guint newest = n_models - 1;

  if (self->follows_newest && ids[newest] > self->newest_offered)
    return newest;
  for (guint i = 0; i < n_models; i++)
    if (ids[i] == self->model_id)
      return i;
  return newest;
}

static char *
model_name (gint64 id, const gint64 *run_ids, guint i)
{
  if (run_ids != NULL)
    /* Translators: a model in the chooser, and the run it came from. */
    return g_strdup_printf (_("Model %lld (run %lld)"), (long long) id, (long long) run_ids[i]);
  /* Translators: a model in the Review and Export views, by its number. */
  return g_strdup_printf (_("Model %lld"), (long long) id);
}

void
ead_model_chooser_set_models (EadModelChooser *self, const gint64 *ids, const gint64 *run_ids,
                              guint n_models)
{
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  guint position = GTK_INVALID_LIST_POSITION;

  g_return_if_fail (EAD_IS_MODEL_CHOOSER (self));
  g_return_if_fail (n_models == 0 || ids != NULL);

  for (guint i = 0; i < n_models; i++)
    g_ptr_array_add (names, model_name (ids[i], run_ids, i));
  g_ptr_array_add (names, NULL);
  if (n_models > 0)
    {
      position = position_to_choose (self, ids, n_models);
      self->newest_offered = MAX (self->newest_offered, ids[n_models - 1]);
    }
  g_array_set_size (self->ids, 0);
  g_array_append_vals (self->ids, ids, n_models);
  self->model_id = n_models > 0 ? ids[position] : 0;

  self->refilling = TRUE;
  gtk_string_list_splice (self->names, 0, g_list_model_get_n_items (G_LIST_MODEL (self->names)),
                          (const char *const *) names->pdata);
  gtk_drop_down_set_selected (self->drop_down, position);
  self->refilling = FALSE;
}

void
ead_model_chooser_forget (EadModelChooser *self)
{
  g_return_if_fail (EAD_IS_MODEL_CHOOSER (self));

  ead_model_chooser_set_models (self, NULL, NULL, 0);
  self->newest_offered = 0;
}

gboolean
ead_model_chooser_choose (EadModelChooser *self, gint64 model_id)
{
  guint position;

  g_return_val_if_fail (EAD_IS_MODEL_CHOOSER (self), FALSE);

  for (position = 0; position < self->ids->len; position++)
    if (g_array_index (self->ids, gint64, position) == model_id)
      break;
  if (position == self->ids->len)
    return FALSE;
  self->model_id = model_id;
  self->refilling = TRUE;
  gtk_drop_down_set_selected (self->drop_down, position);
  self->refilling = FALSE;
  return TRUE;
}

gint64
ead_model_chooser_get_model (EadModelChooser *self)
{
  g_return_val_if_fail (EAD_IS_MODEL_CHOOSER (self), 0);

  return self->model_id;
}

void
ead_model_chooser_set_follows_newest (EadModelChooser *self, gboolean follows_newest)
{
  g_return_if_fail (EAD_IS_MODEL_CHOOSER (self));

  follows_newest = !!follows_newest;
  if (self->follows_newest == follows_newest)
    return;
  self->follows_newest = follows_newest;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FOLLOWS_NEWEST]);
}

gboolean
ead_model_chooser_get_follows_newest (EadModelChooser *self)
{
  g_return_val_if_fail (EAD_IS_MODEL_CHOOSER (self), FALSE);

  return self->follows_newest;
}

static void
ead_model_chooser_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  EadModelChooser *self = EAD_MODEL_CHOOSER (object);

  switch (prop_id)
    {
    case PROP_FOLLOWS_NEWEST:
      g_value_set_boolean (value, self->follows_newest);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ead_model_chooser_set_property (GObject *object, guint prop_id, const GValue *value,
                                GParamSpec *pspec)
{
  EadModelChooser *self = EAD_MODEL_CHOOSER (object);

  switch (prop_id)
    {
    case PROP_FOLLOWS_NEWEST:
      ead_model_chooser_set_follows_newest (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ead_model_chooser_dispose (GObject *object)
{
  EadModelChooser *self = EAD_MODEL_CHOOSER (object);

  if (self->drop_down != NULL)
    gtk_widget_unparent (GTK_WIDGET (self->drop_down));
  self->drop_down = NULL;

  G_OBJECT_CLASS (ead_model_chooser_parent_class)->dispose (object);
}

static void
ead_model_chooser_finalize (GObject *object)
{
  EadModelChooser *self = EAD_MODEL_CHOOSER (object);

  g_array_unref (self->ids);
  g_object_unref (self->names);

  G_OBJECT_CLASS (ead_model_chooser_parent_class)->finalize (object);
}

static void
ead_model_chooser_class_init (EadModelChooserClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = ead_model_chooser_get_property;
  object_class->set_property = ead_model_chooser_set_property;
  object_class->dispose = ead_model_chooser_dispose;
  object_class->finalize = ead_model_chooser_finalize;

  properties[PROP_FOLLOWS_NEWEST] =
    g_param_spec_boolean ("follows-newest", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* The user chose another model; ead_model_chooser_get_model() says which. */
  signals[MODEL_CHOSEN] = g_signal_new ("model-chosen", G_TYPE_FROM_CLASS (klass),
                                        G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_css_name (widget_class, "modelchooser");
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
ead_model_chooser_init (EadModelChooser *self)
{
  self->ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  self->names = gtk_string_list_new (NULL);
  self->drop_down = GTK_DROP_DOWN (gtk_drop_down_new (G_LIST_MODEL (g_object_ref (self->names)),
                                                      NULL));
  gtk_widget_set_parent (GTK_WIDGET (self->drop_down), GTK_WIDGET (self));
  g_signal_connect_swapped (self->drop_down, "notify::selected", G_CALLBACK (selected_changed),
                            self);
}

GtkWidget *
ead_model_chooser_new (void)
{
  return g_object_new (EAD_TYPE_MODEL_CHOOSER, NULL);
}
