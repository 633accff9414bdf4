"""Turn geo-data into what the Money Map's SVG draws: shaded states, a legend, circles."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ringtonic.services.money_map.areas import (
    WHOLE_US,
    CountyShape,
    View,
    choose_area,
    state_detail,
    state_view,
    whole_us,
)
from ringtonic.services.money_map.projection import project
from ringtonic.services.money_map.us_map import us_map

SHADES = 5  # colour classes from light to dark; shade 0 is "no calls"
MAX_RADIUS = 26.0
# Below this a circle is hard to see or hover, so tiny places are drawn a little larger.
MIN_RADIUS = 2.5
# Thousands of zip circles would make the page heavy; the tables and CSV still list them all.
MAX_CIRCLES = 400
US_COUNTRIES = ("US", "")
# Room under the states for the legends (the shapes fill the 975×610 viewport).
LEGEND_HEIGHT = 76
# Nested reference circles closer than this in diameter would print their labels on top
# of each other.
MIN_KEY_GAP = 20


@dataclass(frozen=True)
class ShadedState:
    """A state outline with its calls and colour class (0 = none)."""

    postal: str
    name: str
    d: str
    calls: int
    shade: int
    title: str


@dataclass(frozen=True)
class LegendStep:
    """One colour class of the legend and the range of calls it covers."""

    shade: int
    label: str


@dataclass(frozen=True)
class Circle:
    """A place drawn as a circle whose area grows with its calls."""

    x: float
    y: float
    r: float
    calls: int
    title: str


@dataclass(frozen=True)
class MapDrawing:
    """Everything the SVG template needs, in drawing order."""

    width: int
    height: int
    source: str
    states: list[ShadedState]
    legend: list[LegendStep]
    circles: list[Circle]
    circle_sizes: list[Circle]  # reference circles for the legend
    circles_left_out: int  # places with coordinates beyond MAX_CIRCLES
    unmapped_states: dict[str, int]  # US codes with calls but no shape (PR, GU, …) → calls
    area: str = WHOLE_US  # "us" or the postal code of the state the map is zoomed to
    view: View | None = None  # the SVG viewBox; None means the whole map
    outline: str = ""  # the zoomed state's fine outline
    counties: tuple[CountyShape, ...] = ()
    area_choices: tuple[tuple[str, str, int], ...] = ()  # (code, name, calls), most calls first
    calls_outside_view: int = 0  # mapped calls in other states than the zoomed one
    legend_height: int = LEGEND_HEIGHT

    @property
    def view_box(self) -> str:
        return (self.view or View(0, 0, self.width, self.height)).box

    @property
    def area_name(self) -> str:
        return us_map().state_names().get(self.area, "the US")


def plural(count: int, word: str) -> str:
    """Return "1 call" / "3 calls" with thousands separators."""
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def describe_counts(label: str, counters: dict[str, Any], measure: str = "calls") -> str:
    """Return the hover text: "Texas — 412 calls, 300 answered, 90 missed, 120 first-time"."""
    if measure == "visits":
        if not counters.get("visits"):
            return f"{label} — no visits"
        return (
            f"{label} — {plural(counters['visits'], 'visit')}, "
            f"{plural(counters['visitors'], 'visitor')}, {plural(counters['calls'], 'call')}"
        )
    if not counters.get("calls"):
        return f"{label} — no calls"
    return (
        f"{label} — {plural(counters['calls'], 'call')}, {counters['answered']:,} answered, "
        f"{counters['missed']:,} missed, {counters['first_time_callers']:,} first-time"
    )


def nice_step(largest: int, classes: int = SHADES) -> int:
    """Return a round class width (1, 2, 5 × 10^k) so `classes` classes cover 1..largest."""
    raw = max(largest, 1) / classes
    magnitude = 10 ** max(math.floor(math.log10(raw)), 0) if raw >= 1 else 1
    for factor in (1, 2, 5, 10):
        if factor * magnitude >= raw:
            return factor * magnitude
    return 10 * magnitude


def shade_for(calls: int, step: int, classes: int) -> int:
    """Return the colour class (1..SHADES) of a count, spreading few classes across the scale."""
    if calls <= 0:
        return 0
    index = min(math.ceil(calls / step), classes)
    if classes == 1:
        return math.ceil(SHADES / 2)
    return 1 + round((index - 1) * (SHADES - 1) / (classes - 1))


def _legend(step: int, classes: int) -> list[LegendStep]:
    steps = [LegendStep(0, "0")]
    for index in range(1, classes + 1):
        low, high = (index - 1) * step + 1, index * step
        label = f"{low:,}" if low == high else f"{low:,}–{high:,}"
        steps.append(LegendStep(shade_for(high, step, classes), label))
    return steps


COUNTED = {
    "calls": ("calls", "answered", "missed", "first_time_callers"),
    "visits": ("visits", "visitors", "calls"),
}


def state_calls(geo: dict[str, Any], measure: str = "calls") -> dict[str, dict[str, int]]:
    """Sum the US entries of by_state per postal code (country "US" and unknown alike)."""
    totals: dict[str, dict[str, int]] = {}
    for entry in geo["by_state"]:
        if entry["country"] not in US_COUNTRIES:
            continue
        code = entry["state"].strip().upper()
        bucket = totals.setdefault(code, dict.fromkeys(COUNTED[measure], 0))
        for key in bucket:
            bucket[key] += entry[key]
    return totals


def _shaded_states(
    geo: dict[str, Any], measure: str
) -> tuple[list[ShadedState], list[LegendStep], dict[str, int]]:
    counts = state_calls(geo, measure)
    shapes = us_map().states
    drawn = {shape.postal for shape in shapes}
    unmapped = {code: c[measure] for code, c in sorted(counts.items()) if code not in drawn}
    largest = max((counts.get(s.postal, {}).get(measure, 0) for s in shapes), default=0)
    step = nice_step(largest)
    classes = max(1, math.ceil(largest / step)) if largest else 0
    states = []
    for shape in shapes:
        counters = counts.get(shape.postal, {measure: 0})
        states.append(
            ShadedState(
                postal=shape.postal,
                name=shape.name,
                d=shape.d,
                calls=counters[measure],
                shade=shade_for(counters[measure], step, classes),
                title=describe_counts(shape.name, counters, measure),
            )
        )
    return states, _legend(step, classes) if classes else [LegendStep(0, "0")], unmapped


def place_label(entry: dict[str, Any], level: str) -> str:
    """Name a city ("Austin, TX") or zip code ("78701 · Austin, TX") for people."""
    city = ", ".join(part for part in (entry.get("city"), entry.get("state")) if part)
    if level == "zip":
        return f"{entry['zip']} · {city}" if city else entry["zip"]
    return city


def _radius(calls: int, largest: int) -> float:
    # Area, not radius, is proportional to calls, so a place with 4× the calls looks 4× big.
    return round(max(MAX_RADIUS * math.sqrt(calls / largest), MIN_RADIUS), 1)


def _circles(
    entries: list[dict[str, Any]], level: str, scale: float = 1.0, measure: str = "calls"
) -> tuple[list[Circle], list[Circle], int]:
    placed = []
    for entry in entries:
        if entry["latitude"] is None or entry["country"] not in US_COUNTRIES:
            continue
        point = project(entry["latitude"], entry["longitude"])
        if point is not None and entry[measure] > 0:
            placed.append((entry, point))
    placed.sort(key=lambda item: -item[0][measure])  # big first, so small ones stay on top
    left_out = max(len(placed) - MAX_CIRCLES, 0)
    placed = placed[:MAX_CIRCLES]
    if not placed:
        return [], [], left_out
    largest = placed[0][0][measure]
    circles = [
        Circle(
            x=round(x, 1),
            y=round(y, 1),
            # A zoomed view spans fewer map pixels: shrink radii so circles keep their size.
            r=round(_radius(entry[measure], largest) * scale, 2),
            calls=entry[measure],
            title=describe_counts(place_label(entry, level), entry, measure),
        )
        for entry, (x, y) in placed
    ]
    sizes: list[Circle] = []
    for calls in sorted({largest, nice_step(largest, 4), nice_step(largest, 20)}, reverse=True):
        radius = _radius(calls, largest)
        if calls <= largest and (not sizes or 2 * (sizes[-1].r - radius) >= MIN_KEY_GAP):
            sizes.append(Circle(0, 0, radius, calls, plural(calls, measure[:-1])))
    return circles, sizes, left_out


def draw_map(
    geo: dict[str, Any], circles: str, area: str = "", measure: str = "calls"
) -> MapDrawing:
    """Lay out the map for `geo_data` output, with city or zip circles, zoomed to `area`.

    `measure` is what shades and sizes: "calls", or "visits" for a map of website visitors.
    An empty area zooms to the state holding most mapped calls (or visits) when it dominates.
    """
    states, legend, unmapped = _shaded_states(geo, measure)
    by_state = {state.postal: state.calls for state in states}
    shown = choose_area(area, by_state)
    view = whole_us() if shown == WHOLE_US else state_view(shown)
    entries = geo["by_zip"] if circles == "zip" else geo["by_city"]
    drawn, sizes, left_out = _circles(entries, circles, view.scale, measure)
    shapes = us_map()
    detail = state_detail(shown) if shown != WHOLE_US else None
    choices = tuple(
        (state.postal, state.name, state.calls)
        for state in sorted(states, key=lambda s: (-s.calls, s.name))
        if state.calls
    )
    return MapDrawing(
        width=shapes.width,
        height=shapes.height,
        source=shapes.source,
        states=states,
        legend=legend,
        circles=drawn,
        circle_sizes=sizes,
        circles_left_out=left_out,
        unmapped_states=unmapped,
        area=shown,
        view=view,
        outline=detail.outline if detail else "",
        counties=detail.counties if detail else (),
        area_choices=choices,
        calls_outside_view=sum(by_state.values()) - by_state[shown] if detail else 0,
    )
