"""Tiny audio files of a known duration, one per container the gateway reads (built here, by
hand, from each format's header layout: no encoder needed). Shared by the unit and integration
tests."""

from __future__ import annotations

import io
import struct
import wave


def wav(seconds: float, rate: int = 8000) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"\x00\x00" * int(seconds * rate))
    return buf.getvalue()


def flac(seconds: float, rate: int = 16000) -> bytes:
    total = int(seconds * rate)
    packed = (rate << 44) | (0 << 41) | (15 << 36) | total  # mono, 16 bits a sample
    info = struct.pack(">HH", 4096, 4096) + b"\x00" * 6 + packed.to_bytes(8, "big") + b"\x00" * 16
    return b"fLaC" + bytes([0x80]) + len(info).to_bytes(3, "big") + info + b"\xff\xf8" + b"\x00" * 64


def _ogg_page(packet: bytes, granule: int, kind: int, seq: int) -> bytes:
    header = b"OggS" + bytes([0, kind]) + struct.pack("<qIII", granule, 1234, seq, 0)
    return header + bytes([1, len(packet)]) + packet


def ogg_opus(seconds: float, pre_skip: int = 312) -> bytes:
    head = b"OpusHead" + bytes([1, 1]) + struct.pack("<HIhB", pre_skip, 48000, 0, 0)
    tags = b"OpusTags" + struct.pack("<I", 4) + b"test" + struct.pack("<I", 0)
    last = pre_skip + int(seconds * 48000)
    return (
        _ogg_page(head, 0, 2, 0)
        + _ogg_page(tags, 0, 0, 1)
        + _ogg_page(b"\x00" * 40, last // 2, 0, 2)
        + _ogg_page(b"\x00" * 40, last, 4, 3)
    )


def ogg_vorbis(seconds: float, rate: int = 22050) -> bytes:
    ident = b"\x01vorbis" + struct.pack("<IBIiiiBB", 0, 1, rate, 0, 64000, 0, 0xB8, 1)
    return _ogg_page(ident, 0, 2, 0) + _ogg_page(b"\x00" * 50, int(seconds * rate), 4, 1)


_MP3_FRAME = 417  # MPEG-1 Layer III, 128 kb/s, 44.1 kHz, no padding: 144 * 128000 / 44100 bytes


def mp3(seconds: float, *, xing: bool = False, id3: bool = True) -> bytes:
    frames = round(seconds * 44100 / 1152)
    header = bytes([0xFF, 0xFB, 0x90, 0x64])  # MPEG-1 L3, 128 kb/s, 44.1 kHz, stereo
    out = b""
    if id3:
        out += b"ID3" + bytes([4, 0, 0]) + bytes([0, 0, 0, 10]) + b"\x00" * 10
    if xing:  # a VBR header frame (32 bytes of side information for MPEG-1 stereo)
        info = b"Xing" + struct.pack(">II", 1, frames)
        out += header + b"\x00" * 32 + info + b"\x00" * (_MP3_FRAME - 4 - 32 - len(info))
        return out + (header + b"\x00" * (_MP3_FRAME - 4)) * 3  # a few frames: the count is in the header
    return out + (header + b"\x00" * (_MP3_FRAME - 4)) * frames


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def m4a(seconds: float, timescale: int = 44100) -> bytes:
    ftyp = _box(b"ftyp", b"M4A " + struct.pack(">I", 0) + b"isomM4A ")
    mvhd = _box(
        b"mvhd",
        b"\x00\x00\x00\x00" + struct.pack(">IIII", 0, 0, timescale, int(seconds * timescale)) + b"\x00" * 80,
    )
    return ftyp + _box(b"free", b"") + _box(b"moov", mvhd) + _box(b"mdat", b"\x00" * 64)


def _ebml(eid: int, payload: bytes) -> bytes:
    size = len(payload)
    return (
        eid.to_bytes((eid.bit_length() + 7) // 8, "big") + bytes([0x80 | size]) + payload
        if size < 127
        else (eid.to_bytes((eid.bit_length() + 7) // 8, "big") + (0x4000 | size).to_bytes(2, "big") + payload)
    )


def webm(seconds: float | None) -> bytes:
    header = _ebml(0x1A45DFA3, _ebml(0x4282, b"webm"))
    info = _ebml(0x2AD7B1, (1_000_000).to_bytes(3, "big"))
    if seconds is not None:
        info += _ebml(0x4489, struct.pack(">d", seconds * 1000))
    segment = _ebml(0x1549A966, info) + _ebml(0x1F43B675, b"\x00" * 32)  # Info, then a Cluster
    return header + (0x18538067).to_bytes(4, "big") + b"\x01\xff\xff\xff\xff\xff\xff\xff" + segment


BUILDERS = {
    "wav": wav,
    "flac": flac,
    "ogg": ogg_opus,
    "mp3": mp3,
    "m4a": m4a,
    "webm": webm,
}
