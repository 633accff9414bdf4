"""The Albers USA composite projection, as d3.geoAlbersUsa draws the us-atlas state shapes.

The map's state outlines come pre-projected (scale 1300, translate [487.5, 305], a 975×610
viewport), so callers' coordinates must be projected by the same maths to land inside them:
a conic equal-area projection for the lower 48 plus shrunken Alaska and Hawaii insets, each
tried in turn and kept only if the point falls inside that part's clip box.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

SCALE = 1300.0
TRANSLATE = (487.5, 305.0)
# d3-geo's epsilon: keeps the insets' clip boxes from touching each other.
_EPSILON = 1e-6


@dataclass(frozen=True)
class ConicEqualArea:
    """A conic equal-area (Albers) projection configured like d3's conicEqualArea()."""

    parallels: tuple[float, float]
    rotate_longitude: float
    center: tuple[float, float]
    scale: float
    translate: tuple[float, float]
    clip: tuple[float, float, float, float]  # x0, y0, x1, y1 in output pixels

    def _raw(self, lam: float, phi: float) -> tuple[float, float]:
        sin_y0 = math.sin(math.radians(self.parallels[0]))
        n = (sin_y0 + math.sin(math.radians(self.parallels[1]))) / 2
        c = 1 + sin_y0 * (2 * n - sin_y0)
        r0 = math.sqrt(c) / n
        r = math.sqrt(c - 2 * n * math.sin(phi)) / n
        return r * math.sin(lam * n), r0 - r * math.cos(lam * n)

    def project(self, longitude: float, latitude: float) -> tuple[float, float] | None:
        """Return the pixel position, or None when it falls outside this part's clip box."""
        lam = math.radians(longitude + self.rotate_longitude)
        if abs(lam) > math.pi:  # wrap the rotated longitude into [-π, π] as d3 does
            lam -= round(lam / math.tau) * math.tau
        x, y = self._raw(lam, math.radians(latitude))
        # d3 centers the projection on `center` given in already-rotated coordinates.
        cx, cy = self._raw(math.radians(self.center[0]), math.radians(self.center[1]))
        px = self.translate[0] + self.scale * (x - cx)
        py = self.translate[1] - self.scale * (y - cy)
        x0, y0, x1, y1 = self.clip
        if x0 <= px <= x1 and y0 <= py <= y1:
            return px, py
        return None


def _parts(scale: float, translate: tuple[float, float]) -> tuple[ConicEqualArea, ...]:
    k, (x, y) = scale, translate
    lower48 = ConicEqualArea(
        parallels=(29.5, 45.5),
        rotate_longitude=96.0,
        center=(-0.6, 38.7),
        scale=k,
        translate=(x, y),
        clip=(x - 0.455 * k, y - 0.238 * k, x + 0.455 * k, y + 0.238 * k),
    )
    alaska = ConicEqualArea(
        parallels=(55.0, 65.0),
        rotate_longitude=154.0,
        center=(-2.0, 58.5),
        scale=k * 0.35,
        translate=(x - 0.307 * k, y + 0.201 * k),
        clip=(
            x - 0.425 * k + _EPSILON,
            y + 0.120 * k + _EPSILON,
            x - 0.214 * k - _EPSILON,
            y + 0.234 * k - _EPSILON,
        ),
    )
    hawaii = ConicEqualArea(
        parallels=(8.0, 18.0),
        rotate_longitude=157.0,
        center=(-3.0, 19.9),
        scale=k,
        translate=(x - 0.205 * k, y + 0.212 * k),
        clip=(
            x - 0.214 * k + _EPSILON,
            y + 0.166 * k + _EPSILON,
            x - 0.115 * k - _EPSILON,
            y + 0.234 * k - _EPSILON,
        ),
    )
    return lower48, alaska, hawaii


_PARTS = _parts(SCALE, TRANSLATE)


def project(latitude: float, longitude: float) -> tuple[float, float] | None:
    """Return the (x, y) map position of a point, or None if no part of the map shows it."""
    for part in _PARTS:
        point = part.project(longitude, latitude)
        if point is not None:
            return point
    return None
