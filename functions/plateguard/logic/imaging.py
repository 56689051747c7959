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
    width: int  # as stored, before any EXIF orientation is applied
    height: int
    orientation: int = 1  # EXIF orientation (1-8); 5-8 swap width and height when applied
    coded_bytes: int | None = None  # bytes of image data (JPEG scans, PNG IDAT); None: not bounded

    @property
    def upright_size(self) -> tuple[int, int]:
        """(width, height) after the orientation is applied."""
        return (self.height, self.width) if self.orientation >= 5 else (self.width, self.height)


# Huffman-coded frames (not arithmetic ones): every 8x8 block of the largest component costs at least one
# bit (its DC code), so the scan data bounds the size the data can fill, whatever the header declares.
_HUFFMAN_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7}
# deflate cannot beat about 1032:1, so a PNG's IDAT bounds how many raw bytes it can hold.
_DEFLATE_MAX_RATIO = 1100


def probe_image(data: bytes) -> ImageHeader:
    """Read the format, declared size and orientation from the header; check the file is complete and holds
    data enough for the size it declares."""
    if not data:
        raise RejectedImage("empty_object", "the object has zero bytes")
    if data.startswith(b"\xff\xd8"):
        return _probe_jpeg(data)
    if data.startswith(_PNG_SIGNATURE):
        return _probe_png(data)
    raise RejectedImage("not_an_image", "the object is neither a JPEG nor a PNG image")


def _probe_png(data: bytes) -> ImageHeader:
    if len(data) < 33 or data[12:16] != b"IHDR":
        raise RejectedImage("corrupt_image", "the PNG has no IHDR header")
    width, height = struct.unpack(">II", data[16:24])
    pos, idat, ended = 8, 0, False
    while pos + 8 <= len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        if kind == b"IDAT":
            idat += length
        if kind == b"IEND":
            ended = True
            break  # bytes after IEND are ignored, as decoders do
        pos += 12 + length
    if not ended:
        raise RejectedImage("truncated_image", "the PNG has no IEND chunk: upload was cut short")
    return ImageHeader("png", width, height, coded_bytes=idat)


def _probe_jpeg(data: bytes) -> ImageHeader:
    pos = 2
    size = len(data)
    frame: tuple[int, int, int] | None = None  # (marker, width, height)
    orientation = 1
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
        if marker == 0xE1 and data[pos + 4 : pos + 10] == b"Exif\x00\x00":
            orientation = _exif_orientation(data[pos + 10 : pos + 2 + length])
        if marker in _SOF_MARKERS and frame is None:
            if pos + 9 > size:
                break
            height, width = struct.unpack(">HH", data[pos + 5 : pos + 9])
            frame = (marker, width, height)
        if marker == 0xDA:  # start of scan: entropy-coded data follows
            if frame is None:
                break
            return _check_scan(data, pos, frame, orientation)
        pos += 2 + length
    if frame is not None and pos + 4 > size:
        raise RejectedImage("truncated_image", "the JPEG ends before its image data: upload was cut short")
    raise RejectedImage("corrupt_image", "the JPEG has no frame header")


def _check_scan(data: bytes, sos: int, frame: tuple[int, int, int], orientation: int) -> ImageHeader:
    marker, width, height = frame
    # Inside scan data 0xFF is stuffed (FF 00) and scans are separated by other markers, so the first
    # FF D9 after the first scan is the end of image; bytes after it (camera padding, trailers) are ignored.
    end = data.find(b"\xff\xd9", sos)
    if end < 0:
        raise RejectedImage("truncated_image", "the JPEG has no end-of-image marker: upload was cut short")
    return ImageHeader("jpeg", width, height, orientation, (end - sos) if marker in _HUFFMAN_SOF else None)


def check_data_fills_header(header: ImageHeader) -> None:
    """Refuse a header that declares far more pixels than its data can hold (a decoder would pad the
    rest with grey and the frame would pass as `no_plate`)."""
    if header.coded_bytes is None:
        return
    width, height = header.width, header.height
    if header.format == "jpeg":
        blocks = ((width + 7) // 8) * ((height + 7) // 8)
        if 8 * header.coded_bytes < blocks:
            raise RejectedImage(
                "size_exceeds_data",
                f"the header declares {width}x{height} ({blocks} blocks of 8x8) but the image data holds "
                f"{header.coded_bytes} bytes, less than one bit per block: the header lies about the size",
            )
        return
    least_raw = height * (1 + (width + 7) // 8)  # one bit per pixel plus a filter byte per row
    if header.coded_bytes * _DEFLATE_MAX_RATIO < least_raw:
        raise RejectedImage(
            "size_exceeds_data",
            f"the header declares {width}x{height} but {header.coded_bytes} bytes of compressed data cannot "
            f"hold its {least_raw} raw bytes: the header lies about the size",
        )


def _exif_orientation(tiff: bytes) -> int:
    """The orientation tag (0x0112) of IFD0, or 1 when absent or unreadable (then nothing is rotated)."""
    if len(tiff) < 8 or tiff[:2] not in (b"II", b"MM"):
        return 1
    order = "<" if tiff[:2] == b"II" else ">"
    (ifd,) = struct.unpack(order + "I", tiff[4:8])
    if ifd + 2 > len(tiff):
        return 1
    (count,) = struct.unpack(order + "H", tiff[ifd : ifd + 2])
    for index in range(count):
        entry = ifd + 2 + 12 * index
        if entry + 12 > len(tiff):
            return 1
        tag, kind = struct.unpack(order + "HH", tiff[entry : entry + 4])
        if tag == 0x0112 and kind == 3:  # SHORT
            (value,) = struct.unpack(order + "H", tiff[entry + 8 : entry + 10])
            return value if 1 <= value <= 8 else 1
    return 1


def decode_image(data: bytes, max_pixels: int) -> np.ndarray:
    """Decode to an upright BGR array after the header checks; raise RejectedImage on any problem.

    The stored pixels are decoded as they are (orientation ignored) and checked against the header, then
    the EXIF orientation is applied here: one rule whatever the OpenCV build does with EXIF."""
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
    check_data_fills_header(header)
    flags = cv2.IMREAD_COLOR | cv2.IMREAD_IGNORE_ORIENTATION
    image = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), flags)
    if image is None:
        raise RejectedImage("corrupt_image", f"the {header.format} data could not be decoded")
    if image.shape[0] != header.height or image.shape[1] != header.width:
        raise RejectedImage(
            "corrupt_image",
            f"decoded size {image.shape[1]}x{image.shape[0]} differs from the header's {header.width}x{header.height}",
        )
    return apply_orientation(image, header.orientation)


def apply_orientation(image: np.ndarray, orientation: int) -> np.ndarray:
    """Turn stored pixels upright per the EXIF orientation (2-8 mirror and/or rotate; 5-8 swap the axes)."""
    import numpy as np

    transforms = {
        2: lambda a: a[:, ::-1],
        3: lambda a: a[::-1, ::-1],
        4: lambda a: a[::-1],
        5: lambda a: a.swapaxes(0, 1),
        6: lambda a: a.swapaxes(0, 1)[:, ::-1],
        7: lambda a: a.swapaxes(0, 1)[::-1, ::-1],
        8: lambda a: a.swapaxes(0, 1)[::-1],
    }
    transform = transforms.get(orientation)
    return image if transform is None else np.ascontiguousarray(transform(image))


def encode_jpeg(image: np.ndarray, quality: int = 90) -> bytes:
    import cv2

    ok, buffer = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError("JPEG encoding failed")
    return bytes(buffer)
