#!/usr/bin/python3
"""Writes the seed corpus of the fuzz harnesses, corpus/<harness>/, and the
hostile inputs of issue 12 kept with the findings in tests/data/fuzz/.

Small files of each format that reach deep into its parser: a valid one
and a few variants. The standard library writes all but the JPEG, GIF and
TIFF seeds, for which Pillow is needed (Debian's python3-pil). The files are
committed, so this only runs again when a seed is added:

    /usr/bin/python3 tests/fuzz/make-seeds.py
"""

import io
import json
import os
import struct
import zipfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
TEACHERS = os.path.join(HERE, "..", "data", "teachers")


def write(harness, name, data):
    folder = os.path.join(HERE, "corpus", harness)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


# ---- safetensors ----

def safetensors(tensors, metadata=None):
    """tensors: [(name, dtype, shape, bytes)] in file order."""
    header, offset = {}, 0
    if metadata is not None:
        header["__metadata__"] = metadata
    for name, dtype, shape, data in tensors:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(t[3] for t in tensors)


def floats(values, fmt="<f"):
    return b"".join(struct.pack(fmt, v) for v in values)


def write_safetensors_seeds():
    write("safetensors", "small.safetensors", safetensors(
        [("weights", "F32", [2, 3], floats([1, -2, 0.5, 3.25, 0, -0.125])),
         ("mask", "U8", [3], bytes([0, 1, 255]))], {"format": "pt"}))
    write("safetensors", "half-and-bfloat.safetensors", safetensors(
        [("h", "F16", [2], floats([1.5, -0.25], "<e")),
         ("b", "BF16", [2], struct.pack("<HH", 0x3fc0, 0xbe80)),
         ("empty", "F32", [0], b""),
         ("scalar", "I64", [], struct.pack("<q", -7))]))
    write("safetensors", "escapes.safetensors", safetensors(
        [("caf\u00e9/\u6743\u91cd \"q\"", "F64", [1], struct.pack("<d", 2.0))],
        {"note": "line\nbreak", "\u00fc": "\u00fc"}))


def model_metadata(**changes):
    metadata = {"format": "efficientad-model", "format_version": "1", "model_size": "small",
                "image_size": "256", "quantile_st_start": "0.1", "quantile_st_end": "0.9",
                "quantile_ae_start": "0.2", "quantile_ae_end": "0.8", "threshold": "0.5",
                "teacher": "shipped"}
    metadata.update(changes)
    return metadata


def write_model_seeds():
    # The first tensor of a PDN-S, right in shape: the loader checks it and
    # moves on to the next one, which is missing.
    first = ("teacher.0.weight", "F32", [128, 3, 4, 4], bytes(4 * 128 * 3 * 4 * 4))
    write("model", "first-tensor.safetensors", safetensors([first], model_metadata()))
    write("model", "medium-uncalibrated.safetensors", safetensors(
        [("teacher.0.weight", "F16", [1], bytes(2))],
        {"format": "efficientad-model", "format_version": "1", "model_size": "medium",
         "image_size": "320"}))
    write("model", "bad-quantiles.safetensors", safetensors(
        [], model_metadata(quantile_st_end="nan", image_size="250")))
    write("model", "newer.safetensors", safetensors([], model_metadata(format_version="2")))


# ---- pickle, zip and teacher import ----

def pickle_string(text):
    data = text.encode()
    if len(data) < 256:
        return b"\x8c" + bytes([len(data)]) + data   # SHORT_BINUNICODE
    return b"X" + struct.pack("<I", len(data)) + data


def pickle_int(value):
    if 0 <= value < 256:
        return b"K" + bytes([value])
    if 0 <= value < 65536:
        return b"M" + struct.pack("<H", value)
    return b"J" + struct.pack("<i", value)


def pickle_tuple(values):
    return b"(" + b"".join(pickle_int(v) for v in values) + b"t"


def ordered_dict():
    return b"ccollections\nOrderedDict\n)R"


def state_dict_pickle(tensors, storage_type="FloatStorage"):
    """tensors: [(name, key, numel, shape)], contiguous, as torch.save
    writes them (protocol 2), the storage key memoised at its first use."""
    out = b"\x80\x02" + ordered_dict() + b"q\x00("
    memo = {}
    for name, key, numel, shape in tensors:
        stride = [1] * len(shape)
        for d in range(len(shape) - 2, -1, -1):
            stride[d] = stride[d + 1] * shape[d + 1]
        if key in memo:
            storage = b"h" + bytes([memo[key]])
        else:
            memo[key] = len(memo) + 1
            storage = (b"(" + pickle_string("storage") + b"ctorch\n" + storage_type.encode() + b"\n"
                       + pickle_string(key) + pickle_string("cpu") + pickle_int(numel)
                       + b"tQq" + bytes([memo[key]]))
        out += (pickle_string(name) + b"ctorch._utils\n_rebuild_tensor_v2\n(" + storage
                + pickle_int(0) + pickle_tuple(shape) + pickle_tuple(stride) + b"\x89"
                + ordered_dict() + b"tR")
    return out + b"u."


def torch_archive(folder, pickle, storages):
    """A zip laid out as torch.save's: stored entries, data.pkl first."""
    entries = [("data.pkl", pickle), ("byteorder", b"little")]
    entries += [("data/" + key, data) for key, data in storages]
    entries.append(("version", b"3\n"))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as z:
        for name, data in entries:
            # ZipInfo dates entries 1980-01-01: the same bytes every run.
            z.writestr(zipfile.ZipInfo(folder + "/" + name), data)
    return buffer.getvalue()


# The PDN-S teacher: (Sequential index, out, in, kernel) of each convolution.
PDN_SMALL = [(0, 128, 3, 4), (3, 256, 128, 4), (6, 256, 256, 3), (8, 384, 256, 4)]


def teacher_tensors(naming):
    """[(name, key, numel, shape)] of a PDN-S teacher, one storage each."""
    out = []
    for k, (index, o, i, kernel) in enumerate(PDN_SMALL, start=1):
        prefix = "conv%d" % k if naming == "anomalib" else str(index)
        out.append((prefix + ".weight", str(2 * k - 2), o * i * kernel * kernel, [o, i, kernel, kernel]))
        out.append((prefix + ".bias", str(2 * k - 1), o, [o]))
    return out


def write_torch_seeds():
    with open(os.path.join(TEACHERS, "tiny.pth"), "rb") as f:
        tiny = f.read()
    write("zip", "tiny.pth", tiny)
    write("teacher-import", "tiny.pth", tiny)
    write("pickle", "tiny.pkl", zipfile.ZipFile(io.BytesIO(tiny)).read("tiny/data.pkl"))

    shared = [("w", "0", 6, [2, 3]), ("v", "0", 6, [3, 2]), ("b", "1", 3, [3])]
    write("pickle", "shared-storage.pkl", state_dict_pickle(shared))
    write("pickle", "half.pkl", state_dict_pickle(shared[:1], "HalfStorage"))
    # Protocol 4: FRAME, STACK_GLOBAL, MEMOIZE.
    body = (b"\x8c\x0bcollections\x94\x8c\x0bOrderedDict\x94\x93\x94)R\x94.")
    write("pickle", "protocol-4.pkl", b"\x80\x04\x95" + struct.pack("<Q", len(body)) + body)

    storages = [("0", floats(range(6))), ("1", floats([1, 2, 3]))]
    write("zip", "two-storages.pth", torch_archive("two", state_dict_pickle(shared), storages))

    # Teachers with the right names and shapes whose storages hold a single
    # element: the import gets as far as reading the storages.
    for naming in ("reference", "anomalib"):
        tensors = teacher_tensors(naming)
        pickle = state_dict_pickle(tensors)
        storages = [(key, floats([0.5])) for _, key, _, _ in tensors]
        write("teacher-import", "teacher-%s.pth" % naming,
              torch_archive("teacher_small", pickle, storages))
    write("teacher-import", "teacher.safetensors", safetensors(
        [("teacher." + name, "F16", shape[:1], bytes(2 * shape[0]))
         for name, _, _, shape in teacher_tensors("reference")]))


# ---- TFLite ----

class Flatbuffer:
    """Writes front to back, as tests/test-tflite.c does: a parent first, its
    children after it (an offset counts forward to its target); every table
    field takes a 4-byte slot."""

    def __init__(self):
        self.data = bytearray(8)
        self.data[4:8] = b"TFL3"

    def align(self):
        self.data += bytes(-len(self.data) % 4)

    def put(self, position, value):
        self.data[position:position + 4] = struct.pack("<I", value)

    def table(self, n_fields, present):
        """A table whose fields with a bit set in @present are in use; its
        vtable comes right before it."""
        self.align()
        vtable = len(self.data)
        self.data += struct.pack("<HH", 4 + 2 * n_fields, 4 + 4 * n_fields)
        for i in range(n_fields):
            self.data += struct.pack("<H", 4 + 4 * i if present >> i & 1 else 0)
        self.align()
        table = len(self.data)
        self.data += bytes(4 + 4 * n_fields)
        self.put(table, table - vtable)
        return table

    def set(self, table, field, value):
        self.put(table + 4 + 4 * field, value)

    def point(self, slot, target):
        self.put(slot, target - slot)

    def set_offset(self, table, field, target):
        self.point(table + 4 + 4 * field, target)

    def vector(self, fmt, values):
        self.align()
        vector = len(self.data)
        self.data += struct.pack("<I", len(values)) + b"".join(struct.pack("<" + fmt, v) for v in values)
        return vector

    def string(self, text):
        vector = self.vector("B", list(text.encode()))
        self.data += b"\x00"
        return vector

    def offsets(self, n):
        return self.vector("I", [0] * n)


def small_tflite():
    """One CONV_2D from a float input [1, 4, 4, 2] to [1, 4, 4, 3] with int8
    weights and int32 biases quantised per channel, as in test-tflite.c."""
    fb = Flatbuffer()
    model = fb.table(5, 0x17)
    fb.put(0, model)
    fb.set(model, 0, 3)
    codes, subgraphs, buffers = fb.offsets(1), fb.offsets(1), fb.offsets(3)
    fb.set_offset(model, 1, codes)
    fb.set_offset(model, 2, subgraphs)
    fb.set_offset(model, 4, buffers)
    code = fb.table(4, 0x0d)
    fb.point(codes + 4, code)
    for field, value in ((0, 3), (2, 1), (3, 3)):
        fb.set(code, field, value)
    subgraph = fb.table(4, 0x0f)
    fb.point(subgraphs + 4, subgraph)
    tensors = fb.offsets(4)
    fb.set_offset(subgraph, 0, tensors)
    fb.set_offset(subgraph, 1, fb.vector("i", [0]))
    fb.set_offset(subgraph, 2, fb.vector("i", [3]))
    operators = fb.offsets(1)
    fb.set_offset(subgraph, 3, operators)
    specs = [("input", 0, [1, 4, 4, 2], 0, []), ("weights", 9, [3, 1, 1, 2], 1, [0.5, 0.25, 2.0]),
             ("bias", 2, [3], 2, [0.1, 0.01, 1.0]), ("output", 0, [1, 4, 4, 3], 0, [])]
    for i, (name, kind, shape, buffer, scales) in enumerate(specs):
        tensor = fb.table(5, 0x1f if scales else 0x0f)
        fb.point(tensors + 4 + 4 * i, tensor)
        fb.set(tensor, 1, kind)
        fb.set(tensor, 2, buffer)
        fb.set_offset(tensor, 0, fb.vector("i", shape))
        fb.set_offset(tensor, 3, fb.string(name))
        if scales:
            quant = fb.table(7, 0x4c)
            fb.set_offset(tensor, 4, quant)
            fb.set_offset(quant, 2, fb.vector("f", scales))
            fb.set_offset(quant, 3, fb.vector("q", [0] * len(scales)))
    op = fb.table(5, 0x1f)
    fb.point(operators + 4, op)
    fb.set_offset(op, 1, fb.vector("i", [0, 1, 2]))
    fb.set_offset(op, 2, fb.vector("i", [3]))
    fb.set(op, 3, 1)
    options = fb.table(4, 0x0f)
    fb.set_offset(op, 4, options)
    for field, value in ((1, 1), (2, 1), (3, 3)):
        fb.set(options, field, value)
    contents = [None, struct.pack("<6b", 2, -4, 1, 3, -128, 127), struct.pack("<3i", 10, -20, 30)]
    for i, data in enumerate(contents):
        buffer = fb.table(1, 1 if data else 0)
        fb.point(buffers + 4 + 4 * i, buffer)
        if data:
            fb.set_offset(buffer, 0, fb.vector("B", list(data)))
    return bytes(fb.data)


# ---- Images ----

def png(width, height, color_type, rows):
    """rows: the raw scanlines, each without its filter byte."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = b"".join(b"\x00" + row for row in rows)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def bmp(width, height):
    row = bytes((x * 40) % 256 for x in range(3 * width))
    row += bytes(-len(row) % 4)
    pixels = row * height
    header = struct.pack("<2sIHHI", b"BM", 54 + len(pixels), 0, 0, 54)
    info = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 24, 0, len(pixels), 2835, 2835, 0, 0)
    return header + info + pixels


def encoded(image_format):
    """An 8 x 8 image in @image_format, by Pillow (Debian's python3-pil, the
    project's dependency), or None without it."""
    try:
        from PIL import Image
    except ImportError:
        return None
    pixels = bytes((i * 37) % 256 for i in range(8 * 8 * 3))
    out = io.BytesIO()
    Image.frombytes("RGB", (8, 8), pixels).save(out, image_format)
    return out.getvalue()


def write_image_seeds():
    write("image", "gray.png", png(4, 3, 0, [bytes([0, 255, 0, 255])] * 3))
    write("image", "rgb.png", png(3, 2, 2, [bytes(range(9)), bytes(range(100, 109))]))
    write("image", "rgba.png", png(2, 2, 6, [bytes(8), bytes([255] * 8)]))
    write("image", "small.bmp", bmp(3, 2))
    write("image", "small.ppm", b"P6\n2 2\n255\n" + bytes(range(12)))
    write("image", "mask.pgm", b"P5\n3 1\n255\n\x00\xff\x00")
    # JPEG, GIF and TIFF need an encoder.
    for image_format, suffix in (("JPEG", "jpg"), ("GIF", "gif"), ("TIFF", "tif")):
        data = encoded(image_format)
        if data is not None:
            write("image", "small." + suffix, data)


# ---- Hostile inputs: the cases of issue 12, small ----

def write_finding(harness, name, data):
    """An input kept with the findings in tests/data/fuzz/, replayed by
    `make test`."""
    folder = os.path.join(HERE, "..", "data", "fuzz", harness)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def write_hostile_inputs():
    # A name that moves the cursor and colours the terminal.
    hostile = "a\nb\x1b[31m"
    write_finding("safetensors", "ansi-name.safetensors",
                  safetensors([(hostile, "F32", [1], floats([1]))], {hostile: hostile}))
    write_finding("teacher-import", "ansi-name.safetensors",
                  safetensors([(hostile, "F32", [1], floats([1]))]))
    # STACK_GLOBAL naming os.system across a newline.
    write_finding("pickle", "stack-global-newline.pkl",
                  b"\x80\x04" + pickle_string("os\nsystem") + pickle_string("x\x1b[2J") + b"\x93.")
    # 500 tensors naming one 16 KB storage key through the memo.
    tensors = [("t%d" % i, "7" * 16384, 1, [1]) for i in range(500)]
    pickle = state_dict_pickle(tensors)
    write_finding("pickle", "long-storage-key.pkl", pickle)
    write_finding("teacher-import", "long-storage-key.pth",
                  torch_archive("teacher_small", pickle, [("7" * 16384, floats([0]))]))
    # 32 member names of one g_str_hash value.
    names = ["".join("b@" if i >> p & 1 else "aa" for p in range(5)) for i in range(32)]
    header = ("{" + ",".join('"%s":{}' % n for n in names) + "}").encode()
    write_finding("safetensors", "colliding-names.safetensors", struct.pack("<Q", len(header)) + header)


def main():
    write_safetensors_seeds()
    write_model_seeds()
    write_torch_seeds()
    write("tflite", "small.tflite", small_tflite())
    write_image_seeds()
    write_hostile_inputs()


if __name__ == "__main__":
    main()
