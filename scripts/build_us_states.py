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
import subprocess
import tarfile
import tempfile
from pathlib import Path

PACKAGE = "us-atlas@3"
SOURCE_FILE = "package/states-albers-10m.json"
OUTPUT = Path(__file__).resolve().parent.parent / "ringtonic" / "static_data" / "us_states.json"

# USPS codes by Census FIPS state code (the TopoJSON names states by FIPS id only).
POSTAL_BY_FIPS = {
    "01": "AL", "02": "AK", "04": "AZ", "05": "AR", "06": "CA", "08": "CO", "09": "CT",
    "10": "DE", "11": "DC", "12": "FL", "13": "GA", "15": "HI", "16": "ID", "17": "IL",
    "18": "IN", "19": "IA", "20": "KS", "21": "KY", "22": "LA", "23": "ME", "24": "MD",
    "25": "MA", "26": "MI", "27": "MN", "28": "MS", "29": "MO", "30": "MT", "31": "NE",
    "32": "NV", "33": "NH", "34": "NJ", "35": "NM", "36": "NY", "37": "NC", "38": "ND",
    "39": "OH", "40": "OK", "41": "OR", "42": "PA", "44": "RI", "45": "SC", "46": "SD",
    "47": "TN", "48": "TX", "49": "UT", "50": "VT", "51": "VA", "53": "WA", "54": "WV",
    "55": "WI", "56": "WY",
}  # fmt: skip


def fetch_topology() -> tuple[dict, str]:
    """Download the package tarball with npm and return its states topology and version."""
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["npm", "pack", PACKAGE], cwd=tmp, check=True, stdout=subprocess.DEVNULL)
        tarball = next(Path(tmp).glob("us-atlas-*.tgz"))
        with tarfile.open(tarball) as archive:
            topology = json.load(archive.extractfile(SOURCE_FILE))
            version = json.load(archive.extractfile("package/package.json"))["version"]
    return topology, version


def decode_arcs(topology: dict) -> list[list[tuple[float, float]]]:
    """Turn quantized, delta-encoded arcs into absolute coordinates."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def ring_points(ring: list[int], arcs: list[list[tuple[float, float]]]) -> list[tuple]:
    """Join a ring's arcs (a negative index ~i means arc i reversed), sharing end points."""
    points: list[tuple[float, float]] = []
    for index in ring:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points.extend(arc[1:] if points else arc)
    return points


def _number(value: float) -> str:
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def ring_path(points: list[tuple[float, float]]) -> str:
    """Return one closed subpath, rounded, without repeated points; '' if it vanishes."""
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


def state_path(geometry: dict, arcs: list[list[tuple[float, float]]]) -> str:
    """Return the SVG path data of a Polygon or MultiPolygon."""
    polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
    return "".join(ring_path(ring_points(ring, arcs)) for polygon in polygons for ring in polygon)


def build(topology: dict, version: str) -> dict:
    """Return the asset: viewport, attribution and one entry per state, by name."""
    arcs = decode_arcs(topology)
    states = [
        {
            "fips": geometry["id"],
            "postal": POSTAL_BY_FIPS[geometry["id"]],
            "name": geometry["properties"]["name"],
            "d": state_path(geometry, arcs),
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
    topology, version = fetch_topology()
    asset = build(topology, version)
    OUTPUT.write_text(json.dumps(asset, indent=0, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {len(asset['states'])} states to {OUTPUT} ({OUTPUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
