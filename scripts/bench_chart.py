#!/usr/bin/env python3
"""Draws the ratios from scripts/bench.sh as an SVG bar chart.

Usage: bench_chart.py RATIOS OUT.svg [SUBTITLE]

RATIOS has one line per bar, tab-separated: group, label, ratio
(cinnabar / redis). Bars are coloured by group (each group says whether
higher or lower is better) and a dashed line marks 1.0, where the two
servers are equal. Standard library only, so it runs wherever bench.sh does.
"""

import sys
from xml.sax.saxutils import escape

COLOURS = ["#4c78a8", "#f58518", "#54a24b", "#b279a2", "#e45756"]
BAR_H, GAP, LABEL_W, PLOT_W, TOP, RIGHT = 18, 6, 230, 480, 70, 60


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    rows = []
    with open(sys.argv[1]) as f:
        for line in f:
            if line.strip():
                group, label, ratio = line.rstrip("\n").split("\t")
                rows.append((group, label, float(ratio)))
    if not rows:
        sys.exit("bench_chart.py: no ratios to draw")
    subtitle = sys.argv[3] if len(sys.argv) == 4 else ""
    groups = list(dict.fromkeys(g for g, _, _ in rows))
    colour = {g: COLOURS[i % len(COLOURS)] for i, g in enumerate(groups)}
    # Scale: at least 0..1.5 so the 1.0 line never sits at the edge.
    top = max(1.5, max(r for _, _, r in rows) * 1.1)
    x = lambda v: LABEL_W + v / top * PLOT_W  # noqa: E731
    legend_h = 18 * len(groups)
    height = TOP + len(rows) * (BAR_H + GAP) + 40 + legend_h
    width = LABEL_W + PLOT_W + RIGHT
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="10" y="22" font-size="16" font-weight="bold">'
        f"Cinnabar vs Redis: ratio per workload</text>",
        f'<text x="10" y="42" fill="#555">{escape(subtitle)}</text>',
    ]
    y = TOP
    for group, label, ratio in rows:
        out.append(
            f'<text x="{LABEL_W - 6}" y="{y + BAR_H - 5}" text-anchor="end">'
            f"{escape(label)}</text>"
        )
        out.append(
            f'<rect x="{LABEL_W}" y="{y}" width="{x(ratio) - LABEL_W:.1f}" '
            f'height="{BAR_H}" fill="{colour[group]}"/>'
        )
        out.append(f'<text x="{x(ratio) + 4:.1f}" y="{y + BAR_H - 5}">{ratio:.2f}</text>')
        y += BAR_H + GAP
    # Axis ticks every 0.5.
    tick = 0.0
    while tick <= top:
        out.append(
            f'<line x1="{x(tick):.1f}" y1="{TOP - 4}" x2="{x(tick):.1f}" y2="{y}" '
            f'stroke="#ddd"/>'
        )
        out.append(f'<text x="{x(tick):.1f}" y="{y + 14}" text-anchor="middle">{tick:.1f}</text>')
        tick += 0.5
    out.append(
        f'<line x1="{x(1.0):.1f}" y1="{TOP - 8}" x2="{x(1.0):.1f}" y2="{y}" '
        f'stroke="black" stroke-width="1.5" stroke-dasharray="5,3"/>'
    )
    ly = y + 36
    for g in groups:
        out.append(f'<rect x="{LABEL_W}" y="{ly - 10}" width="12" height="12" fill="{colour[g]}"/>')
        out.append(f'<text x="{LABEL_W + 18}" y="{ly}">{escape(g)}</text>')
        ly += 18
    out.append("</svg>")
    with open(sys.argv[2], "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
