#!/usr/bin/python3
"""Makes a harder test set from good images: small defects at full resolution.

    tools/make-hard-defects.py GOOD_DIR OUT [--train DIR] [--grayscale] [--seed N]

Every image of GOOD_DIR gets, in turn, each kind of defect, written in the
MVTec AD layout that `efficientad eval` and `project import` read:

    OUT/test/good/               the images as they are
    OUT/test/<kind>/NNN.png      the same image with one defect
    OUT/ground_truth/<kind>/NNN_mask.png   white where the defect is
    OUT/train/good/              the images of --train, when given

The kinds are the defects that vanish when a large photo is shrunk to the
model's 256 pixels:
    scratch      a thin curved stroke, 1 to 3 px wide, darker or brighter
    spot         a small dark or bright blot, 2 to 5 px across
    deformation  a local bulge or shift of 2 to 4 px in a disc of 8 to 20 px
The mask is exact: the pixels the stroke or blot covers by half or more, and
those a deformation moves by half a pixel or more. Defects are placed where
the image has structure (a local contrast above the image's median), so that
they land on the part rather than on a plain background. --grayscale writes
every image in shades of grey, as line cameras often deliver them. The same
seed gives the same files.
"""
import argparse
import pathlib
import sys

import numpy as np
from PIL import Image

KINDS = ("scratch", "spot", "deformation")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp")


def images_in(folder):
    paths = sorted(p for p in pathlib.Path(folder).iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    if not paths:
        sys.exit(f"error: no images in {folder}")
    return paths


def local_contrast(gray, window=15):
    """The standard deviation of each pixel's window, from box sums."""
    def box(a):
        c = np.pad(a, ((1, 0), (1, 0))).cumsum(0).cumsum(1)
        h, w = a.shape[0] - window + 1, a.shape[1] - window + 1
        return (c[window:window + h, window:window + w] - c[:h, window:window + w]
                - c[window:window + h, :w] + c[:h, :w]) / window ** 2
    mean, mean_sq = box(gray), box(gray * gray)
    std = np.sqrt(np.maximum(mean_sq - mean * mean, 0))
    pad = window // 2
    return np.pad(std, ((pad, gray.shape[0] - std.shape[0] - pad),
                        (pad, gray.shape[1] - std.shape[1] - pad)))


def place(rng, contrast, margin):
    """A point at least @margin from the border where the image has structure."""
    h, w = contrast.shape
    inner = contrast[margin:h - margin, margin:w - margin]
    if inner.size == 0:
        sys.exit(f"error: a {w}x{h} image is too small for these defects")
    ys, xs = np.nonzero(inner >= np.median(inner))
    i = rng.integers(len(ys))
    return ys[i] + margin, xs[i] + margin


def stroke_alpha(shape, points, width):
    """Coverage (0..1) of a stroke of @width through @points (N x 2, y x)."""
    alpha = np.zeros(shape)
    y0, x0 = np.floor(points.min(0) - width - 1).astype(int).clip(0)
    y1, x1 = np.ceil(points.max(0) + width + 2).astype(int)
    y1, x1 = min(y1, shape[0]), min(x1, shape[1])
    yy, xx = np.mgrid[y0:y1, x0:x1]
    nearest = np.full(yy.shape, np.inf)
    for chunk in np.array_split(points, max(1, len(points) // 64)):
        d = np.hypot(yy[..., None] - chunk[:, 0], xx[..., None] - chunk[:, 1]).min(-1)
        nearest = np.minimum(nearest, d)
    alpha[y0:y1, x0:x1] = np.clip(width / 2 + 0.5 - nearest, 0, 1)
    return alpha


def scratch(rng, image, contrast):
    # No longer than leaves room to place it: small images get short ones.
    if min(contrast.shape) < 64:
        sys.exit(f"error: a {contrast.shape[1]}x{contrast.shape[0]} image is too small for "
                 "these defects")
    length = min(rng.uniform(40, 200), min(contrast.shape) - 24)
    cy, cx = place(rng, contrast, int(length / 2) + 4)
    angle = rng.uniform(0, np.pi)
    direction = np.array([np.sin(angle), np.cos(angle)])
    bend = rng.uniform(-0.25, 0.25) * length * np.array([direction[1], -direction[0]])
    t = np.linspace(-0.5, 0.5, int(length * 2))[:, None]
    points = np.array([cy, cx]) + t * length * direction + (1 - 4 * t * t) * bend
    alpha = stroke_alpha(image.shape[:2], points, rng.uniform(1, 3))
    return blend(rng, image, alpha, 25, 60), alpha >= 0.5


def spot(rng, image, contrast):
    radius = rng.uniform(1, 2.5)
    cy, cx = place(rng, contrast, 8)
    stretch = rng.uniform(1, 1.6)
    points = np.array([[cy, cx - (stretch - 1) * radius], [cy, cx + (stretch - 1) * radius]])
    alpha = stroke_alpha(image.shape[:2], points, 2 * radius)
    return blend(rng, image, alpha, 40, 90), alpha >= 0.5


def blend(rng, image, alpha, low, high):
    """Darkens or brightens the covered pixels by low..high grey levels."""
    delta = rng.uniform(low, high) * rng.choice([-1, 1])
    return np.clip(image + alpha[..., None] * delta, 0, 255)


def deformation(rng, image, contrast):
    radius = rng.uniform(8, 20)
    cy, cx = place(rng, contrast, int(radius) + 2)
    amplitude = rng.uniform(2, 4)
    h, w = image.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(float)
    dy, dx = yy - cy, xx - cx
    r = np.hypot(dy, dx) / radius
    falloff = np.where(r < 1, (1 - r * r) ** 2, 0.0)
    if rng.random() < 0.5:      # a bulge: sample closer to the centre
        scale = amplitude * falloff / np.maximum(np.hypot(dy, dx), 1e-9)
        sy, sx = -dy * scale, -dx * scale
    else:                       # a shift in one direction
        angle = rng.uniform(0, 2 * np.pi)
        sy, sx = amplitude * falloff * np.sin(angle), amplitude * falloff * np.cos(angle)
    return bilinear(image, yy + sy, xx + sx), np.hypot(sy, sx) >= 0.5


def bilinear(image, y, x):
    h, w = image.shape[:2]
    y, x = y.clip(0, h - 1), x.clip(0, w - 1)
    y0, x0 = np.floor(y).astype(int).clip(0, h - 2), np.floor(x).astype(int).clip(0, w - 2)
    fy, fx = (y - y0)[..., None], (x - x0)[..., None]
    return ((1 - fy) * (1 - fx) * image[y0, x0] + (1 - fy) * fx * image[y0, x0 + 1]
            + fy * (1 - fx) * image[y0 + 1, x0] + fy * fx * image[y0 + 1, x0 + 1])


MAKERS = {"scratch": scratch, "spot": spot, "deformation": deformation}


def load(path, grayscale):
    image = Image.open(path).convert("L" if grayscale else "RGB")
    array = np.asarray(image, dtype=float)
    return array[..., None] if grayscale else array


def save(array, path):
    path.parent.mkdir(parents=True, exist_ok=True)
    pixels = np.rint(array).clip(0, 255).astype(np.uint8)
    Image.fromarray(pixels[..., 0] if pixels.shape[-1] == 1 else pixels).save(path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("good_dir")
    ap.add_argument("out")
    ap.add_argument("--train", help="good images to copy to OUT/train/good")
    ap.add_argument("--grayscale", action="store_true")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rng = np.random.default_rng(a.seed)
    out = pathlib.Path(a.out)
    if a.train:
        for i, path in enumerate(images_in(a.train)):
            save(load(path, a.grayscale), out / "train" / "good" / f"{i:03d}.png")
    for i, path in enumerate(images_in(a.good_dir)):
        image = load(path, a.grayscale)
        save(image, out / "test" / "good" / f"{i:03d}.png")
        contrast = local_contrast(image.mean(-1))
        for kind in KINDS:
            defective, mask = MAKERS[kind](rng, image, contrast)
            save(defective, out / "test" / kind / f"{i:03d}.png")
            save(mask[..., None] * 255.0, out / "ground_truth" / kind / f"{i:03d}_mask.png")


if __name__ == "__main__":
    main()
