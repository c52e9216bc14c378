"""Maps drawn on the server as inline SVG from the packaged public-domain outlines
(reliefmap/data/outlines.json): land, US states, the search circle and the clinics as dots.

Nothing is loaded from anywhere else: no tiles, fonts or scripts. The projection is
equirectangular around the map's centre (longitudes scaled by the cosine of its latitude), true
enough for the few hundred kilometres a map spans. The text list stays the primary view; a map's
title and description say in words what it shows.
"""

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from markupsafe import Markup, escape

OUTLINES = Path(__file__).resolve().parent.parent / "reliefmap" / "data" / "outlines.json"
KM_PER_DEGREE = 111.195
WIDTH, HEIGHT = 400, 300
MARGIN = 1.15  # the farthest dot or the circle stays this much inside the frame
STEP = 0.75  # drawing units: a point nearer than this to the last one adds nothing
CHUNK = 32  # points of a ring per bounding box (see Frame.path)
CELL = 10  # degrees: rings are found by the cells of this size they cross


@dataclass(frozen=True)
class Dot:
    """A clinic on a map."""

    lat: float
    lon: float
    label: str


@dataclass(frozen=True)
class Box:
    """Points (lon, lat in degrees) and the box that holds them."""

    points: tuple[tuple[float, float], ...]
    south: float
    north: float
    west: float
    east: float

    @classmethod
    def around(cls, points) -> "Box":
        lons, lats = [p[0] for p in points], [p[1] for p in points]
        return cls(tuple(points), min(lats), max(lats), min(lons), max(lons))

    def beside(self, south: float, north: float, west: float, east: float) -> bool:
        """Wholly beyond one side of that box."""
        return self.north < south or self.south > north or self.east < west or self.west > east


@dataclass(frozen=True)
class Ring(Box):
    chunks: tuple[Box, ...] = ()  # the same points, CHUNK at a time


def _decode(layer: dict, precision: int) -> list[Ring]:
    arcs = []
    for flat in layer["arcs"]:
        x = y = 0
        points = []
        for index in range(0, len(flat), 2):
            x, y = x + flat[index], y + flat[index + 1]
            points.append((x / precision, y / precision))
        arcs.append(points)
    rings = []
    for numbers in layer["rings"]:
        points = []
        for number in numbers:
            arc = arcs[number] if number >= 0 else arcs[~number][::-1]
            points.extend(arc if not points else arc[1:])
        whole = Box.around(points)
        chunks = tuple(Box.around(points[start:start + CHUNK])
                       for start in range(0, len(points), CHUNK))
        rings.append(Ring(whole.points, whole.south, whole.north, whole.west, whole.east,
                          chunks))
    return rings


def _cells(south: float, north: float, west: float, east: float):
    """The CELL-degree cells a box crosses."""
    rows = range(max(-9, math.floor(south / CELL)), min(9, math.floor(north / CELL)) + 1)
    columns = range(max(-18, math.floor(west / CELL)), min(18, math.floor(east / CELL)) + 1)
    return ((row, column) for row in rows for column in columns)


class Layer:
    """Rings, and which of them cross each cell: a map looks at the few near it."""

    def __init__(self, rings: list[Ring]):
        self.rings = rings
        self.cells: dict[tuple[int, int], list[int]] = {}
        for number, ring in enumerate(rings):
            for cell in _cells(ring.south, ring.north, ring.west, ring.east):
                self.cells.setdefault(cell, []).append(number)

    def near(self, south: float, north: float, west: float, east: float) -> list[Ring]:
        """The rings that may cross that box, in their order."""
        numbers = set()
        for cell in _cells(south, north, west, east):
            numbers.update(self.cells.get(cell, ()))
        return [self.rings[number] for number in sorted(numbers)]


@lru_cache(maxsize=1)
def outlines() -> dict[str, Layer]:
    """The countries' and the US states' rings, read once."""
    data = json.loads(OUTLINES.read_text(encoding="utf-8"))
    return {name: Layer(_decode(data[name], data["precision"]))
            for name in ("countries", "states")}


class Frame:
    """Degrees to drawing units around a centre, with `half_km` from the centre to the top."""

    def __init__(self, lat: float, lon: float, half_km: float):
        self.lat, self.lon = lat, lon
        self.scale = (HEIGHT / 2) / (half_km / KM_PER_DEGREE)  # units per degree of latitude
        self.xscale = self.scale * max(math.cos(math.radians(lat)), 0.05)
        self.half_lat = (HEIGHT / 2) / self.scale
        self.half_lon = (WIDTH / 2) / self.xscale

    def point(self, lat: float, lon: float) -> tuple[float, float]:
        return self.points([(lon, lat)])[0]

    def points(self, lon_lats) -> list[tuple[float, float]]:
        """Many points (lon, lat) at once: a map projects hundreds."""
        lon0, lat0, xscale, scale = self.lon, self.lat, self.xscale, self.scale
        return [(WIDTH / 2 + (lon - lon0) * xscale, HEIGHT / 2 - (lat - lat0) * scale)
                for lon, lat in lon_lats]

    def shows(self, ring: Ring) -> bool:
        return (ring.north >= self.lat - 2 * self.half_lat and ring.south <= self.lat
                + 2 * self.half_lat and ring.east >= self.lon - 2 * self.half_lon
                and ring.west <= self.lon + 2 * self.half_lon)

    def path(self, layer: Layer) -> str:
        """The rings that cross the frame, clipped to it, as SVG path data.

        A run of points wholly beyond one side of the clip box is clipped to that side whatever
        lies between its ends, so only its ends are projected and clipped: the same path for a
        fraction of the work (a country's outline has thousands of points, a map shows few)."""
        left, top, right, bottom = CLIP
        south, north = self.lat - (bottom - HEIGHT / 2) / self.scale, \
            self.lat + (HEIGHT / 2 - top) / self.scale
        west, east = self.lon + (left - WIDTH / 2) / self.xscale, \
            self.lon + (right - WIDTH / 2) / self.xscale
        parts = []
        for ring in layer.near(self.lat - 2 * self.half_lat, self.lat + 2 * self.half_lat,
                               self.lon - 2 * self.half_lon, self.lon + 2 * self.half_lon):
            if not self.shows(ring):
                continue
            points = []
            for chunk in ring.chunks:
                if chunk.beside(south, north, west, east):
                    points += (chunk.points[0], chunk.points[-1])
                else:
                    points += chunk.points
            kept = []
            for x, y in clip(self.points(points)):
                if not kept or abs(x - kept[-1][0]) + abs(y - kept[-1][1]) >= STEP:
                    kept.append((x, y))
            if len(kept) > 2:
                parts.append("M" + "L".join(f"{x:.1f} {y:.1f}" for x, y in kept) + "Z")
        return "".join(parts)


# The clip box: a little beyond the frame, so that the clipped edges are never seen.
CLIP = (-10.0, -10.0, WIDTH + 10.0, HEIGHT + 10.0)


def clip(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """A polygon clipped to the clip box (Sutherland–Hodgman, one side of the box at a time)."""
    left, top, right, bottom = CLIP
    for axis, limit, keep_above in ((0, left, True), (0, right, False), (1, top, True),
                                    (1, bottom, False)):
        if not points:
            break
        points = _clip_side(points, axis, limit, keep_above)
    return points


def _clip_side(points, axis: int, limit: float, keep_above: bool):
    """The polygon clipped to one side: the points on the kept side of `limit` on `axis`,
    and where an edge crosses it. Each point's side is found once."""
    sign = 1.0 if keep_above else -1.0
    edge = sign * limit
    result = []
    previous = points[-1]
    was_in = sign * previous[axis] >= edge
    for point in points:
        now_in = sign * point[axis] >= edge
        if now_in != was_in:
            a, b = previous, point
            t = (limit - a[axis]) / (b[axis] - a[axis])
            result.append((limit, a[1] + t * (b[1] - a[1])) if axis == 0
                          else (a[0] + t * (b[0] - a[0]), limit))
        if now_in:
            result.append(point)
        previous, was_in = point, now_in
    return result


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    a = (math.sin(math.radians(lat2 - lat1) / 2) ** 2 + math.cos(math.radians(lat1))
         * math.cos(math.radians(lat2)) * math.sin(math.radians(lon2 - lon1) / 2) ** 2)
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(a)))


def map_svg(lat: float, lon: float, dots: list[Dot], *, title: str, description: str,
            radius_km: float | None = None, min_half_km: float = 20, id_prefix: str = "map",
            centre_label: str | None = None) -> Markup:
    """An accessible inline SVG map around (lat, lon): land, US states, the search circle of
    `radius_km` when given, a mark at the centre when `centre_label` names it, and the dots."""
    reach = max([_km(lat, lon, dot.lat, dot.lon) for dot in dots] + [radius_km or 0, min_half_km])
    frame = Frame(lat, lon, reach * MARGIN)
    layers = outlines()
    parts = [
        f'<svg class="map" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{id_prefix}-title {id_prefix}-desc" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{id_prefix}-title">{escape(title)}</title>',
        f'<desc id="{id_prefix}-desc">{escape(description)}</desc>',
        f'<rect class="map-sea" width="{WIDTH}" height="{HEIGHT}"/>',
        f'<path class="map-land" fill-rule="evenodd" d="{frame.path(layers["countries"])}"/>',
        f'<path class="map-states" d="{frame.path(layers["states"])}"/>',
    ]
    if radius_km:
        parts.append(f'<circle class="map-radius" cx="{WIDTH / 2}" cy="{HEIGHT / 2}" '
                     f'r="{radius_km / KM_PER_DEGREE * frame.scale:.1f}"/>')
    if centre_label:
        parts.append(f'<g class="map-centre"><title>{escape(centre_label)}</title>'
                     f'<circle cx="{WIDTH / 2}" cy="{HEIGHT / 2}" r="4"/></g>')
    for dot in dots:
        x, y = frame.point(dot.lat, dot.lon)
        parts.append(f'<circle class="map-dot" cx="{x:.1f}" cy="{y:.1f}" r="5">'
                     f'<title>{escape(dot.label)}</title></circle>')
    parts.append("</svg>")
    return Markup("".join(parts))
