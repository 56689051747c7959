"""Safe image decoding: check the header before decoding so a bad upload never reaches the reader.

Guards: empty objects, non-images, truncated JPEG/PNG files and decompression bombs (an image whose
header declares more pixels than the cap is rejected before any pixel is decoded).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import TYPE_CHECKING

from plateguard.models.errors import RejectedImage

if TYPE_CHECKING:
    import numpy as np

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# JPEG start-of-frame markers carry the dimensions (baseline, progressive, lossless, ...).
_SOF_MARKERS = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


@dataclass(frozen=True)
class ImageHeader:
    format: str  # "jpeg" | "png"
    width: int
    height: int


def probe_image(data: bytes) -> ImageHeader:
    """Read the format and declared size from the header, and check the file is complete."""
    if not data:
        raise RejectedImage("empty_object", "the object has zero bytes")
    if data.startswith(b"\xff\xd8"):
        header = _probe_jpeg(data)
        # A complete JPEG ends with the EOI marker (some cameras pad with zeros after it).
        if not data.rstrip(b"\x00").endswith(b"\xff\xd9"):
            raise RejectedImage("truncated_image", "the JPEG has no end-of-image marker: upload was cut short")
        return header
    if data.startswith(_PNG_SIGNATURE):
        if len(data) < 33 or data[12:16] != b"IHDR":
            raise RejectedImage("corrupt_image", "the PNG has no IHDR header")
        width, height = struct.unpack(">II", data[16:24])
        if b"IEND" not in data[-12:]:
            raise RejectedImage("truncated_image", "the PNG has no IEND chunk: upload was cut short")
        return ImageHeader("png", width, height)
    raise RejectedImage("not_an_image", "the object is neither a JPEG nor a PNG image")


def _probe_jpeg(data: bytes) -> ImageHeader:
    pos = 2
    size = len(data)
    while pos + 4 <= size:
        if data[pos] != 0xFF:
            raise RejectedImage("corrupt_image", f"JPEG marker expected at byte {pos}")
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            pos += 2
            continue
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        if marker in _SOF_MARKERS:
            if pos + 9 > size:
                break
            height, width = struct.unpack(">HH", data[pos + 5 : pos + 9])
            return ImageHeader("jpeg", width, height)
        if marker == 0xDA:  # start of scan before any frame header
            break
        pos += 2 + length
    raise RejectedImage("corrupt_image", "the JPEG has no frame header")


def decode_image(data: bytes, max_pixels: int) -> np.ndarray:
    """Decode to a BGR array after the header checks; raise RejectedImage on any problem."""
    import cv2  # deferred: keeps modules that only parse keys light to import
    import numpy as np

    header = probe_image(data)
    if header.width <= 0 or header.height <= 0:
        raise RejectedImage("corrupt_image", f"declared size {header.width}x{header.height} is empty")
    if header.width * header.height > max_pixels:
        raise RejectedImage(
            "too_many_pixels",
            f"declared size {header.width}x{header.height} exceeds the {max_pixels}-pixel cap "
            "(possible decompression bomb)",
        )
    image = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise RejectedImage("corrupt_image", f"the {header.format} data could not be decoded")
    if image.shape[0] != header.height or image.shape[1] != header.width:
        raise RejectedImage("corrupt_image", "decoded size differs from the header")
    return image


def encode_jpeg(image: np.ndarray, quality: int = 90) -> bytes:
    import cv2

    ok, buffer = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError("JPEG encoding failed")
    return bytes(buffer)
