#!/usr/bin/env python3
"""Draws the site's two pictures (Python standard library only) into
htdocs/static/ -- run it again after changing a drawing, and commit both
the script and its output:

  static/favicon.ico           the site icon (16, 32 and 48 px PNGs in one
                               ICO): the blue disc of the header's emblem
                               with a white open book
  static/img/photo-sample.png  the 照片处理工具's 示例图: how a correct
                               photo is framed -- 295x413 px (what the tool
                               makes; within the 200-300 x 408-418 px rule),
                               white background, a drawn head-and-shoulders
                               silhouette centred, nothing of a real person

Usage: python3 htdocs/mkimages.py [htdocs/static]
"""
import os
import struct
import sys
import zlib

BLUE = (0x1d, 0x5f, 0xae)
WHITE = (0xff, 0xff, 0xff)
SUB = 4                                 # supersampling per axis


def png(width, height, pixels, alpha):
    """PNG bytes of rows of (r, g, b, a) tuples; alpha: keep the a."""
    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff))
    n = 4 if alpha else 3
    raw = b"".join(b"\0" + bytes(v for px in row for v in px[:n])
                   for row in pixels)
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8,
                                         6 if alpha else 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def render(width, height, shade, background):
    """Supersampled drawing: shade(x, y) -> (r, g, b) or None (background)
    at x, y in 0..1 of the width and height."""
    rows = []
    for py in range(height):
        row = []
        for px in range(width):
            acc = [0, 0, 0, 0]
            for sy in range(SUB):
                for sx in range(SUB):
                    c = shade((px + (sx + .5) / SUB) / width,
                              (py + (sy + .5) / SUB) / height)
                    if c is None:
                        c, a = background[:3], background[3]
                    else:
                        a = 255
                    for k in range(3):
                        acc[k] += c[k] * a
                    acc[3] += a
            a = acc[3]
            row.append(tuple(round(v / a) if a else 0 for v in acc[:3])
                       + (round(a / (SUB * SUB)),))
        rows.append(row)
    return rows


def in_poly(x, y, pts):
    inside = False
    for (x1, y1), (x2, y2) in zip(pts, pts[1:] + pts[:1]):
        if (y1 > y) != (y2 > y) and \
                x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def icon_shade(x, y):
    """The emblem: a blue disc, a white open book in it."""
    dx, dy = x - .5, y - .5
    if dx * dx + dy * dy > .25:
        return None
    left = [(.2, .34), (.47, .4), (.47, .74), (.2, .68)]
    right = [(.53, .4), (.8, .34), (.8, .68), (.53, .74)]
    if in_poly(x, y, left) or in_poly(x, y, right):
        return WHITE
    return BLUE


def ico(sizes):
    images = [png(s, s, render(s, s, icon_shade, (0, 0, 0, 0)), True)
              for s in sizes]
    out = struct.pack("<HHH", 0, 1, len(images))
    offset = 6 + 16 * len(images)
    for s, data in zip(sizes, images):
        out += struct.pack("<BBBBHHII", s % 256, s % 256, 0, 0, 1, 32,
                           len(data), offset)
        offset += len(data)
    return out + b"".join(images)


def sample_shade(x, y):
    """A head-and-shoulders silhouette, centred, on white: the head about
    half the width, its top a tenth down, the shoulders to the bottom."""
    w, h = 295.0, 413.0
    X, Y = x * w, y * h                 # in pixels of the photo
    cx = w / 2
    grey, dark = (0x9a, 0xa4, 0xb2), (0x5d, 0x6b, 0x7e)
    # head: an ellipse 150 x 190 px centred at y = 145
    if ((X - cx) / 75) ** 2 + ((Y - 145) / 95) ** 2 <= 1:
        return grey
    # neck
    if abs(X - cx) <= 36 and 215 <= Y <= 280:
        return grey
    # shoulders: rounded, from y = 262 down to the bottom edge
    if Y >= 262:
        t = min((Y - 262) / 90.0, 1.0)
        half = 40 + 110 * (1 - (1 - t) ** 2) + max(Y - 352, 0) * .3
        if abs(X - cx) <= half:
            # the collar: a V of the neck's grey into the dark clothes
            if abs(X - cx) <= 36 - (Y - 262) * .6:
                return grey
            return dark
    return None


def main():
    static = sys.argv[1] if len(sys.argv) > 1 else \
        os.path.join(os.path.dirname(os.path.abspath(__file__)), "static")
    with open(os.path.join(static, "favicon.ico"), "wb") as f:
        f.write(ico([16, 32, 48]))
    os.makedirs(os.path.join(static, "img"), exist_ok=True)
    with open(os.path.join(static, "img", "photo-sample.png"), "wb") as f:
        f.write(png(295, 413, render(295, 413, sample_shade,
                                     WHITE + (255,)), False))


if __name__ == "__main__":
    main()
