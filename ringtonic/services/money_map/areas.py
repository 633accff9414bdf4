"""Which part of the US the Money Map shows: the whole country or one state and its counties."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from ringtonic.services.errors import ValidationError
from ringtonic.services.money_map.us_map import us_map

# Built by scripts/build_us_counties.py; one file per state, read only for the state shown.
COUNTIES_DIR = Path(__file__).resolve().parents[2] / "static_data" / "us_counties"
WHOLE_US = "us"
# The map zooms to a state by itself when it holds at least this share of the mapped calls:
# a local business gets a few calls from travellers and moved-away customers.
AUTO_ZOOM_SHARE = 0.8
# Room around a zoomed state, as a share of its size, so its border is not cut by the frame.
PADDING = 0.04
# Keep a zoomed view between a wide strip and a tall column, so phones and desktops both fit it.
MIN_ASPECT, MAX_ASPECT = 0.5, 1.0  # height / width
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


@dataclass(frozen=True)
class CountyShape:
    """One county's outline in map pixels."""

    fips: str
    name: str
    d: str


@dataclass(frozen=True)
class StateDetail:
    """A state's fine outline and its counties, for a zoomed-in map."""

    postal: str
    outline: str
    counties: tuple[CountyShape, ...]
    source: str


@dataclass(frozen=True)
class View:
    """The SVG viewBox of the map: x, y, width, height in map pixels."""

    x: float
    y: float
    width: float
    height: float

    @property
    def scale(self) -> float:
        """How many map pixels one pixel of the whole-US map spans here (1.0 = whole US)."""
        return self.width / us_map().width

    @property
    def box(self) -> str:
        return f"{self.x:g} {self.y:g} {self.width:g} {self.height:g}"


@cache
def state_detail(postal: str) -> StateDetail:
    """Load one state's counties (once per process)."""
    data = json.loads((COUNTIES_DIR / f"{postal}.json").read_text(encoding="utf-8"))
    return StateDetail(
        postal=data["postal"],
        outline=data["outline"],
        counties=tuple(CountyShape(c["fips"], c["name"], c["d"]) for c in data["counties"]),
        source=data["source"],
    )


def path_bounds(d: str) -> tuple[float, float, float, float]:
    """Return (x0, y0, x1, y1) of SVG path data made of absolute M/Z points, as the assets are."""
    numbers = [float(n) for n in _NUMBER.findall(d)]
    xs, ys = numbers[0::2], numbers[1::2]
    return min(xs), min(ys), max(xs), max(ys)


def whole_us() -> View:
    """The view of the whole map."""
    shapes = us_map()
    return View(0, 0, shapes.width, shapes.height)


@cache
def state_view(postal: str) -> View:
    """Fit one state in the frame, padded, with its aspect kept within bounds."""
    shape = next(s for s in us_map().states if s.postal == postal)
    x0, y0, x1, y1 = path_bounds(shape.d)
    width, height = x1 - x0, y1 - y0
    pad = PADDING * max(width, height)
    width, height = width + 2 * pad, height + 2 * pad
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    height = max(height, width * MIN_ASPECT)
    width = max(width, height / MAX_ASPECT)
    return View(
        round(cx - width / 2, 2), round(cy - height / 2, 2), round(width, 2), round(height, 2)
    )


def check_area(area: str) -> None:
    """Refuse an area that is neither "us" nor a state the map draws, naming the field."""
    if area and area != WHOLE_US and area not in us_map().state_names():
        raise ValidationError('Choose an area: "us" or a state\'s two-letter code.', "area")


def choose_area(requested: str, calls_by_state: dict[str, int]) -> str:
    """Return the area to show: the one asked for, else the state with most calls if dominant."""
    if requested:
        return requested
    drawn = {code: calls for code, calls in calls_by_state.items() if calls > 0}
    total = sum(drawn.values())
    if not total:
        return WHOLE_US
    top, calls = max(drawn.items(), key=lambda item: (item[1], item[0]))
    return top if calls >= AUTO_ZOOM_SHARE * total else WHOLE_US
