#!/usr/bin/env python3
"""Teacher distillation on a CUDA machine that has PyTorch but none of this
project's build dependencies (GLib, GTK, SQLite): the GPU twin of
`efficientad distill`, for the paper's step budget.

`efficientad distill --export-targets` writes the target definition: the
MobileNetV2 weights up to the deepest tap, the orthogonal projection, and one
image with the targets the engine computes for it. This script rebuilds the
target computation from that file alone, refuses to train unless it
reproduces the engine's targets for the check image, and then trains the
padded PDN exactly as core/ead-distill.c does (normalised targets, MSE,
Adam 1e-4 with L2 weight decay 1e-5, random grayscale 0.1, 5% held out),
with one difference the GPU makes affordable: targets are computed at every
step, so each image is also randomly cropped, resized and flipped.

The teacher is written like `efficientad distill` writes it (safetensors,
"<i>.weight" names, provenance in the metadata), atomically, every
--save-every seconds and at the end, so a run cut short still leaves one.

    python3 tools/distill-cuda.py --targets targets.safetensors \\
        --images DIR [--images DIR...] --out DIR [--seconds N] [--size s|m]
"""

import argparse
import datetime
import json
import math
import os
import random
import struct
import sys
import time
from multiprocessing import Pool

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image

SIDE = 512            # the backbone's input side
PDN_SIDE = 256        # the PDN's
GRID = 64             # the targets' side
CHANNELS = 384
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff")
HELD_OUT_FRACTION = 0.05

# ---- safetensors ----

DTYPES = {"F32": (np.float32, 4), "U8": (np.uint8, 1)}


def read_safetensors(path):
    """Tensors (CPU) and metadata of a safetensors file, checked as read."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        raise ValueError(f"{path}: truncated")
    (header_size,) = struct.unpack("<Q", data[:8])
    if 8 + header_size > len(data):
        raise ValueError(f"{path}: header runs past the end")
    header = json.loads(data[8:8 + header_size])
    body = memoryview(data)[8 + header_size:]
    metadata = header.pop("__metadata__", {})
    tensors = {}
    for name, info in header.items():
        dtype, size = DTYPES[info["dtype"]]
        begin, end = info["data_offsets"]
        count = math.prod(info["shape"])
        if not 0 <= begin <= end <= len(body) or end - begin != count * size:
            raise ValueError(f"{path}: tensor {name} has bad offsets")
        array = np.frombuffer(body[begin:end], dtype=dtype).reshape(info["shape"])
        tensors[name] = torch.from_numpy(array.copy())
    return tensors, metadata


def write_safetensors(path, tensors, metadata):
    """float32 tensors and string metadata, written atomically."""
    header = {"__metadata__": metadata}
    blobs, offset = [], 0
    for name, tensor in tensors.items():
        blob = tensor.detach().to("cpu", torch.float32).contiguous().numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensor.shape),
                        "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    temporary = path + ".tmp"
    with open(temporary, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text)
        for blob in blobs:
            f.write(blob)
        f.flush()
        os.fsync(f.fileno())
    os.replace(temporary, path)

# ---- The targets: MobileNetV2 up to the taps, aggregation, projection ----

# Depthwise stride of each block (ead-backbone.h); the stem is stride 2 too.
BLOCK_STRIDES = [1, 2, 1, 2, 1, 1, 2, 1, 1, 1, 1, 1, 1, 2, 1, 1, 1]


def conv_same(x, weight, bias, stride, relu6):
    """A convolution with TensorFlow's "SAME" padding: the odd pixel of an
    uneven padding goes after (bottom, right)."""
    k = weight.shape[-1]
    pads = []
    for side in (x.shape[3], x.shape[2]):
        out = -(-side // stride)
        total = max((out - 1) * stride + k - side, 0)
        pads += [total // 2, total - total // 2]
    groups = x.shape[1] if weight.shape[1] == 1 and x.shape[1] > 1 else 1
    y = F.conv2d(F.pad(x, pads), weight, bias, stride=stride, groups=groups)
    return y.clamp(0, 6) if relu6 else y


class Targets(nn.Module):
    def __init__(self, tensors, metadata):
        super().__init__()
        self.weights = {name[len("backbone."):]: t for name, t in tensors.items()
                        if name.startswith("backbone.")}
        self.taps = [self.parse_tap(metadata["tap.stride8"]),
                     self.parse_tap(metadata["tap.stride16"])]
        projection = tensors["projection"]
        self.projection = projection.view(CHANNELS, projection.shape[1], 1, 1)

    @staticmethod
    def parse_tap(text):
        block, kind = text.split()
        if kind not in ("output", "expanded"):
            raise ValueError(f"unknown tap kind {kind}")
        return int(block), kind

    def to(self, device):
        self.weights = {k: v.to(device) for k, v in self.weights.items()}
        self.projection = self.projection.to(device)
        return self

    def conv(self, name, x, stride, relu6):
        return conv_same(x, self.weights[name + ".weight"], self.weights[name + ".bias"],
                         stride, relu6)

    def features(self, x):
        """The two tapped maps of images in [-1, 1]."""
        wanted = {tap: None for tap in self.taps}
        x = self.conv("stem", x, 2, True)
        for i in range(max(block for block, _ in self.taps) + 1):
            prefix = f"blocks.{i}"
            expanded = x
            if prefix + ".expand.weight" in self.weights:
                expanded = self.conv(prefix + ".expand", x, 1, True)
            y = self.conv(prefix + ".depthwise", expanded, BLOCK_STRIDES[i], True)
            y = self.conv(prefix + ".project", y, 1, False)
            x = y + x if BLOCK_STRIDES[i] == 1 and y.shape[1] == x.shape[1] else y
            for tap in wanted:
                if tap[0] == i:
                    wanted[tap] = x if tap[1] == "output" else expanded
        return [wanted[tap] for tap in self.taps]

    def forward(self, x):
        """Raw targets (before normalisation) of images in [-1, 1]."""
        fine, coarse = self.features(x)
        coarse = F.interpolate(coarse, size=(GRID, GRID), mode="bilinear",
                               align_corners=False)
        local = F.avg_pool2d(torch.cat([fine, coarse], 1), 3, 1, 1, count_include_pad=False)
        return F.conv2d(local, self.projection.to(local.dtype))

# ---- The padded PDN (make_pdn() in core/torch/ead-torch.cpp) ----


def padded_pdn(size):
    def conv(i, o, k, p=0):
        return nn.Conv2d(i, o, k, padding=p)
    if size == "s":
        return nn.Sequential(conv(3, 128, 4, 3), nn.ReLU(), nn.AvgPool2d(2, 2, 1),
                             conv(128, 256, 4, 3), nn.ReLU(), nn.AvgPool2d(2, 2, 1),
                             conv(256, 256, 3, 1), nn.ReLU(),
                             conv(256, CHANNELS, 4))
    return nn.Sequential(conv(3, 256, 4, 3), nn.ReLU(), nn.AvgPool2d(2, 2, 1),
                         conv(256, 512, 4, 3), nn.ReLU(), nn.AvgPool2d(2, 2, 1),
                         conv(512, 512, 1), nn.ReLU(),
                         conv(512, 512, 3, 1), nn.ReLU(),
                         conv(512, CHANNELS, 4), nn.ReLU(),
                         conv(CHANNELS, CHANNELS, 1))

# ---- Images ----


def load_image(path):
    try:
        with Image.open(path) as image:
            image = image.convert("RGB").resize((SIDE, SIDE), Image.BILINEAR)
            return np.asarray(image, dtype=np.uint8)
    except Exception as e:  # a bad photo is skipped, not fatal
        print(f"skipping {path}: {e}", file=sys.stderr)
        return None


def load_images(folders):
    paths = sorted(os.path.join(folder, name) for folder in folders
                   for name in os.listdir(folder) if name.lower().endswith(IMAGE_SUFFIXES))
    with Pool(min(16, os.cpu_count() or 1)) as pool:
        arrays = [a for a in pool.map(load_image, paths, chunksize=16) if a is not None]
    if len(arrays) < 2:
        raise ValueError("distillation needs at least 2 images")
    return torch.from_numpy(np.stack(arrays)).permute(0, 3, 1, 2).contiguous()

# ---- Batches ----


def backbone_input(pixels):
    return pixels / 127.5 - 1.0


def pdn_input(pixels):
    """Half the side (a 2 x 2 box filter), ImageNet-normalised."""
    half = F.avg_pool2d(pixels, 2) / 255.0
    mean = torch.tensor(IMAGENET_MEAN, device=pixels.device).view(1, 3, 1, 1)
    std = torch.tensor(IMAGENET_STD, device=pixels.device).view(1, 3, 1, 1)
    return (half - mean) / std


def augment(pixels, generator, grayscale_probability):
    """Random resized crops (area 25-100%, aspect 3/4-4/3), horizontal flips
    and grayscale of a uint8 batch, as float pixels (0-255) at 512 x 512."""
    n, device = pixels.shape[0], pixels.device

    def uniform(low, high):
        return low + (high - low) * torch.rand(n, generator=generator, device=device)
    area = uniform(0.25, 1.0)
    aspect = torch.exp(uniform(math.log(3 / 4), math.log(4 / 3)))
    width = torch.sqrt(area * aspect).clamp(max=1.0)
    height = torch.sqrt(area / aspect).clamp(max=1.0)
    centre_x = uniform(-1.0, 1.0) * (1 - width)
    centre_y = uniform(-1.0, 1.0) * (1 - height)
    flip = torch.where(torch.rand(n, generator=generator, device=device) < 0.5, -1.0, 1.0)
    theta = torch.zeros(n, 2, 3, device=device)
    theta[:, 0, 0] = width * flip
    theta[:, 0, 2] = centre_x
    theta[:, 1, 1] = height
    theta[:, 1, 2] = centre_y
    grid = F.affine_grid(theta, (n, 3, SIDE, SIDE), align_corners=False)
    out = F.grid_sample(pixels.float(), grid, mode="bilinear", padding_mode="border",
                        align_corners=False)
    luma = (0.299 * out[:, 0:1] + 0.587 * out[:, 1:2] + 0.114 * out[:, 2:3]).expand(-1, 3, -1, -1)
    gray = torch.rand(n, generator=generator, device=device) < grayscale_probability
    return torch.where(gray.view(n, 1, 1, 1), luma, out)

# ---- The run ----


def check_targets(targets, tensors, device, tolerance):
    """The port must give the engine's targets for the exported image."""
    image = tensors["check.image"].permute(2, 0, 1).unsqueeze(0).float().to(device)
    expected = tensors["check.targets"].to(device)
    with torch.no_grad():
        got = targets(backbone_input(image))[0]
    error = ((got - expected).abs().max() / expected.abs().max()).item()
    print(f"targets check: max |difference| / max |target| = {error:.2e}", flush=True)
    if not error < tolerance:
        raise SystemExit(f"the targets differ from the engine's ({error:.2e} >= {tolerance})")
    return error


def raw_targets(targets, pixels, indices, device, precision):
    with torch.no_grad(), torch.autocast(device.type, dtype=torch.bfloat16,
                                         enabled=precision == "bf16"):
        return targets(backbone_input(pixels[indices].to(device).float())).float()


def statistics(targets, pixels, train, device, precision, batch=32):
    total = torch.zeros(CHANNELS, dtype=torch.float64, device=device)
    squares = torch.zeros_like(total)
    for first in range(0, len(train), batch):
        t = raw_targets(targets, pixels, train[first:first + batch], device, precision).double()
        total += t.sum((0, 2, 3))
        squares += (t * t).sum((0, 2, 3))
    count = len(train) * GRID * GRID
    mean = total / count
    std = (squares / count - mean * mean).clamp(min=0).sqrt().clamp(min=1e-6)
    return mean.float().view(1, -1, 1, 1), std.float().view(1, -1, 1, 1)


def held_out_loss(pdn, targets, pixels, held_out, mean, std, device, precision, batch=32):
    pdn.eval()
    total = 0.0
    with torch.no_grad(), torch.autocast(device.type, dtype=torch.bfloat16,
                                         enabled=precision == "bf16"):
        for first in range(0, len(held_out), batch):
            indices = held_out[first:first + batch]
            target = (raw_targets(targets, pixels, indices, device, precision) - mean) / std
            image = pixels[indices].to(device).float()
            out = pdn(pdn_input(image)).float()
            total += F.mse_loss(out, target, reduction="sum").item()
    pdn.train()
    return total / (len(held_out) * CHANNELS * GRID * GRID)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--targets", required=True, help="file from efficientad distill --export-targets")
    parser.add_argument("--images", action="append", required=True, help="image folder (repeatable)")
    parser.add_argument("--out", required=True, help="folder for the teacher and the log")
    parser.add_argument("--size", choices=("s", "m"), default="s")
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=420, help="training time budget")
    parser.add_argument("--steps", type=int, default=60000, help="step budget")
    parser.add_argument("--save-every", type=float, default=60, help="seconds between saves")
    parser.add_argument("--held-out-every", type=int, default=2000, help="steps between held-out losses")
    parser.add_argument("--precision", choices=("fp32", "bf16"), default="bf16")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--tolerance", type=float, default=1e-3)
    args = parser.parse_args()

    started = time.monotonic()
    device = torch.device(args.device)
    torch.manual_seed(args.seed)
    # The check compares float32 results: no TF32 shortcuts for it.
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cudnn.benchmark = True

    # Decode in worker processes before CUDA starts: forked children must not
    # inherit a CUDA context.
    pixels = load_images(args.images)
    tensors, target_metadata = read_safetensors(args.targets)
    targets = Targets(tensors, target_metadata).to(device)
    check_error = check_targets(targets, tensors, device, args.tolerance)

    if device.type == "cuda":
        pixels = pixels.to(device)
    order = list(range(pixels.shape[0]))
    random.Random(args.seed).shuffle(order)
    n_held = max(1, round(len(order) * HELD_OUT_FRACTION))
    held_out, train = order[:n_held], order[n_held:]
    print(f"{len(train)} training images, {len(held_out)} held out "
          f"({time.monotonic() - started:.0f} s)", flush=True)

    mean, std = statistics(targets, pixels, train, device, args.precision)
    pdn = padded_pdn(args.size).to(device)
    optimizer = torch.optim.Adam(pdn.parameters(), lr=1e-4, weight_decay=1e-5)
    generator = torch.Generator(device=device)
    generator.manual_seed(args.seed)
    train_tensor = torch.tensor(train, device=pixels.device)

    loss_at = [(0, held_out_loss(pdn, targets, pixels, held_out, mean, std, device,
                                 args.precision))]
    print(f"step 0: held-out loss {loss_at[-1][1]:.4f}", flush=True)
    path = os.path.join(args.out, f"teacher_{'small' if args.size == 's' else 'medium'}.safetensors")

    def save(step):
        names = {name: p for name, p in pdn.state_dict().items()}
        metadata = {
            "size": args.size,
            "distill.backbone": target_metadata.get("distill.backbone", ""),
            "distill.taps": target_metadata.get("distill.taps", ""),
            "distill.projection": target_metadata.get("distill.projection", ""),
            "distill.sources": ", ".join(os.path.basename(os.path.normpath(f)) for f in args.images),
            "distill.images": str(len(train)),
            "distill.held_out_images": str(len(held_out)),
            "distill.steps": str(step),
            "distill.batch": str(args.batch),
            "distill.held_out_loss": f"{loss_at[-1][1]:.6f}",
            "distill.held_out_curve": " ".join(f"{s}:{v:.4f}" for s, v in loss_at),
            "distill.precision": args.precision,
            "distill.augmentation": "random resized crop (area 0.25-1, aspect 3/4-4/3), "
                                    "horizontal flip 0.5, grayscale 0.1",
            "distill.runtime": f"tools/distill-cuda.py, PyTorch {torch.__version__}, "
                               f"{torch.cuda.get_device_name() if device.type == 'cuda' else 'CPU'}",
            "distill.targets_check": f"{check_error:.2e}",
            "distill.date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        write_safetensors(path, names, metadata)

    training_started = time.monotonic()
    last_save = training_started
    step, running = 0, None
    while step < args.steps and time.monotonic() - training_started < args.seconds:
        pick = torch.randint(len(train), (args.batch,), generator=generator, device=pixels.device)
        crops = augment(pixels[train_tensor[pick]].to(device), generator, 0.1)
        with torch.no_grad(), torch.autocast(device.type, dtype=torch.bfloat16,
                                             enabled=args.precision == "bf16"):
            target = (targets(backbone_input(crops)).float() - mean) / std
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=args.precision == "bf16"):
            out = pdn(pdn_input(crops)).float()
        loss = F.mse_loss(out, target)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        step += 1
        if step % 100 == 0:
            value = loss.item()
            running = value if running is None else 0.9 * running + 0.1 * value
            elapsed = time.monotonic() - training_started
            print(f"step {step}: loss {running:.4f} ({elapsed / step * 1000:.1f} ms/step)", flush=True)
        if step % args.held_out_every == 0:
            loss_at.append((step, held_out_loss(pdn, targets, pixels, held_out, mean, std,
                                                 device, args.precision)))
            print(f"step {step}: held-out loss {loss_at[-1][1]:.4f}", flush=True)
        if time.monotonic() - last_save > args.save_every:
            save(step)
            last_save = time.monotonic()
    if loss_at[-1][0] != step:
        loss_at.append((step, held_out_loss(pdn, targets, pixels, held_out, mean, std, device,
                                            args.precision)))
    save(step)
    print(f"wrote {path}: {step} steps of {args.batch}, held-out loss "
          f"{loss_at[0][1]:.4f} -> {loss_at[-1][1]:.4f} ({time.monotonic() - started:.0f} s in all)",
          flush=True)


if __name__ == "__main__":
    main()
