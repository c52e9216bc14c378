"""Server-drawn maps: the packaged outlines, clipping, and an accessible SVG with nothing from
another host."""

import re

import pytest

from web.maps import HEIGHT, OUTLINES, STEP, WIDTH, Dot, Frame, clip, map_svg, outlines


def test_the_packaged_outlines_are_small_and_hold_countries_and_states():
    assert OUTLINES.stat().st_size < 1_000_000
    layers = outlines()
    assert len(layers["countries"].rings) > 1000 and len(layers["states"].rings) > 50
    assert (OUTLINES.parent / "README.md").read_text().count("public domain") >= 1


def test_clipping_keeps_what_is_inside_and_cuts_at_the_box():
    inside = [(10.0, 10.0), (50.0, 10.0), (50.0, 50.0)]
    assert clip(inside) == inside
    big = [(-1000.0, -1000.0), (2000.0, -1000.0), (2000.0, 2000.0), (-1000.0, 2000.0)]
    corners = clip(big)
    assert {(round(x), round(y)) for x, y in corners} == {
        (-10, -10), (WIDTH + 10, -10), (WIDTH + 10, HEIGHT + 10), (-10, HEIGHT + 10)}
    assert clip([(-500.0, -500.0), (-400.0, -500.0), (-400.0, -400.0)]) == []


def visible_points(path: str) -> set[tuple[float, float]]:
    """The points of SVG path data that lie inside the drawn frame."""
    return {(float(x), float(y)) for x, y in re.findall(r"(-?[\d.]+) (-?[\d.]+)", path)
            if 0 < float(x) < WIDTH and 0 < float(y) < HEIGHT}


@pytest.mark.parametrize(("lat", "lon", "half_km"), [
    (40.75, -73.99, 30), (47.6, -122.3, 60), (43.65, -79.38, 500), (51.5, -0.13, 15),
    (-33.87, 151.21, 120), (25.77, -80.19, 40),
])
def test_skipping_runs_beyond_the_frame_draws_the_same_outlines(lat, lon, half_km):
    """The chunks wholly beyond one side of the frame are drawn from their ends: what shows is
    what clipping every point of every ring shows."""
    frame = Frame(lat, lon, half_km)
    for layer in outlines().values():
        everything = []
        for ring in layer.rings:
            kept = []
            for x, y in clip([frame.point(la, lo) for lo, la in ring.points]):
                if not kept or abs(x - kept[-1][0]) + abs(y - kept[-1][1]) >= STEP:
                    kept.append((x, y))
            everything += kept if len(kept) > 2 else []
        drawn = visible_points(frame.path(layer))
        assert drawn == {(round(x, 1), round(y, 1)) for x, y in everything
                         if 0 < round(x, 1) < WIDTH and 0 < round(y, 1) < HEIGHT}


@pytest.mark.parametrize(("lat", "lon", "radius"), [
    (40.75, -73.99, 50), (43.65, -79.38, 500), (51.5, -0.13, 10), (-33.87, 151.21, 100),
])
def test_a_map_is_accessible_small_and_self_contained(lat, lon, radius):
    svg = str(map_svg(lat, lon, [Dot(lat + 0.05, lon + 0.05, "A <clinic> & co")],
                      title="Map of <things>", description="Dots & circle", radius_km=radius,
                      centre_label="Here"))
    assert svg.startswith('<svg class="map" viewBox="0 0 400 300" role="img" '
                          'aria-labelledby="map-title map-desc"')
    assert "<title id=\"map-title\">Map of &lt;things&gt;</title>" in svg
    assert "<title>A &lt;clinic&gt; &amp; co</title>" in svg
    assert len(svg) < 120_000
    assert re.findall(r"https?://[^\"]+", svg) == ["http://www.w3.org/2000/svg"]
    assert "style=" not in svg  # the site's Content-Security-Policy allows no inline style
    land = re.search(r'class="map-land" fill-rule="evenodd" d="([^"]*)"', svg).group(1)
    numbers = [float(n) for n in re.findall(r"-?\d+\.\d", land)]
    assert numbers and min(numbers) >= -10 and max(numbers) <= WIDTH + 10


def test_a_circle_of_the_radius_is_drawn_to_scale():
    svg = str(map_svg(40.0, -100.0, [], title="t", description="d", radius_km=100))
    radius = float(re.search(r'class="map-radius" cx="200.0" cy="150.0" r="([\d.]+)"',
                             svg).group(1))
    assert radius == pytest.approx(HEIGHT / 2 / 1.15, abs=0.2)
