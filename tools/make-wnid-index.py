#!/usr/bin/env python3
"""Derives data/imagenet/wnid-to-index.tsv: the WordNet id of each of
MobileNet's 1001 ImageNet classes (index 0 is "background", 1..1000 the
ILSVRC-2012 classification classes).

Two facts make this possible without ImageNet's own metadata:
  * the labels file lists each class by the lemmas of its WordNet 3.0 noun
    synset ("great white shark, white shark, man-eater, ..."), and
  * the classes are in the order of their sorted WordNet ids (nXXXXXXXX, the
    8-digit synset offset in WordNet 3.0's data.noun).
So each label is matched to the noun synsets whose lemma list it equals. Where
a label fits several synsets, two things narrow it down:
  * the increasing order: the two "crane"s are the bird (n02012849, class 135)
    and the machine (n03126707, class 518);
  * senses of one word sit next to each other in data.noun ("apron": the
    garment, the airport apron), where the order cannot separate them; there
    the sample photos decide: ../shared/images/imagenet-sample holds a photo of
    every classification class, named after its WordNet id, so of two senses
    only the class's appears among the file names.
The script checks that the result is forced (the smallest and the largest
increasing assignments agree) and that every class has a photo.

Usage: make-wnid-index.py LABELS DATA_NOUN IMAGES_DIR OUTPUT
  e.g. make-wnid-index.py ../shared/pretrained/imagenet_labels.txt \
         /usr/share/wordnet/data.noun ../shared/images/imagenet-sample \
         data/imagenet/wnid-to-index.tsv
(DATA_NOUN comes with Debian's wordnet-base package.)
"""
import os
import sys


def read_synsets(path):
    """Yields (offset, [lemma, ...]) for each noun synset of data.noun."""
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("  "):  # the licence header
                continue
            fields = line.split()
            offset, word_count = int(fields[0]), int(fields[3], 16)
            # Words come as (lemma, lex_id) pairs after the count.
            lemmas = [fields[4 + 2 * i].replace("_", " ") for i in range(word_count)]
            yield offset, lemmas


def photographed_offsets(images_dir):
    """The synset offsets that start the photos' names (nXXXXXXXX_...)."""
    return {int(name[1:9]) for name in os.listdir(images_dir)
            if name.startswith("n") and name[1:9].isdigit()}


def label_candidates(labels, synsets, photographed):
    """The synsets each class may be, how many classes fit several synsets and
    how many of those the photos narrowed down."""
    by_lemmas = {}
    for offset, lemmas in synsets:
        by_lemmas.setdefault(tuple(lemmas), []).append(offset)
    candidates = []
    several = by_photos = 0
    for index, label in enumerate(labels[1:], start=1):
        names = tuple(name.strip() for name in label.split(","))
        found = sorted(by_lemmas.get(names, []))
        if not found:
            sys.exit(f"no WordNet noun synset has exactly the lemmas of class {index}: {label}")
        if len(found) > 1:
            several += 1
            photographed_found = [o for o in found if o in photographed]
            if photographed_found and len(photographed_found) < len(found):
                found = photographed_found
                by_photos += 1
        candidates.append(found)
    return candidates, several, by_photos


def increasing_choice(candidates, smallest):
    """The smallest (or largest) strictly increasing choice of one candidate
    per class; choosing greedily leaves the most room for the rest."""
    chosen = []
    order = candidates if smallest else candidates[::-1]
    bound = -1 if smallest else float("inf")
    for options in order:
        fitting = [o for o in options if (o > bound if smallest else o < bound)]
        if not fitting:
            sys.exit("no increasing assignment of synsets to classes exists")
        bound = min(fitting) if smallest else max(fitting)
        chosen.append(bound)
    return chosen if smallest else chosen[::-1]


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    labels_path, data_noun, images_dir, output = sys.argv[1:]
    with open(labels_path, encoding="utf-8") as f:
        labels = [line.rstrip("\n") for line in f]
    if len(labels) != 1001 or labels[0] != "background":
        sys.exit(f"{labels_path}: expected 1001 labels starting with 'background'")
    photographed = photographed_offsets(images_dir)
    candidates, several, by_photos = label_candidates(labels, read_synsets(data_noun), photographed)
    low = increasing_choice(candidates, smallest=True)
    high = increasing_choice(candidates, smallest=False)
    if low != high:
        ambiguous = [i + 1 for i, (a, b) in enumerate(zip(low, high)) if a != b]
        sys.exit(f"the order does not settle classes {ambiguous}")
    missing = [i + 1 for i, offset in enumerate(low) if offset not in photographed]
    if missing:
        sys.exit(f"classes {missing} have no photo in {images_dir}: a derivation error")
    with open(output, "w", encoding="utf-8") as f:
        f.write("# wnid\tindex\tlabel (derived by tools/make-wnid-index.py; see README.md)\n")
        for index, offset in enumerate(low, start=1):
            f.write(f"n{offset:08d}\t{index}\t{labels[index]}\n")
    print(f"{output}: 1000 classes; {several} fit several synsets, the photos "
          f"narrowed {by_photos} of them, the order settled the rest", file=sys.stderr)


if __name__ == "__main__":
    main()
