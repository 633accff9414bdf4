"""Build ringtonic/static_data/us_counties/<XX>.json from the us-atlas npm package (run once).

One small file per state, so the Money Map reads only the states it shows: the state's
outline and its counties (US Census Bureau cartographic boundaries, public domain, via the
ISC-licensed `us-atlas` package), in the same d3.geoAlbersUsa pixels as us_states.json but
rounded to a hundredth of a pixel, because a zoomed-in state is drawn many times larger.

    python scripts/build_us_counties.py          # needs npm on PATH
"""

from __future__ import annotations

import json
import subprocess
import tarfile
import tempfile
from pathlib import Path

from build_us_states import POSTAL_BY_FIPS, decode_arcs, ring_points

PACKAGE = "us-atlas@3"
SOURCE_FILE = "package/counties-albers-10m.json"
OUTPUT = Path(__file__).resolve().parent.parent / "ringtonic" / "static_data" / "us_counties"


def fetch_topology() -> tuple[dict, str]:
    """Download the package tarball with npm and return its counties topology and version."""
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["npm", "pack", PACKAGE], cwd=tmp, check=True, stdout=subprocess.DEVNULL)
        tarball = next(Path(tmp).glob("us-atlas-*.tgz"))
        with tarfile.open(tarball) as archive:
            topology = json.load(archive.extractfile(SOURCE_FILE))
            version = json.load(archive.extractfile("package/package.json"))["version"]
    return topology, version


def _number(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def ring_path(points: list[tuple[float, float]]) -> str:
    """Return one closed subpath at 0.01 px, without repeated points; '' if it vanishes."""
    rounded: list[tuple[str, str]] = []
    for x, y in points:
        pair = (_number(x), _number(y))
        if not rounded or rounded[-1] != pair:
            rounded.append(pair)
    if len(rounded) > 1 and rounded[0] == rounded[-1]:
        rounded.pop()
    if len(set(rounded)) < 3:
        return ""
    return "M" + " ".join(f"{x},{y}" for x, y in rounded) + "Z"


def shape_path(geometry: dict, arcs: list) -> str:
    """Return the SVG path data of a Polygon or MultiPolygon ('' for an empty geometry)."""
    if geometry.get("type") not in ("Polygon", "MultiPolygon"):
        return ""
    polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
    return "".join(ring_path(ring_points(ring, arcs)) for polygon in polygons for ring in polygon)


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
                "outline": shape_path(geometry, arcs),
                "counties": [],
            }
    for geometry in topology["objects"]["counties"]["geometries"]:
        postal = POSTAL_BY_FIPS.get(geometry["id"][:2])
        path = shape_path(geometry, arcs)
        if postal and path:
            assets[postal]["counties"].append(
                {"fips": geometry["id"], "name": geometry["properties"]["name"], "d": path}
            )
    for asset in assets.values():
        asset["counties"].sort(key=lambda county: (county["name"], county["fips"]))
    return assets


def main() -> None:
    topology, version = fetch_topology()
    OUTPUT.mkdir(exist_ok=True)
    total = 0
    for postal, asset in sorted(build(topology, version).items()):
        path = OUTPUT / f"{postal}.json"
        path.write_text(json.dumps(asset, separators=(",", ":")) + "\n", encoding="utf-8")
        total += path.stat().st_size
    print(f"wrote {len(POSTAL_BY_FIPS)} states' counties to {OUTPUT} ({total} bytes)")


if __name__ == "__main__":
    main()
