#!/usr/bin/python3
"""Makes the teacher-import test fixtures in this folder.

Run with Debian's python3-torch (apt-get install python3-torch), which only
works with /usr/bin/python3:  /usr/bin/python3 make-fixtures.py

The full-size teachers hold a patterned weight (see pattern()) instead of
random numbers so that they compress to a few kilobytes: they are committed
gzipped, and the bytes inside are exactly what torch.save wrote. The tests
recompute the pattern to check that every value lands where it belongs.
"""

import collections
import gzip
import os
import struct
import zipfile

import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))


def pattern(layer, n):
    """The @n values of the @layer-th tensor (1-based: the weight, then the
    bias, of each convolution in turn): small multiples of 1/256, exact in
    bf16 and f16, repeating every 251 elements. tests/test-teacher-import.c
    has the same."""
    i = torch.arange(n, dtype=torch.int64)
    return (((i + 37 * layer) * 97) % 251 - 125).to(torch.float32) / 256.0


def conv_shapes(size):
    """(out, in, kernel) of the PDN convolutions, in order."""
    if size == "small":
        return [(128, 3, 4), (256, 128, 4), (256, 256, 3), (384, 256, 4)]
    return [(256, 3, 4), (512, 256, 4), (512, 512, 1), (512, 512, 3),
            (384, 512, 4), (384, 384, 1)]


# The reference implementation's nn.Sequential index of each convolution.
SEQUENTIAL_INDEX = {"small": [0, 3, 6, 8], "medium": [0, 3, 6, 8, 10, 12]}


def patterned_tensors(size, dtype=torch.float32):
    """[(weight, bias)] of the PDN's convolutions, patterned: the weight of
    convolution k is pattern(2k - 1), its bias pattern(2k)."""
    out = []
    for k, (o, i, kh) in enumerate(conv_shapes(size), start=1):
        w = pattern(2 * k - 1, o * i * kh * kh).reshape(o, i, kh, kh).to(dtype)
        b = pattern(2 * k, o).to(dtype)
        out.append((w, b))
    return out


def save_gzipped(obj, name, **kwargs):
    """torch.save to NAME (so the archive's folder is NAME's stem, as for a
    user's file), then gzip it to NAME.gz."""
    path = os.path.join(HERE, name)
    torch.save(obj, path, **kwargs)
    with open(path, "rb") as f:
        raw = f.read()
    os.remove(path)
    with gzip.GzipFile(path + ".gz", "wb", mtime=0) as f:
        f.write(raw)


def reference_small():
    """The reference implementation's teacher_small.pth: the state_dict of
    its nn.Sequential PDN, float32, pickle protocol 2 (torch's default)."""
    pdn = nn.Sequential(
        nn.Conv2d(3, 128, 4), nn.ReLU(), nn.AvgPool2d(2, 2),
        nn.Conv2d(128, 256, 4), nn.ReLU(), nn.AvgPool2d(2, 2),
        nn.Conv2d(256, 256, 3), nn.ReLU(),
        nn.Conv2d(256, 384, 4))
    with torch.no_grad():
        for index, (w, b) in zip(SEQUENTIAL_INDEX["small"], patterned_tensors("small")):
            pdn[index].weight.copy_(w)
            pdn[index].bias.copy_(b)
    save_gzipped(pdn.state_dict(), "teacher_small.pth")


class AnomalibMedium(nn.Module):
    """The attribute names of anomalib's MediumPatchDescriptionNetwork."""

    def __init__(self):
        super().__init__()
        for k, (o, i, kh) in enumerate(conv_shapes("medium"), start=1):
            setattr(self, "conv%d" % k, nn.Conv2d(i, o, kh))
        self.avgpool1 = nn.AvgPool2d(2, 2)
        self.avgpool2 = nn.AvgPool2d(2, 2)


def anomalib_medium():
    """anomalib's pretrained_teacher_medium.pth layout (conv1..conv6), saved
    after .half() to cover float16 storages."""
    pdn = AnomalibMedium()
    with torch.no_grad():
        for k, (w, b) in enumerate(patterned_tensors("medium"), start=1):
            getattr(pdn, "conv%d" % k).weight.copy_(w)
            getattr(pdn, "conv%d" % k).bias.copy_(b)
    save_gzipped(pdn.half().state_dict(), "pretrained_teacher_medium.pth")


def anomalib_small_views():
    """An anomalib-named PDN-S in bfloat16 whose tensors are views: a weight
    with permuted strides, one at a storage offset, two biases sharing one
    storage; the whole model under a "teacher." prefix beside tensors of
    another network, and pickle protocol 4 (FRAME, MEMOIZE, STACK_GLOBAL)."""
    tensors = patterned_tensors("small", torch.bfloat16)
    state = collections.OrderedDict()
    (w1, b1), (w2, b2), (w3, b3), (w4, b4) = tensors
    # A weight whose storage is ordered [in, out, kh, kw]: strides permuted.
    state["teacher.conv1.weight"] = w1.permute(1, 0, 2, 3).contiguous().permute(1, 0, 2, 3)
    shared = torch.cat([b1, b2])
    state["teacher.conv1.bias"] = shared[:128]
    # A weight 7 elements into a longer storage.
    padded = torch.zeros(w2.numel() + 7, dtype=torch.bfloat16)
    padded[7:] = w2.flatten()
    state["teacher.conv2.weight"] = padded[7:].view(w2.shape)
    state["teacher.conv2.bias"] = shared[128:]
    state["teacher.conv3.weight"] = w3
    state["teacher.conv3.bias"] = b3
    state["teacher.conv4.weight"] = w4
    state["teacher.conv4.bias"] = b4
    state["student.conv1.weight"] = torch.zeros(2, 3, 1, 1, dtype=torch.bfloat16)
    save_gzipped(state, "anomalib_model_small.pth", pickle_protocol=4)


def tiny_state_dict():
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(3, 4, 2), nn.ReLU(), nn.Conv2d(4, 2, 1)).state_dict()


def save_plain(obj, name, **kwargs):
    torch.save(obj, os.path.join(HERE, name), **kwargs)


class Evil:
    """What an attacker pickles: unpickling it calls os.system."""

    def __reduce__(self):
        return (os.system, ("echo this must never run",))


def read_zip_entries(name):
    with zipfile.ZipFile(os.path.join(HERE, name)) as z:
        return [(info.filename, z.read(info.filename)) for info in z.infolist()]


def bad_offset(source, name):
    """The tiny file with the central directory's local-header offset of its
    second entry pointing past the end of the file."""
    with open(os.path.join(HERE, source), "rb") as f:
        data = bytearray(f.read())
    central = data.find(b"PK\x01\x02")
    second = data.find(b"PK\x01\x02", central + 4)
    struct.pack_into("<I", data, second + 42, 0x7FFFFFF0)
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)


def main():
    reference_small()
    anomalib_medium()
    anomalib_small_views()

    # A genuine but tiny state_dict (not a PDN): the parsers' fuzz seed.
    save_plain(tiny_state_dict(), "tiny.pth")

    # Hostile and broken files.
    save_plain(collections.OrderedDict([("0.weight", Evil())]), "os_system.pth")
    wrong = collections.OrderedDict()
    for index, (o, i, kh) in zip(SEQUENTIAL_INDEX["small"], conv_shapes("small")):
        # Every PDN-S name, but 4 channels wide: small enough to commit.
        wrong["%d.weight" % index] = torch.zeros(4, 4, kh, kh)
        wrong["%d.bias" % index] = torch.zeros(4)
    save_plain(wrong, "wrong_shapes.pth")
    with open(os.path.join(HERE, "tiny.pth"), "rb") as f:
        tiny = f.read()
    with open(os.path.join(HERE, "truncated.pth"), "wb") as f:
        f.write(tiny[: len(tiny) // 2])
    bad_offset("tiny.pth", "bad_offset.pth")
    # The legacy format names storages by object id: this one differs per run.
    save_plain(tiny_state_dict(), "legacy.pth", _use_new_zipfile_serialization=False)
    with zipfile.ZipFile(os.path.join(HERE, "deflated.pth"), "w") as z:
        for entry, content in read_zip_entries("tiny.pth"):
            # A fixed date keeps the file the same from run to run.
            info = zipfile.ZipInfo(entry, date_time=(1980, 1, 1, 0, 0, 0))
            z.writestr(info, content, compress_type=zipfile.ZIP_DEFLATED)


if __name__ == "__main__":
    main()
