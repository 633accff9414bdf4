"""The US state shapes the Money Map draws, from the committed Census-derived asset."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

# Built by scripts/build_us_states.py from the us-atlas package; see the README.
ASSET = Path(__file__).resolve().parents[2] / "static_data" / "us_states.json"


@dataclass(frozen=True)
class StateShape:
    """One state's outline as SVG path data, already projected to map pixels."""

    fips: str
    postal: str
    name: str
    d: str


@dataclass(frozen=True)
class UsMap:
    """The map's viewport, its data source and the states, alphabetically."""

    width: int
    height: int
    source: str
    states: tuple[StateShape, ...]

    def state_names(self) -> dict[str, str]:
        """Return state names by postal code ("TX" → "Texas")."""
        return {state.postal: state.name for state in self.states}


@cache
def us_map() -> UsMap:
    """Load the asset once per process."""
    data = json.loads(ASSET.read_text(encoding="utf-8"))
    return UsMap(
        width=data["width"],
        height=data["height"],
        source=data["source"],
        states=tuple(StateShape(s["fips"], s["postal"], s["name"], s["d"]) for s in data["states"]),
    )
