/* ead-pickle.h: a strict reader for the pickle of a PyTorch state_dict.
 *
 * torch.save(model.state_dict()) pickles an OrderedDict of tensor names to
 * tensors; each tensor is a call of torch._utils._rebuild_tensor_v2 on a
 * storage that the pickle only names through a persistent id (its bytes are
 * a separate entry of the archive). Loading a pickle in Python can run
 * arbitrary code, so this reader is no unpickler: it interprets only the
 * opcodes such a file uses (protocols 2 to 4), calls nothing, and accepts
 * exactly these globals:
 *
 *   collections.OrderedDict                  the dict and the empty hook dicts
 *   torch._utils._rebuild_tensor_v2          a tensor view of a storage
 *   torch._utils._rebuild_parameter          a Parameter (keep_vars=True)
 *   torch.FloatStorage, torch.HalfStorage, torch.BFloat16Storage
 *                                            storage types in persistent ids
 *
 * Anything else (another global such as os.system, an unknown opcode, a
 * malformed argument, trailing bytes, a storage key longer than 64 bytes) is
 * refused with a one-line error. */
#pragma once

#include <glib.h>

#include "ead-safetensors.h"

G_BEGIN_DECLS

/* One tensor of the state_dict: a strided view of a storage. The view is
 * checked to lie inside the storage's declared element count. */
typedef struct {
  char *name;
  EadDtype dtype;          /* F32, F16 or BF16 */
  char *storage_key;       /* the archive entry "data/<key>" holds its bytes */
  gint64 storage_numel;    /* elements the storage declares */
  gint64 offset;           /* of the first element, in elements */
  int n_dims;
  gint64 shape[EAD_TENSOR_MAX_DIMS];
  gint64 stride[EAD_TENSOR_MAX_DIMS];   /* in elements */
} EadPickleTensor;

void ead_pickle_tensor_free (EadPickleTensor *tensor);

/* Reads the pickle @data of a state_dict: a dict (or OrderedDict) of unique
 * string keys to tensors, in file order. Errors: EAD_ERROR_BAD_FILE, with the
 * byte offset of the offending opcode. Returns an array of EadPickleTensor. */
GPtrArray *ead_pickle_read_state_dict (const guint8 *data, gsize size, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EadPickleTensor, ead_pickle_tensor_free)

G_END_DECLS
