"""An audio file's duration read from its own header, for the hold and for per-minute billing.

Small, dependency-free readers of just the fields that give a duration:

- WAV: the ``fmt `` chunk's byte rate and the ``data`` chunk's size;
- FLAC: STREAMINFO's sample rate and total samples;
- OGG (Vorbis, Opus): the last page's granule position over the stream's rate (Opus: 48 kHz,
  less the pre-skip);
- MP3: a Xing/Info or VBRI header's frame count, else (constant bit rate) bytes over bit rate;
- M4A/MP4: ``moov/mvhd``'s duration over its timescale;
- WEBM/Matroska: ``Segment/Info``'s Duration times its TimecodeScale.

``read`` returns the format and the seconds, or None for the seconds when the header does not
say (a WEBM from MediaRecorder often has no Duration): the caller then holds a conservative
bound (``bound_s``) and bills what the provider reports.
"""

from __future__ import annotations

import struct

FORMATS = ("wav", "flac", "ogg", "mp3", "m4a", "webm")
_LOWEST_BITRATE = 8_000
"""bits/s: a floor no speech codec in these containers goes below, for ``bound_s``."""


def bound_s(size: int) -> float:
    """The longest a file of ``size`` bytes can play at ``_LOWEST_BITRATE``: a hold's upper bound."""
    return size * 8 / _LOWEST_BITRATE


def sniff(data: bytes) -> str | None:
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "wav"
    if data[:4] == b"fLaC":
        return "flac"
    if data[:4] == b"OggS":
        return "ogg"
    if data[4:8] == b"ftyp":
        return "m4a"
    if data[:4] == b"\x1a\x45\xdf\xa3":
        return "webm"
    if data[:3] == b"ID3" or (len(data) > 1 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0):
        return "mp3"
    return None


def read(data: bytes) -> tuple[str | None, float | None]:
    """(format, seconds): format None when it is none of ``FORMATS``; seconds None when unknown."""
    fmt = sniff(data)
    if fmt is None:
        return None, None
    try:
        seconds = _READERS[fmt](data)
    except (struct.error, IndexError, ValueError, ZeroDivisionError):
        seconds = None
    if seconds is not None and not (0 <= seconds < 86_400):
        seconds = None
    return fmt, seconds


def _wav(data: bytes) -> float | None:
    pos, byte_rate = 12, 0
    while pos + 8 <= len(data):
        kind, size = data[pos : pos + 4], struct.unpack("<I", data[pos + 4 : pos + 8])[0]
        if kind == b"fmt ":
            byte_rate = struct.unpack("<I", data[pos + 16 : pos + 20])[0]
        elif kind == b"data":
            available = len(data) - pos - 8
            return min(size, available) / byte_rate if byte_rate else None
        pos += 8 + size + (size & 1)
    return None


def _flac(data: bytes) -> float | None:
    pos = 4
    while pos + 4 <= len(data):
        header = data[pos]
        size = int.from_bytes(data[pos + 1 : pos + 4], "big")
        if header & 0x7F == 0:  # STREAMINFO
            bits = int.from_bytes(data[pos + 14 : pos + 22], "big")
            rate, total = bits >> 44, bits & ((1 << 36) - 1)
            return total / rate if rate and total else None
        if header & 0x80:
            break
        pos += 4 + size
    return None


def _ogg_packet(data: bytes, pos: int) -> bytes:
    segments = data[pos + 26]
    start = pos + 27 + segments
    return data[start : start + sum(data[pos + 27 : start])]


def _ogg(data: bytes) -> float | None:
    first = _ogg_packet(data, 0)
    if first.startswith(b"OpusHead"):
        rate, skip = 48_000, struct.unpack("<H", first[10:12])[0]
    elif first.startswith(b"\x01vorbis"):
        rate, skip = struct.unpack("<I", first[12:16])[0], 0
    elif first.startswith(b"\x7fFLAC"):
        rate, skip = int.from_bytes(first[27:30], "big") >> 4, 0
    else:
        return None
    last = data.rfind(b"OggS")
    granule = struct.unpack("<q", data[last + 6 : last + 14])[0]
    return max(0, granule - skip) / rate if rate and granule > 0 else None


_MP3_BITRATES = {
    (1, 1): [0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448],
    (1, 2): [0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],
    (1, 3): [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
    (2, 1): [0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],
    (2, 2): [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
}
_MP3_RATES = {1: [44100, 48000, 32000], 2: [22050, 24000, 16000], 25: [11025, 12000, 8000]}


def _mp3(data: bytes) -> float | None:
    pos = 0
    if data[:3] == b"ID3":
        size = 0
        for b in data[6:10]:
            size = (size << 7) | (b & 0x7F)
        pos = 10 + size + (10 if data[5] & 0x10 else 0)
    while pos + 4 <= len(data) and not (data[pos] == 0xFF and data[pos + 1] & 0xE0 == 0xE0):
        pos += 1
    h = struct.unpack(">I", data[pos : pos + 4])[0]
    version = {3: 1, 2: 2, 0: 25}.get((h >> 19) & 3)
    layer = 4 - ((h >> 17) & 3)
    if version is None or layer not in (1, 2, 3):
        return None
    rate = _MP3_RATES[version][(h >> 10) & 3]
    kbps = _MP3_BITRATES[(1 if version == 1 else 2, layer if version == 1 or layer == 1 else 2)][
        (h >> 12) & 15
    ]
    mono = (h >> 6) & 3 == 3
    per_frame = {1: 384, 2: 1152}.get(layer) or (1152 if version == 1 else 576)
    side = (17 if mono else 32) if version == 1 else (9 if mono else 17)
    xing = pos + 4 + side
    if data[xing : xing + 4] in (b"Xing", b"Info") and struct.unpack(">I", data[xing + 4 : xing + 8])[0] & 1:
        frames = struct.unpack(">I", data[xing + 8 : xing + 12])[0]
        return float(frames * per_frame / rate)
    vbri = pos + 4 + 32
    if data[vbri : vbri + 4] == b"VBRI":
        frames = struct.unpack(">I", data[vbri + 14 : vbri + 18])[0]
        return float(frames * per_frame / rate)
    return (len(data) - pos) * 8 / (kbps * 1000) if kbps else None


def _boxes(data: bytes, start: int, end: int) -> list[tuple[bytes, int, int]]:
    out, pos = [], start
    while pos + 8 <= end:
        size, kind = struct.unpack(">I4s", data[pos : pos + 8])
        header = 8
        if size == 1:
            size, header = struct.unpack(">Q", data[pos + 8 : pos + 16])[0], 16
        elif size == 0:
            size = end - pos
        if size < header:
            break
        out.append((kind, pos + header, min(pos + size, end)))
        pos += size
    return out


def _m4a(data: bytes) -> float | None:
    for kind, start, end in _boxes(data, 0, len(data)):
        if kind != b"moov":
            continue
        for inner, s, _ in _boxes(data, start, end):
            if inner == b"mvhd":
                if data[s] == 1:
                    scale, duration = struct.unpack(">IQ", data[s + 20 : s + 32])
                else:
                    scale, duration = struct.unpack(">II", data[s + 12 : s + 20])
                return duration / scale if scale else None
    return None


def _vint(data: bytes, pos: int, *, keep_marker: bool) -> tuple[int, int]:
    first = data[pos]
    length = 1
    while length <= 8 and not first & (0x80 >> (length - 1)):
        length += 1
    if length > 8:
        raise ValueError("bad EBML variable-length integer")
    value = first if keep_marker else first & (0xFF >> length)
    for b in data[pos + 1 : pos + length]:
        value = (value << 8) | b
    return value, pos + length


_SEGMENT, _INFO, _SCALE, _DURATION = 0x18538067, 0x1549A966, 0x2AD7B1, 0x4489


def _webm(data: bytes) -> float | None:
    pos, end = 0, len(data)
    while pos < end:
        eid, pos = _vint(data, pos, keep_marker=True)
        size_start = pos
        size, pos = _vint(data, pos, keep_marker=False)
        unknown = size == (1 << (7 * (pos - size_start))) - 1
        if eid == _SEGMENT:
            end = len(data) if unknown else min(len(data), pos + size)
            continue  # into the segment's children
        if eid == _INFO:
            return _webm_info(data, pos, min(len(data), pos + size))
        pos += size
    return None


def _webm_info(data: bytes, pos: int, end: int) -> float | None:
    scale, duration = 1_000_000, None
    while pos < end:
        eid, pos = _vint(data, pos, keep_marker=True)
        size, pos = _vint(data, pos, keep_marker=False)
        raw = data[pos : pos + size]
        if eid == _SCALE:
            scale = int.from_bytes(raw, "big")
        elif eid == _DURATION:
            duration = struct.unpack(">f" if size == 4 else ">d", raw)[0]
        pos += size
    return duration * scale / 1e9 if duration else None


_READERS = {"wav": _wav, "flac": _flac, "ogg": _ogg, "mp3": _mp3, "m4a": _m4a, "webm": _webm}

__all__ = ["FORMATS", "bound_s", "read", "sniff"]
