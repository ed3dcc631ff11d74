#!/usr/bin/python3
"""Makes data/penalty/: small copies of openly licensed natural photos for
EfficientAD's penalty term, which training uses by default.

usage: tools/make-penalty-images.py ../shared/images/open data/penalty

Only photos whose licence lets us ship them with an attribution are taken
(Open Images, CC BY 2.0; one public-domain photo; one CC BY 3.0 photo); the
attributions are in data/penalty/COPYRIGHT.  Training resizes each to twice
the model size, so 512 pixels on the long side keep what a 256-px model
sees and the folder small.
"""
import os
import sys

from PIL import Image

PHOTOS = [
    "bird.png", "cat.png", "dragonfly.png", "face.jpg", "grace_hopper.png",
    "hot_dog.jpg", "missvickie_potato_chips.png", "owl.jpg", "parrot.jpg",
    "pets.jpg", "sunflower.png",
]
LONG_SIDE = 512


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: tools/make-penalty-images.py SOURCE_FOLDER TARGET_FOLDER")
    source, target = sys.argv[1:]
    os.makedirs(target, exist_ok=True)
    for name in PHOTOS:
        image = Image.open(os.path.join(source, name)).convert("RGB")
        scale = LONG_SIDE / max(image.size)
        if scale < 1:
            size = (round(image.width * scale), round(image.height * scale))
            image = image.resize(size, Image.LANCZOS)
        stem = os.path.splitext(name)[0]
        image.save(os.path.join(target, stem + ".jpg"), quality=90)


if __name__ == "__main__":
    main()
