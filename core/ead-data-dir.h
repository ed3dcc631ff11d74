/* ead-data-dir.h: the data files that come with the program: the shipped
 * teachers, the natural images for the penalty term and the ImageNet class
 * table.
 *
 * They are looked for beside the running executable first, so that a build
 * tree (which copies them to BUILD/data) and a relocated installation
 * (PREFIX/bin next to PREFIX/share/efficientad) work without configuration,
 * then in the data directory the build was configured for. $EAD_DATA_DIR,
 * when set, comes before all of them (programs in deeper build folders, such
 * as the GUI tests, use it). */
#pragma once

#include <glib.h>

#include "ead-types.h"

G_BEGIN_DECLS

/* The path of the data file @relative ("teachers/pdn_small.safetensors"),
 * or NULL when it is in none of the places. */
char *ead_data_find (const char *relative);

/* The shipped teacher for @size; an EAD_ERROR_INVALID_ARG saying where it
 * was looked for, and that --teacher chooses one, when there is none. */
char *ead_data_find_teacher (EadModelSize size, GError **error);

/* The folder of shipped natural images for training's penalty term, on
 * asking (data/penalty/COPYRIGHT says whose they are); an
 * EAD_ERROR_INVALID_ARG like ead_data_find_teacher()'s when there is none. */
char *ead_data_find_penalty_images (GError **error);

G_END_DECLS
