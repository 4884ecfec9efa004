"""The site icon browsers ask for at ``/favicon.ico``: an open-end wrench on Reparo's green.

It is drawn here with Pillow when first asked for and kept in memory, so no image file (ours or
anyone else's) lives in the repository. It is drawn large and Pillow scales it down to the sizes
an ICO file carries.
"""

import io
from functools import lru_cache

from PIL import Image, ImageDraw

BRAND_GREEN = (7, 193, 96, 255)  # the green of the header's brand name (static/app.css)
WHITE = (255, 255, 255, 255)
CANVAS = 256
ICON_SIZES = [(16, 16), (32, 32), (48, 48), (64, 64)]
FAVICON_MEDIA_TYPE = "image/x-icon"


@lru_cache(maxsize=1)
def favicon_ico() -> bytes:
    """The icon as ICO bytes holding every size in ``ICON_SIZES``."""
    image = Image.new("RGBA", (CANVAS, CANVAS), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, CANVAS - 1, CANVAS - 1), radius=56, fill=BRAND_GREEN)
    # The handle, from the lower left towards the head, with a rounded end.
    draw.line((64, 192, 152, 104), fill=WHITE, width=44)
    draw.ellipse((42, 170, 86, 214), fill=WHITE)
    # The head, with its jaw opening to the upper right.
    draw.ellipse((116, 36, 220, 140), fill=WHITE)
    draw.ellipse((170, 10, 238, 78), fill=BRAND_GREEN)
    buffer = io.BytesIO()
    image.save(buffer, format="ICO", sizes=ICON_SIZES)
    return buffer.getvalue()
