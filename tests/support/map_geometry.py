"""Read the map's SVG path data back into rings, to test where points fall."""

from __future__ import annotations

import re

Ring = list[tuple[float, float]]
_SUBPATH = re.compile(r"M([^MZ]+)Z")


def path_rings(d: str) -> list[Ring]:
    """Split "Mx,y x,y …Z…" path data into its closed rings."""
    return [
        [tuple(float(v) for v in pair.split(",")) for pair in body.split()]
        for body in _SUBPATH.findall(d)
    ]


def bounding_box(d: str) -> tuple[float, float, float, float]:
    """Return (min x, min y, max x, max y) over every point of the path."""
    points = [point for ring in path_rings(d) for point in ring]
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return min(xs), min(ys), max(xs), max(ys)


def contains(d: str, x: float, y: float) -> bool:
    """Return whether (x, y) is inside the path, by the even-odd rule SVG fills with."""
    inside = False
    for ring in path_rings(d):
        for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
            if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
                inside = not inside
    return inside
