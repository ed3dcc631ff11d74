/* ead-pickle.c: a strict interpreter for the pickle of a state_dict.
 *
 * Opcodes and their encodings are those documented in CPython's
 * Lib/pickletools.py (the pickle virtual machine: a stack, a mark stack and a
 * memo); the persistent id of a storage and the arguments of
 * _rebuild_tensor_v2 are those of torch/serialization.py and
 * torch/_utils.py. Every object lives in one array freed at the end, so the
 * memo and the stack can share objects without reference counting. */

#include "ead-pickle.h"

#include <string.h>

#include "ead-error.h"
#include "ead-hash.h"

/* Opcodes, named as in pickletools. */
enum {
  OP_MARK = '(',
  OP_STOP = '.',
  OP_BININT = 'J',
  OP_BININT1 = 'K',
  OP_BININT2 = 'M',
  OP_NONE = 'N',
  OP_BINPERSID = 'Q',
  OP_REDUCE = 'R',
  OP_BINUNICODE = 'X',
  OP_BUILD = 'b',
  OP_GLOBAL = 'c',
  OP_BINGET = 'h',
  OP_LONG_BINGET = 'j',
  OP_BINPUT = 'q',
  OP_LONG_BINPUT = 'r',
  OP_SETITEM = 's',
  OP_TUPLE = 't',
  OP_SETITEMS = 'u',
  OP_EMPTY_DICT = '}',
  OP_EMPTY_TUPLE = ')',
  OP_PROTO = 0x80,
  OP_TUPLE1 = 0x85,
  OP_TUPLE2 = 0x86,
  OP_TUPLE3 = 0x87,
  OP_NEWTRUE = 0x88,
  OP_NEWFALSE = 0x89,
  OP_LONG1 = 0x8a,
  OP_SHORT_BINUNICODE = 0x8c,
  OP_STACK_GLOBAL = 0x93,
  OP_MEMOIZE = 0x94,
  OP_FRAME = 0x95,
};

/* torch.save's default protocol is 2; 3 to 5 only add opcodes this reader
 * either knows (4: FRAME, SHORT_BINUNICODE, STACK_GLOBAL, MEMOIZE) or refuses. */
#define MIN_PROTOCOL 2
#define MAX_PROTOCOL 5
/* Module and attribute names of the allowed globals are short. */
#define MAX_GLOBAL_LINE 64
/* torch.save numbers its storages ("0", "1", ...). Without a cap, one long
 * key named by thousands of tensors through the memo costs its length for
 * each of them: quadratic in the size of the file. */
#define MAX_STORAGE_KEY 64
/* Reader.op_start once the opcodes have run: errors about the result. */
#define NOT_AN_OPCODE G_MAXSIZE

typedef enum {
  GLOBAL_ORDERED_DICT,
  GLOBAL_REBUILD_TENSOR,
  GLOBAL_REBUILD_PARAMETER,
  GLOBAL_FLOAT_STORAGE,
  GLOBAL_HALF_STORAGE,
  GLOBAL_BFLOAT16_STORAGE,
} Global;

static const struct {
  const char *module;
  const char *name;
  Global global;
} allowed_globals[] = {
  { "collections", "OrderedDict", GLOBAL_ORDERED_DICT },
  { "torch._utils", "_rebuild_tensor_v2", GLOBAL_REBUILD_TENSOR },
  { "torch._utils", "_rebuild_parameter", GLOBAL_REBUILD_PARAMETER },
  { "torch", "FloatStorage", GLOBAL_FLOAT_STORAGE },
  { "torch", "HalfStorage", GLOBAL_HALF_STORAGE },
  { "torch", "BFloat16Storage", GLOBAL_BFLOAT16_STORAGE },
};

typedef enum {
  OBJ_NONE,
  OBJ_BOOL,
  OBJ_INT,
  OBJ_STRING,
  OBJ_TUPLE,
  OBJ_DICT,
  OBJ_GLOBAL,
  OBJ_STORAGE,
  OBJ_TENSOR,
} ObjKind;

typedef struct {
  ObjKind kind;
  gint64 integer;            /* OBJ_BOOL, OBJ_INT; OBJ_GLOBAL: its Global */
  char *string;              /* OBJ_STRING */
  gsize length;              /* OBJ_STRING: of string, in bytes */
  GPtrArray *items;          /* OBJ_TUPLE: items; OBJ_DICT: key, value, key, ... */
  EadPickleTensor *tensor;   /* OBJ_STORAGE: dtype, key, numel; OBJ_TENSOR: all */
} Obj;

typedef struct {
  const guint8 *data;
  gsize size;
  gsize position;
  gsize op_start;            /* of the opcode being run, for messages */
  GPtrArray *objects;        /* owns every Obj */
  GPtrArray *stack;
  GArray *marks;             /* of guint: stack lengths at each MARK */
  GHashTable *memo;          /* index -> Obj */
  GError **error;
} Reader;

void
ead_pickle_tensor_free (EadPickleTensor *tensor)
{
  if (!tensor)
    return;
  g_free (tensor->name);
  g_free (tensor->storage_key);
  g_free (tensor);
}

static void
obj_free (gpointer data)
{
  Obj *obj = data;

  g_free (obj->string);
  if (obj->items)
    g_ptr_array_unref (obj->items);
  ead_pickle_tensor_free (obj->tensor);
  g_free (obj);
}

static gboolean
fail (Reader *r, const char *format, ...) G_GNUC_PRINTF (2, 3);

static gboolean
fail (Reader *r, const char *format, ...)
{
  va_list args;

  va_start (args, format);
  g_autofree char *message = g_strdup_vprintf (format, args);
  va_end (args);
  if (r->op_start == NOT_AN_OPCODE)
    g_set_error (r->error, EAD_ERROR, EAD_ERROR_BAD_FILE, "pickle: %s", message);
  else
    g_set_error (r->error, EAD_ERROR, EAD_ERROR_BAD_FILE, "pickle byte %" G_GSIZE_FORMAT ": %s",
                 r->op_start, message);
  return FALSE;
}

/* ---- Reading bytes ---- */

static const guint8 *
take (Reader *r, gsize n)
{
  if (n > r->size - r->position)
    {
      fail (r, "truncated");
      return NULL;
    }
  const guint8 *p = r->data + r->position;
  r->position += n;
  return p;
}

static gboolean
take_uint (Reader *r, int n_bytes, guint64 *value)
{
  const guint8 *p = take (r, n_bytes);

  if (!p)
    return FALSE;
  *value = 0;
  for (int i = n_bytes - 1; i >= 0; i--)
    *value = *value << 8 | p[i];
  return TRUE;
}

/* ---- The stack ---- */

static Obj *
new_obj (Reader *r, ObjKind kind)
{
  Obj *obj = g_new0 (Obj, 1);

  obj->kind = kind;
  g_ptr_array_add (r->objects, obj);
  return obj;
}

static guint
stack_floor (Reader *r)
{
  return r->marks->len ? g_array_index (r->marks, guint, r->marks->len - 1) : 0;
}

static void
push (Reader *r, Obj *obj)
{
  g_ptr_array_add (r->stack, obj);
}

/* Items below the last mark belong to an unfinished MARK ... opcode. */
static Obj *
pop (Reader *r)
{
  if (r->stack->len <= stack_floor (r))
    {
      fail (r, "stack underflow");
      return NULL;
    }
  return g_ptr_array_steal_index (r->stack, r->stack->len - 1);
}

static Obj *
top (Reader *r)
{
  if (r->stack->len <= stack_floor (r))
    {
      fail (r, "stack underflow");
      return NULL;
    }
  return r->stack->pdata[r->stack->len - 1];
}

/* Pops everything above the last mark, and the mark. */
static GPtrArray *
pop_mark (Reader *r)
{
  if (r->marks->len == 0)
    {
      fail (r, "no mark to pop to");
      return NULL;
    }
  guint floor = stack_floor (r);
  g_array_set_size (r->marks, r->marks->len - 1);
  GPtrArray *items = g_ptr_array_new ();
  for (guint i = floor; i < r->stack->len; i++)
    g_ptr_array_add (items, r->stack->pdata[i]);
  g_ptr_array_set_size (r->stack, floor);
  return items;
}

/* ---- Opcodes that push a value ---- */

static gboolean
push_simple (Reader *r, ObjKind kind, gint64 integer)
{
  Obj *obj = new_obj (r, kind);

  obj->integer = integer;
  push (r, obj);
  return TRUE;
}

static gboolean
op_uint (Reader *r, int n_bytes)
{
  guint64 value;

  return take_uint (r, n_bytes, &value) && push_simple (r, OBJ_INT, (gint64) value);
}

static gboolean
op_binint (Reader *r)
{
  guint64 value;

  return take_uint (r, 4, &value) && push_simple (r, OBJ_INT, (gint32) (guint32) value);
}

/* LONG1: a length byte, then that many bytes of little-endian two's
 * complement. */
static gboolean
op_long1 (Reader *r)
{
  guint64 n, value;

  if (!take_uint (r, 1, &n))
    return FALSE;
  if (n > 8)
    return fail (r, "integer of %u bytes is too large", (guint) n);
  if (n == 0)
    return push_simple (r, OBJ_INT, 0);
  if (!take_uint (r, (int) n, &value))
    return FALSE;
  if (n < 8 && (value >> (8 * n - 1)) & 1)
    value |= G_MAXUINT64 << (8 * n);
  return push_simple (r, OBJ_INT, (gint64) value);
}

static gboolean
op_unicode (Reader *r, int length_bytes)
{
  guint64 length;
  const guint8 *text;

  if (!take_uint (r, length_bytes, &length) || !(text = take (r, length)))
    return FALSE;
  /* Names end up in C strings and JSON: no NUL, valid UTF-8. */
  if (memchr (text, '\0', length) || !g_utf8_validate_len ((const char *) text, length, NULL))
    return fail (r, "string is not valid UTF-8 or holds a NUL");
  Obj *obj = new_obj (r, OBJ_STRING);
  obj->string = g_strndup ((const char *) text, length);
  obj->length = length;
  push (r, obj);
  return TRUE;
}

static gboolean
push_tuple (Reader *r, GPtrArray *items)
{
  Obj *obj = new_obj (r, OBJ_TUPLE);

  obj->items = items;
  push (r, obj);
  return TRUE;
}

static gboolean
op_tuple_n (Reader *r, guint n)
{
  GPtrArray *items = g_ptr_array_new ();

  g_ptr_array_set_size (items, n);
  for (guint i = n; i-- > 0;)
    if (!(items->pdata[i] = pop (r)))
      {
        g_ptr_array_unref (items);
        return FALSE;
      }
  return push_tuple (r, items);
}

static gboolean
op_tuple (Reader *r)
{
  GPtrArray *items = pop_mark (r);

  return items && push_tuple (r, items);
}

static gboolean
push_global (Reader *r, const char *module, const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS (allowed_globals); i++)
    if (g_str_equal (module, allowed_globals[i].module) && g_str_equal (name, allowed_globals[i].name))
      return push_simple (r, OBJ_GLOBAL, allowed_globals[i].global);
  g_autofree char *dotted = g_strconcat (module, ".", name, NULL);
  g_autofree char *shown = ead_quote_untrusted (dotted);
  return fail (r, "refusing global %s: a state_dict needs only OrderedDict, "
               "tensors and storages (this file may be malicious)", shown);
}

/* What GLOBAL reads: a short name of printable ASCII. */
static gboolean
is_global_name (const char *text, gsize length)
{
  if (length > MAX_GLOBAL_LINE)
    return FALSE;
  for (gsize i = 0; i < length; i++)
    if (!g_ascii_isprint (text[i]))
      return FALSE;
  return TRUE;
}

/* A GLOBAL argument: printable ASCII up to a newline. */
static char *
take_line (Reader *r)
{
  gsize available = MIN (r->size - r->position, MAX_GLOBAL_LINE + 1);
  const guint8 *start = r->data + r->position;
  const guint8 *end = memchr (start, '\n', available);

  if (!end)
    {
      fail (r, "GLOBAL name is truncated or too long");
      return NULL;
    }
  if (!is_global_name ((const char *) start, end - start))
    {
      fail (r, "GLOBAL name holds a non-printable byte");
      return NULL;
    }
  r->position += end - start + 1;
  return g_strndup ((const char *) start, end - start);
}

static gboolean
op_global (Reader *r)
{
  g_autofree char *module = take_line (r);
  if (!module)
    return FALSE;
  g_autofree char *name = take_line (r);
  return name && push_global (r, module, name);
}

static gboolean
op_stack_global (Reader *r)
{
  Obj *name = pop (r);
  Obj *module = name ? pop (r) : NULL;

  if (!module)
    return FALSE;
  if (module->kind != OBJ_STRING || name->kind != OBJ_STRING)
    return fail (r, "STACK_GLOBAL needs two strings");
  if (!is_global_name (module->string, module->length) || !is_global_name (name->string, name->length))
    return fail (r, "STACK_GLOBAL module or name is long or holds a non-printable character");
  return push_global (r, module->string, name->string);
}

/* ---- The memo ---- */

static gboolean
op_put (Reader *r, guint64 index)
{
  Obj *obj = top (r);

  if (!obj)
    return FALSE;
  g_hash_table_insert (r->memo, GUINT_TO_POINTER ((guint) index), obj);
  return TRUE;
}

static gboolean
op_put_sized (Reader *r, int n_bytes)
{
  guint64 index;

  return take_uint (r, n_bytes, &index) && op_put (r, index);
}

/* MEMOIZE stores at the next free index, the memo's size. */
static gboolean
op_memoize (Reader *r)
{
  return op_put (r, g_hash_table_size (r->memo));
}

static gboolean
op_get (Reader *r, int n_bytes)
{
  guint64 index;

  if (!take_uint (r, n_bytes, &index))
    return FALSE;
  Obj *obj = g_hash_table_lookup (r->memo, GUINT_TO_POINTER ((guint) index));
  if (!obj)
    return fail (r, "memo index %u was never stored", (guint) index);
  push (r, obj);
  return TRUE;
}

/* ---- Dicts ---- */

static gboolean
add_item (Reader *r, Obj *dict, Obj *key, Obj *value)
{
  if (dict->kind != OBJ_DICT)
    return fail (r, "SETITEM on something that is not a dict");
  if (key->kind != OBJ_STRING)
    return fail (r, "dict key is not a string");
  g_ptr_array_add (dict->items, key);
  g_ptr_array_add (dict->items, value);
  return TRUE;
}

static gboolean
op_setitem (Reader *r)
{
  Obj *value = pop (r);
  Obj *key = value ? pop (r) : NULL;
  Obj *dict = key ? top (r) : NULL;

  return dict && add_item (r, dict, key, value);
}

static gboolean
op_setitems (Reader *r)
{
  g_autoptr (GPtrArray) items = pop_mark (r);
  Obj *dict = items ? top (r) : NULL;

  if (!dict)
    return FALSE;
  if (items->len % 2 != 0)
    return fail (r, "SETITEMS with an odd number of items");
  for (guint i = 0; i < items->len; i += 2)
    if (!add_item (r, dict, items->pdata[i], items->pdata[i + 1]))
      return FALSE;
  return TRUE;
}

static Obj *
new_dict (Reader *r)
{
  Obj *dict = new_obj (r, OBJ_DICT);

  dict->items = g_ptr_array_new ();
  return dict;
}

/* BUILD sets an object's state: for a state_dict, the OrderedDict's
 * attribute _metadata (module versions), which loading does not need. */
static gboolean
op_build (Reader *r)
{
  Obj *state = pop (r);
  Obj *target = state ? top (r) : NULL;

  if (!target)
    return FALSE;
  if (target->kind != OBJ_DICT || state->kind != OBJ_DICT)
    return fail (r, "BUILD is only allowed to give a dict its attributes");
  return TRUE;
}

/* ---- Storages and tensors ---- */

static gboolean
storage_dtype (Global global, EadDtype *dtype)
{
  switch (global)
    {
    case GLOBAL_FLOAT_STORAGE:
      *dtype = EAD_DTYPE_F32;
      return TRUE;
    case GLOBAL_HALF_STORAGE:
      *dtype = EAD_DTYPE_F16;
      return TRUE;
    case GLOBAL_BFLOAT16_STORAGE:
      *dtype = EAD_DTYPE_BF16;
      return TRUE;
    default:
      return FALSE;
    }
}

static gboolean
is_kind (const GPtrArray *items, guint index, ObjKind kind)
{
  return ((Obj *) items->pdata[index])->kind == kind;
}

/* BINPERSID: torch names a storage ('storage', <type>, key, location,
 * numel); its bytes are the archive entry data/<key>. */
static gboolean
op_binpersid (Reader *r)
{
  Obj *pid = pop (r);
  EadDtype dtype;

  if (!pid)
    return FALSE;
  if (pid->kind != OBJ_TUPLE || pid->items->len != 5
      || !is_kind (pid->items, 0, OBJ_STRING)
      || !g_str_equal (((Obj *) pid->items->pdata[0])->string, "storage")
      || !is_kind (pid->items, 1, OBJ_GLOBAL)
      || !storage_dtype (((Obj *) pid->items->pdata[1])->integer, &dtype)
      || !is_kind (pid->items, 2, OBJ_STRING)
      || !is_kind (pid->items, 3, OBJ_STRING)
      || !is_kind (pid->items, 4, OBJ_INT)
      || ((Obj *) pid->items->pdata[4])->integer < 0)
    return fail (r, "persistent id is not a float storage reference");
  const Obj *key = pid->items->pdata[2];
  if (key->length > MAX_STORAGE_KEY)
    return fail (r, "storage key of %" G_GSIZE_FORMAT " bytes is longer than torch.save writes (%d)",
                 key->length, MAX_STORAGE_KEY);
  Obj *storage = new_obj (r, OBJ_STORAGE);
  storage->tensor = g_new0 (EadPickleTensor, 1);
  storage->tensor->dtype = dtype;
  storage->tensor->storage_key = g_strdup (key->string);
  storage->tensor->storage_numel = ((Obj *) pid->items->pdata[4])->integer;
  push (r, storage);
  return TRUE;
}

/* Copies a tuple of non-negative integers into @out. */
static gboolean
read_dims (const Obj *tuple, gint64 *out, int *n_dims)
{
  if (tuple->kind != OBJ_TUPLE || tuple->items->len > EAD_TENSOR_MAX_DIMS)
    return FALSE;
  for (guint i = 0; i < tuple->items->len; i++)
    {
      const Obj *item = tuple->items->pdata[i];
      if (item->kind != OBJ_INT || item->integer < 0)
        return FALSE;
      out[i] = item->integer;
    }
  *n_dims = tuple->items->len;
  return TRUE;
}

/* Whether every element of the view lies inside the storage: the highest
 * index is offset + sum (shape - 1) * stride, computed without overflow. */
static gboolean
view_fits (const EadPickleTensor *t)
{
  guint64 last = (guint64) t->offset;

  for (int d = 0; d < t->n_dims; d++)
    {
      guint64 step;
      if (t->shape[d] == 0)
        return (guint64) t->offset <= (guint64) t->storage_numel;
      if (!g_uint64_checked_mul (&step, (guint64) t->shape[d] - 1, (guint64) t->stride[d])
          || !g_uint64_checked_add (&last, last, step))
        return FALSE;
    }
  return last < (guint64) t->storage_numel;
}

static gboolean
is_empty_dict (const Obj *obj)
{
  return obj->kind == OBJ_DICT && obj->items->len == 0;
}

/* _rebuild_tensor_v2 (storage, storage_offset, size, stride, requires_grad,
 * backward_hooks[, metadata]). */
static gboolean
rebuild_tensor (Reader *r, const GPtrArray *args)
{
  int n_strides;

  if ((args->len != 6 && args->len != 7)
      || !is_kind (args, 0, OBJ_STORAGE) || !is_kind (args, 1, OBJ_INT)
      || !is_kind (args, 4, OBJ_BOOL) || !is_empty_dict (args->pdata[5])
      || (args->len == 7 && !is_kind (args, 6, OBJ_NONE) && !is_empty_dict (args->pdata[6])))
    return fail (r, "unexpected arguments to _rebuild_tensor_v2");

  g_autoptr (EadPickleTensor) t = g_new0 (EadPickleTensor, 1);
  const EadPickleTensor *storage = ((Obj *) args->pdata[0])->tensor;
  t->dtype = storage->dtype;
  t->storage_key = g_strdup (storage->storage_key);
  t->storage_numel = storage->storage_numel;
  t->offset = ((Obj *) args->pdata[1])->integer;
  if (t->offset < 0
      || !read_dims (args->pdata[2], t->shape, &t->n_dims)
      || !read_dims (args->pdata[3], t->stride, &n_strides)
      || n_strides != t->n_dims)
    return fail (r, "tensor offset, shape or strides are invalid");
  if (!view_fits (t))
    {
      g_autofree char *shown = ead_quote_untrusted (t->storage_key);
      return fail (r, "tensor reaches outside its storage %s of %" G_GINT64_FORMAT " elements",
                   shown, t->storage_numel);
    }
  Obj *tensor = new_obj (r, OBJ_TENSOR);
  tensor->tensor = g_steal_pointer (&t);
  push (r, tensor);
  return TRUE;
}

/* _rebuild_parameter (data, requires_grad, backward_hooks): the tensor. */
static gboolean
rebuild_parameter (Reader *r, const GPtrArray *args)
{
  if (args->len != 3 || !is_kind (args, 0, OBJ_TENSOR) || !is_kind (args, 1, OBJ_BOOL)
      || !is_empty_dict (args->pdata[2]))
    return fail (r, "unexpected arguments to _rebuild_parameter");
  push (r, args->pdata[0]);
  return TRUE;
}

static gboolean
op_reduce (Reader *r)
{
  Obj *args = pop (r);
  Obj *callable = args ? pop (r) : NULL;

  if (!callable)
    return FALSE;
  if (callable->kind != OBJ_GLOBAL || args->kind != OBJ_TUPLE)
    return fail (r, "REDUCE needs an allowed global and a tuple");
  switch ((Global) callable->integer)
    {
    case GLOBAL_ORDERED_DICT:
      if (args->items->len != 0)
        return fail (r, "OrderedDict called with arguments");
      push (r, new_dict (r));
      return TRUE;
    case GLOBAL_REBUILD_TENSOR:
      return rebuild_tensor (r, args->items);
    case GLOBAL_REBUILD_PARAMETER:
      return rebuild_parameter (r, args->items);
    default:
      return fail (r, "a storage type cannot be called");
    }
}

/* ---- The machine ---- */

static gboolean
op_proto (Reader *r)
{
  guint64 version;

  if (r->op_start != 0)
    return fail (r, "PROTO after the start");
  if (!take_uint (r, 1, &version))
    return FALSE;
  if (version < MIN_PROTOCOL || version > MAX_PROTOCOL)
    return fail (r, "pickle protocol %u is not supported", (guint) version);
  return TRUE;
}

/* FRAME only announces how many bytes follow (a read-ahead hint). */
static gboolean
op_frame (Reader *r)
{
  guint64 length;

  if (!take_uint (r, 8, &length))
    return FALSE;
  if (length > r->size - r->position)
    return fail (r, "frame runs past the end");
  return TRUE;
}

static gboolean
run_opcode (Reader *r, guint8 op)
{
  switch (op)
    {
    case OP_PROTO:
      return op_proto (r);
    case OP_FRAME:
      return op_frame (r);
    case OP_MARK:
      g_array_append_val (r->marks, r->stack->len);
      return TRUE;
    case OP_BININT:
      return op_binint (r);
    case OP_BININT1:
      return op_uint (r, 1);
    case OP_BININT2:
      return op_uint (r, 2);
    case OP_LONG1:
      return op_long1 (r);
    case OP_NONE:
      return push_simple (r, OBJ_NONE, 0);
    case OP_NEWTRUE:
      return push_simple (r, OBJ_BOOL, 1);
    case OP_NEWFALSE:
      return push_simple (r, OBJ_BOOL, 0);
    case OP_BINUNICODE:
      return op_unicode (r, 4);
    case OP_SHORT_BINUNICODE:
      return op_unicode (r, 1);
    case OP_EMPTY_TUPLE:
      return push_tuple (r, g_ptr_array_new ());
    case OP_TUPLE1:
      return op_tuple_n (r, 1);
    case OP_TUPLE2:
      return op_tuple_n (r, 2);
    case OP_TUPLE3:
      return op_tuple_n (r, 3);
    case OP_TUPLE:
      return op_tuple (r);
    case OP_EMPTY_DICT:
      push (r, new_dict (r));
      return TRUE;
    case OP_SETITEM:
      return op_setitem (r);
    case OP_SETITEMS:
      return op_setitems (r);
    case OP_BUILD:
      return op_build (r);
    case OP_GLOBAL:
      return op_global (r);
    case OP_STACK_GLOBAL:
      return op_stack_global (r);
    case OP_BINPUT:
      return op_put_sized (r, 1);
    case OP_LONG_BINPUT:
      return op_put_sized (r, 4);
    case OP_MEMOIZE:
      return op_memoize (r);
    case OP_BINGET:
      return op_get (r, 1);
    case OP_LONG_BINGET:
      return op_get (r, 4);
    case OP_BINPERSID:
      return op_binpersid (r);
    case OP_REDUCE:
      return op_reduce (r);
    default:
      return fail (r, "opcode 0x%02x is not allowed in a state_dict", op);
    }
}

/* Runs opcodes up to STOP and returns the one object left. */
static Obj *
run (Reader *r)
{
  while (r->position < r->size)
    {
      r->op_start = r->position;
      guint8 op = r->data[r->position++];
      if (r->op_start == 0 && op != OP_PROTO)
        {
          fail (r, "not a pickle of protocol 2 or later");
          return NULL;
        }
      if (op == OP_STOP)
        {
          if (r->position != r->size)
            fail (r, "bytes after STOP");
          else if (r->marks->len != 0 || r->stack->len != 1)
            fail (r, "STOP with %u objects and %u marks left", r->stack->len, r->marks->len);
          else
            return r->stack->pdata[0];
          return NULL;
        }
      if (!run_opcode (r, op))
        return NULL;
    }
  r->op_start = r->position;
  fail (r, "truncated (no STOP)");
  return NULL;
}

/* ---- The state_dict ---- */

static gboolean
check_same_storage (Reader *r, GHashTable *storages, const EadPickleTensor *t)
{
  const EadPickleTensor *first = g_hash_table_lookup (storages, t->storage_key);

  if (!first)
    {
      g_hash_table_insert (storages, t->storage_key, (gpointer) t);
      return TRUE;
    }
  if (first->dtype == t->dtype && first->storage_numel == t->storage_numel)
    return TRUE;
  g_autofree char *first_name = ead_quote_untrusted (first->name);
  g_autofree char *name = ead_quote_untrusted (t->name);
  g_autofree char *key = ead_quote_untrusted (t->storage_key);
  return fail (r, "tensors %s and %s describe storage %s differently", first_name, name, key);
}

static GPtrArray *
collect_tensors (Reader *r, const Obj *dict)
{
  g_autoptr (GPtrArray) tensors = g_ptr_array_new_with_free_func ((GDestroyNotify) ead_pickle_tensor_free);
  g_autoptr (GHashTable) names = g_hash_table_new (ead_untrusted_str_hash, g_str_equal);
  g_autoptr (GHashTable) storages = g_hash_table_new (ead_untrusted_str_hash, g_str_equal);

  r->op_start = NOT_AN_OPCODE;
  if (dict->kind != OBJ_DICT)
    {
      fail (r, "the pickle holds no dict of tensors");
      return NULL;
    }
  for (guint i = 0; i < dict->items->len; i += 2)
    {
      const char *name = ((Obj *) dict->items->pdata[i])->string;
      const Obj *value = dict->items->pdata[i + 1];
      if (value->kind != OBJ_TENSOR || !g_hash_table_add (names, (gpointer) name))
        {
          g_autofree char *shown = ead_quote_untrusted (name);
          fail (r, "%s %s", shown, value->kind != OBJ_TENSOR ? "is not a tensor" : "appears twice");
          return NULL;
        }
      EadPickleTensor *t = g_memdup2 (value->tensor, sizeof *t);
      t->name = g_strdup (name);
      t->storage_key = g_strdup (value->tensor->storage_key);
      g_ptr_array_add (tensors, t);
      if (!check_same_storage (r, storages, t))
        return NULL;
    }
  return g_steal_pointer (&tensors);
}

GPtrArray *
ead_pickle_read_state_dict (const guint8 *data, gsize size, GError **error)
{
  Reader r = {
    .data = data,
    .size = size,
    .objects = g_ptr_array_new_with_free_func (obj_free),
    .stack = g_ptr_array_new (),
    .marks = g_array_new (FALSE, FALSE, sizeof (guint)),
    .memo = g_hash_table_new (g_direct_hash, g_direct_equal),
    .error = error,
  };
  Obj *result = run (&r);
  GPtrArray *tensors = result ? collect_tensors (&r, result) : NULL;

  g_hash_table_unref (r.memo);
  g_array_unref (r.marks);
  g_ptr_array_unref (r.stack);
  g_ptr_array_unref (r.objects);
  return tensors;
}
