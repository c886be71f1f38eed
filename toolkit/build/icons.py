"""The app icons of the web manifest (pwa.ICONS), drawn with Pillow (which WeasyPrint depends on).

A build.py step: the server only sends the PNG files this writes into static/icons/.
"""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, ImageDraw

from ..pwa import BACKGROUND_COLOUR, ICONS, THEME_COLOUR


def draw_icon(size: int, maskable: bool = False):
    """The app icon: three people in a circle, in paper colour on the accent colour.

    A maskable icon fills the square and keeps the figures inside the central safe circle (radius 40%);
    the plain one has rounded corners. Drawn 4× larger and scaled down for smooth edges.
    """
    scale = 4
    side = size * scale
    image = Image.new("RGBA", (side, side), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    if maskable:
        draw.rectangle((0, 0, side, side), fill=THEME_COLOUR)
    else:
        draw.rounded_rectangle((0, 0, side - 1, side - 1), radius=side // 5, fill=THEME_COLOUR)
    unit = side * (0.30 if maskable else 0.38)  # figures fit a circle of this radius
    centre = side / 2

    baseline = centre + unit * 0.55

    def person(x: float, height: float) -> None:
        body = height * 0.4
        head = height * 0.22
        head_y = baseline - body - height * 0.06 - head
        draw.ellipse((x - head, head_y - head, x + head, head_y + head), fill=BACKGROUND_COLOUR)
        draw.pieslice(
            (x - body, baseline - body, x + body, baseline + body), 180, 360, fill=BACKGROUND_COLOUR
        )

    person(centre - unit * 0.56, unit * 0.95)
    person(centre + unit * 0.56, unit * 0.95)
    person(centre, unit * 1.25)
    draw.rounded_rectangle(
        (centre - unit, baseline + unit * 0.1, centre + unit, baseline + unit * 0.26),
        radius=unit * 0.08,
        fill=BACKGROUND_COLOUR,
    )
    small = image.resize((size, size), Image.LANCZOS)
    return small.quantize(colors=32, method=Image.Quantize.FASTOCTREE)


def write_icons(static_dir: Path) -> list[Path]:
    """Write the manifest's icons into static/icons/ (only when the drawing changed)."""
    written = []
    for filename, size, purpose in ICONS:
        buffer = io.BytesIO()
        draw_icon(size, maskable=purpose == "maskable").save(buffer, "PNG", optimize=True)
        path = static_dir / filename
        if not path.exists() or path.read_bytes() != buffer.getvalue():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(buffer.getvalue())
            written.append(path)
    return written
