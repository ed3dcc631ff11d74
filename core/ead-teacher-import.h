/* ead-teacher-import.h: pretrained PDN teachers from other implementations.
 *
 * Reads a teacher's weights from
 *  - a torch.save zip archive of a state_dict (PyTorch 1.6 and later), as the
 *    reference re-implementation ships them (teacher_small.pth: nn.Sequential
 *    names "0.weight", "0.bias", "3.weight", ...) and as anomalib ships them
 *    (pretrained_teacher_small.pth: its module's names "conv1.weight", ...);
 *  - a safetensors file with either naming.
 * Names may carry a "teacher." or "model.teacher." prefix (a whole model's
 * state_dict), in which case only the tensors under it are read. Every name
 * and shape must be exactly those of a PDN-S or PDN-M teacher, and every value
 * finite; the pickle inside a .pth is read by ead-pickle, which executes
 * nothing.
 *
 * The result is a safetensors file of float32 tensors named
 * "teacher.<i>.weight" / "teacher.<i>.bias" (<i> the reference's
 * nn.Sequential index), which ead_model_load_teacher() reads, with metadata
 * "format" = "efficientad-teacher", "model_size" ("small" or "medium"),
 * "source" (the file's base name), "source_format" and "source_sha256". */
#pragma once

#include <glib.h>

#include "ead-safetensors.h"
#include "ead-types.h"

G_BEGIN_DECLS

#define EAD_TEACHER_FORMAT "efficientad-teacher"

typedef struct {
  EadModelSize size;
  const char *source_format;   /* e.g. "PyTorch state_dict, anomalib names" */
  guint n_tensors;
  gsize n_parameters;
} EadTeacherImportInfo;

/* Imports the teacher in @bytes (the contents of a file shown as
 * @display_name in messages and metadata). @size: the expected size, or NULL
 * to detect it from the names. Errors: EAD_ERROR_BAD_FILE for a malformed or
 * hostile file, EAD_ERROR_INCOMPATIBLE for a well-formed file that is not a
 * PDN teacher (of @size). */
EadSafetensorsWriter *ead_teacher_import (GBytes *bytes, const char *display_name,
                                          const EadModelSize *size,
                                          EadTeacherImportInfo *info, GError **error);

/* Reads @path, imports it and writes @output atomically. */
gboolean ead_teacher_import_file (const char *path, const char *output,
                                  const EadModelSize *size,
                                  EadTeacherImportInfo *info, GError **error);

G_END_DECLS
