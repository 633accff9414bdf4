"""Build ringtonic/static_data/us_counties/<XX>.json from the us-atlas npm package (run once).

One small file per state, so the Money Map reads only the states it shows: the state's
outline and its counties (US Census Bureau cartographic boundaries, public domain, via the
ISC-licensed `us-atlas` package), in the same d3.geoAlbersUsa pixels as us_states.json but
rounded to a hundredth of a pixel, because a zoomed-in state is drawn many times larger.

    python scripts/build_us_counties.py          # needs npm on PATH
"""

from __future__ import annotations

import json
from pathlib import Path

from us_atlas_topology import POSTAL_BY_FIPS, decode_arcs, fetch_topology, shape_path

SOURCE_FILE = "package/counties-albers-10m.json"
OUTPUT = Path(__file__).resolve().parent.parent / "ringtonic" / "static_data" / "us_counties"
# A hundredth of a pixel: a zoomed-in state is drawn many times larger.
DECIMALS = 2


def build(topology: dict, version: str) -> dict[str, dict]:
    """Return one asset per postal code: the state's outline and its counties by name."""
    arcs = decode_arcs(topology)
    source = (
        f"US Census Bureau cartographic boundary files, 2017 (public domain), "
        f"via us-atlas {version} (ISC license), counties-albers-10m.json"
    )
    assets: dict[str, dict] = {}
    for geometry in topology["objects"]["states"]["geometries"]:
        postal = POSTAL_BY_FIPS.get(geometry["id"])
        if postal:
            assets[postal] = {
                "source": source,
                "fips": geometry["id"],
                "postal": postal,
                "outline": shape_path(geometry, arcs, DECIMALS),
                "counties": [],
            }
    for geometry in topology["objects"]["counties"]["geometries"]:
        postal = POSTAL_BY_FIPS.get(geometry["id"][:2])
        path = shape_path(geometry, arcs, DECIMALS)
        if postal and path:
            assets[postal]["counties"].append(
                {"fips": geometry["id"], "name": geometry["properties"]["name"], "d": path}
            )
    for asset in assets.values():
        asset["counties"].sort(key=lambda county: (county["name"], county["fips"]))
    return assets


def main() -> None:
    topology, version = fetch_topology(SOURCE_FILE)
    OUTPUT.mkdir(exist_ok=True)
    total = 0
    for postal, asset in sorted(build(topology, version).items()):
        path = OUTPUT / f"{postal}.json"
        path.write_text(json.dumps(asset, separators=(",", ":")) + "\n", encoding="utf-8")
        total += path.stat().st_size
    print(f"wrote {len(POSTAL_BY_FIPS)} states' counties to {OUTPUT} ({total} bytes)")


if __name__ == "__main__":
    main()
