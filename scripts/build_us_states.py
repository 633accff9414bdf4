"""Build ringtonic/static_data/us_states.json from the us-atlas npm package (run once, by hand).

The shapes are the US Census Bureau's cartographic state boundaries (public domain),
redistributed as TopoJSON in the ISC-licensed `us-atlas` package, already projected with
d3.geoAlbersUsa().scale(1300).translate([487.5, 305]) onto a 975×610 viewport. This script
fetches the package with `npm pack`, decodes its TopoJSON arcs and writes one SVG path per
state, rounded to a tenth of a pixel. Ring Tonic reads only the generated file; nothing is
fetched at run time.

    python scripts/build_us_states.py          # needs npm on PATH
"""

from __future__ import annotations

import json
from pathlib import Path

from us_atlas_topology import POSTAL_BY_FIPS, decode_arcs, fetch_topology, shape_path

SOURCE_FILE = "package/states-albers-10m.json"
OUTPUT = Path(__file__).resolve().parent.parent / "ringtonic" / "static_data" / "us_states.json"
# A tenth of a pixel: the whole country is drawn small.
DECIMALS = 1


def build(topology: dict, version: str) -> dict:
    """Return the asset: viewport, attribution and one entry per state, by name."""
    arcs = decode_arcs(topology)
    states = [
        {
            "fips": geometry["id"],
            "postal": POSTAL_BY_FIPS[geometry["id"]],
            "name": geometry["properties"]["name"],
            "d": shape_path(geometry, arcs, DECIMALS),
        }
        for geometry in topology["objects"]["states"]["geometries"]
    ]
    states.sort(key=lambda state: state["name"])
    return {
        "source": (
            f"US Census Bureau cartographic boundary files, 2017 (public domain), "
            f"via us-atlas {version} (ISC license), states-albers-10m.json"
        ),
        "projection": "d3.geoAlbersUsa().scale(1300).translate([487.5, 305])",
        "width": 975,
        "height": 610,
        "states": states,
    }


def main() -> None:
    topology, version = fetch_topology(SOURCE_FILE)
    asset = build(topology, version)
    OUTPUT.write_text(json.dumps(asset, indent=0, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {len(asset['states'])} states to {OUTPUT} ({OUTPUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
