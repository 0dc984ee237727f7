"""Draws the toolbar icons (a shield with a chain link) as PNGs, with only the standard library.

Run: python3 scripts/make-icons.py  (the PNGs are committed; rerun only to change the design).
"""
import struct
import zlib
from pathlib import Path

SHIELD = (31, 95, 168)
LINK = (255, 255, 255)


def inside_shield(x: float, y: float) -> bool:
    # Unit square coordinates: flat top, sides straight to 55 %, then curving to a point.
    if y < 0.06 or x < 0.12 or x > 0.88:
        return False
    if y <= 0.55:
        return True
    half = 0.38 * (1 - ((y - 0.55) / 0.40) ** 2) ** 0.5 if y < 0.95 else 0
    return abs(x - 0.5) <= half


def on_link(x: float, y: float) -> bool:
    # Two interlocked rings, drawn as annuli.
    for cx, cy in ((0.40, 0.42), (0.60, 0.58)):
        d = ((x - cx) ** 2 + (y - cy) ** 2) ** 0.5
        if 0.09 <= d <= 0.15:
            return True
    return False


def render(size: int) -> bytes:
    rows = []
    for py in range(size):
        row = bytearray([0])
        for px in range(size):
            hits = [0, 0]  # supersample 4x4 for smooth edges: shield coverage, link coverage
            for sy in range(4):
                for sx in range(4):
                    x, y = (px + (sx + 0.5) / 4) / size, (py + (sy + 0.5) / 4) / size
                    if inside_shield(x, y):
                        hits[0] += 1
                        if on_link(x, y):
                            hits[1] += 1
            alpha = hits[0] * 255 // 16
            t = hits[1] / hits[0] if hits[0] else 0
            colour = [round(s + (l - s) * t) for s, l in zip(SHIELD, LINK)]
            row += bytes(colour + [alpha])
        rows.append(bytes(row))
    raw = zlib.compress(b"".join(rows), 9)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


if __name__ == "__main__":
    out = Path(__file__).resolve().parent.parent / "icons"
    for size in (16, 32, 48, 96):
        (out / f"icon-{size}.png").write_bytes(render(size))
