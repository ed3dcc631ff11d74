#!/usr/bin/python3
"""What a training budget buys, drawn: reads the study.tsv that
tools/budget-study.sh writes and draws image AUROC and AU-PRO against
minutes of training, one colour per precision, a dot per seed and a line
through the means, as an SVG with nothing but the standard library.

Steps become minutes at the speeds `efficientad bench --json` measured on
a quiet machine (train_steps_per_min and train_steps_per_min_bf16):

  tools/plot-budget-study.py study.tsv docs/budget-study.svg \\
      --fp32-rate 52.0 --bf16-rate 139.1
"""

import argparse
import csv
import statistics
from xml.sax.saxutils import escape

COLOURS = {"fp32": "#1f77b4", "bf16": "#e6550d"}
PANEL_WIDTH, PANEL_HEIGHT = 340, 240
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 36, 44
# The CPU default's goal in issue 11: both within 15 minutes.
GOALS = {"image_auroc": 0.99, "aupro": 0.90}
TITLES = {"image_auroc": "Image AUROC", "aupro": "AU-PRO"}


def read_runs(path, rates):
    runs = []
    with open(path, newline="") as table:
        for row in csv.DictReader(table, delimiter="\t"):
            precision = row["precision"]
            runs.append({
                "precision": precision,
                "minutes": int(row["steps"]) / rates[precision],
                "image_auroc": float(row["image_auroc"]),
                "aupro": float(row["aupro"]),
            })
    return runs


def nice_limit(value, step):
    return step * (int(value / step) + 1)


class Panel:
    """One metric against minutes, at (x0, y0) in the drawing."""

    def __init__(self, x0, y0, max_minutes, low):
        self.x0, self.y0 = x0, y0
        self.max_minutes, self.low = max_minutes, low
        self.width = PANEL_WIDTH - LEFT - RIGHT
        self.height = PANEL_HEIGHT - TOP - BOTTOM

    def x(self, minutes):
        return self.x0 + LEFT + self.width * minutes / self.max_minutes

    def y(self, value):
        return self.y0 + TOP + self.height * (1 - (value - self.low) / (1 - self.low))


def draw_frame(out, panel, metric):
    left, right = panel.x(0), panel.x(panel.max_minutes)
    top, bottom = panel.y(1), panel.y(panel.low)
    out.append(f'<text x="{left}" y="{panel.y0 + 20}" font-weight="bold">'
               f'{TITLES[metric]}</text>')
    ticks = 5
    for i in range(ticks + 1):
        value = panel.low + (1 - panel.low) * i / ticks
        y = panel.y(value)
        out.append(f'<line x1="{left}" y1="{y:.1f}" x2="{right}" y2="{y:.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{value:.2f}</text>')
    step = 5 if panel.max_minutes <= 30 else 10
    minutes = 0
    while minutes <= panel.max_minutes:
        x = panel.x(minutes)
        out.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{bottom}" stroke="#eee"/>')
        out.append(f'<text x="{x:.1f}" y="{bottom + 16}" text-anchor="middle">{minutes}</text>')
        minutes += step
    out.append(f'<text x="{right}" y="{bottom + 34}" text-anchor="end">'
               'minutes of training steps</text>')
    goal = panel.y(GOALS[metric])
    out.append(f'<line x1="{left}" y1="{goal:.1f}" x2="{right}" y2="{goal:.1f}" '
               'stroke="#555" stroke-dasharray="4 3"/>')
    out.append(f'<rect x="{left}" y="{top}" width="{panel.width}" height="{panel.height}" '
               'fill="none" stroke="#333"/>')


def draw_series(out, panel, runs, metric, precision):
    colour = COLOURS[precision]
    mine = [r for r in runs if r["precision"] == precision]
    for r in mine:
        out.append(f'<circle cx="{panel.x(r["minutes"]):.1f}" cy="{panel.y(r[metric]):.1f}" '
                   f'r="3" fill="{colour}" fill-opacity="0.6"/>')
    by_minutes = {}
    for r in mine:
        by_minutes.setdefault(r["minutes"], []).append(r[metric])
    points = " ".join(f'{panel.x(m):.1f},{panel.y(statistics.mean(v)):.1f}'
                      for m, v in sorted(by_minutes.items()))
    if points:
        out.append(f'<polyline points="{points}" fill="none" stroke="{colour}" '
                   'stroke-width="2"/>')


def draw(runs, path):
    max_minutes = nice_limit(max(r["minutes"] for r in runs), 5)
    lows = {m: min(0.9, nice_limit(min(r[m] for r in runs), 0.05) - 0.05) for m in GOALS}
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{2 * PANEL_WIDTH}" '
           f'height="{PANEL_HEIGHT + 24}" font-family="sans-serif" font-size="11">',
           f'<rect width="100%" height="100%" fill="white"/>']
    for i, metric in enumerate(GOALS):
        panel = Panel(i * PANEL_WIDTH, 0, max_minutes, lows[metric])
        draw_frame(out, panel, metric)
        for precision in COLOURS:
            draw_series(out, panel, runs, metric, precision)
    legend_y = PANEL_HEIGHT + 14
    x = LEFT
    for precision, colour in COLOURS.items():
        out.append(f'<line x1="{x}" y1="{legend_y - 4}" x2="{x + 18}" y2="{legend_y - 4}" '
                   f'stroke="{colour}" stroke-width="2"/>')
        out.append(f'<text x="{x + 24}" y="{legend_y}">{escape(precision)} training</text>')
        x += 120
    out.append(f'<text x="{x}" y="{legend_y}">dots: seeds; lines: their mean; '
               'dashed: the goal</text>')
    out.append("</svg>")
    with open(path, "w") as svg:
        svg.write("\n".join(out) + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("table", help="study.tsv from tools/budget-study.sh")
    parser.add_argument("svg", help="the drawing to write")
    parser.add_argument("--fp32-rate", type=float, required=True, help="fp32 steps per minute")
    parser.add_argument("--bf16-rate", type=float, required=True, help="bf16 steps per minute")
    args = parser.parse_args()
    runs = read_runs(args.table, {"fp32": args.fp32_rate, "bf16": args.bf16_rate})
    draw(runs, args.svg)


if __name__ == "__main__":
    main()
