"""Audio durations from file headers: every container, built by hand (tests/_audio.py)."""

from __future__ import annotations

import _audio
import pytest

from gateway.media import duration


@pytest.mark.parametrize("fmt", sorted(_audio.BUILDERS))
@pytest.mark.parametrize("seconds", [1.5, 12.0, 95.25])
def test_each_format_reads_its_duration(fmt, seconds):
    got_fmt, got = duration.read(_audio.BUILDERS[fmt](seconds))
    assert got_fmt == fmt
    assert got == pytest.approx(seconds, rel=0.01, abs=0.03)


def test_variants_vorbis_xing_and_no_id3():
    assert duration.read(_audio.ogg_vorbis(7.0)) == ("ogg", pytest.approx(7.0))
    assert duration.read(_audio.mp3(42.0, xing=True)) == ("mp3", pytest.approx(42.0, abs=0.03))
    assert duration.read(_audio.mp3(3.0, id3=False)) == ("mp3", pytest.approx(3.0, rel=0.01))


def test_opus_pre_skip_is_not_audio():
    assert duration.read(_audio.ogg_opus(2.0, pre_skip=48000))[1] == pytest.approx(2.0)


def test_a_webm_without_duration_is_unknown_but_recognised():
    assert duration.read(_audio.webm(None)) == ("webm", None)


def test_unknown_and_broken_files_never_raise():
    assert duration.read(b"not audio at all") == (None, None)
    assert duration.read(b"") == (None, None)
    for fmt, build in _audio.BUILDERS.items():
        data = build(5.0)
        for cut in (5, 13, 40):
            got_fmt, _ = duration.read(data[:cut])  # truncated: recognised or not, never an exception
            assert got_fmt in (fmt, None)


def test_the_bound_holds_the_longest_a_file_could_play():
    assert duration.bound_s(8000) == 8.0  # 8,000 bytes at 8 kb/s
