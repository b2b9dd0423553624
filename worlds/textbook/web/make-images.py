#!/usr/bin/env python3
"""Makes the ten small JPEGs of www.someschool.edu/someDepartment/home.index
(Kurose & Ross §2.2.1: a page with a base HTML file and 10 JPEG images).
Deterministic: each picture is a colour gradient with its number; run once
with Pillow (pip install pillow) and commit the files."""
import colorsys
import sys
from PIL import Image, ImageDraw

out = sys.argv[1] if len(sys.argv) > 1 else "www.someschool.edu/someDepartment"
for n in range(1, 11):
    img = Image.new("RGB", (160, 120))
    d = ImageDraw.Draw(img)
    for y in range(120):
        r, g, b = colorsys.hsv_to_rgb((n - 1) / 10, 0.6, 0.5 + y / 240)
        d.line([(0, y), (159, y)], fill=(int(r * 255), int(g * 255), int(b * 255)))
    d.rectangle([50, 35, 110, 85], fill=(255, 255, 255))
    d.text((72, 52), f"pic{n}", fill=(0, 0, 0))
    img.save(f"{out}/pic{n}.jpg", "JPEG", quality=80)
