"""Shared by the US map builders: fetch us-atlas, decode its TopoJSON arcs, write SVG paths."""

from __future__ import annotations

import json
import subprocess
import tarfile
import tempfile
from pathlib import Path

PACKAGE = "us-atlas@3"

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

Arcs = list[list[tuple[float, float]]]


def fetch_topology(source_file: str) -> tuple[dict, str]:
    """Download the package tarball with npm and return one of its topologies and the version."""
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["npm", "pack", PACKAGE], cwd=tmp, check=True, stdout=subprocess.DEVNULL)
        tarball = next(Path(tmp).glob("us-atlas-*.tgz"))
        with tarfile.open(tarball) as archive:
            topology = json.load(archive.extractfile(source_file))
            version = json.load(archive.extractfile("package/package.json"))["version"]
    return topology, version


def decode_arcs(topology: dict) -> Arcs:
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


def ring_points(ring: list[int], arcs: Arcs) -> list[tuple[float, float]]:
    """Join a ring's arcs (a negative index ~i means arc i reversed), sharing end points."""
    points: list[tuple[float, float]] = []
    for index in ring:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points.extend(arc[1:] if points else arc)
    return points


def _number(value: float, decimals: int) -> str:
    return f"{value:.{decimals}f}".rstrip("0").rstrip(".")


def ring_path(points: list[tuple[float, float]], decimals: int) -> str:
    """Return one closed subpath, rounded, without repeated points; '' if it vanishes."""
    rounded: list[tuple[str, str]] = []
    for x, y in points:
        pair = (_number(x, decimals), _number(y, decimals))
        if not rounded or rounded[-1] != pair:
            rounded.append(pair)
    if len(rounded) > 1 and rounded[0] == rounded[-1]:
        rounded.pop()
    if len(set(rounded)) < 3:
        return ""
    return "M" + " ".join(f"{x},{y}" for x, y in rounded) + "Z"


def shape_path(geometry: dict, arcs: Arcs, decimals: int) -> str:
    """Return the SVG path data of a Polygon or MultiPolygon ('' for an empty geometry)."""
    if geometry.get("type") not in ("Polygon", "MultiPolygon"):
        return ""
    polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
    return "".join(
        ring_path(ring_points(ring, arcs), decimals) for polygon in polygons for ring in polygon
    )
