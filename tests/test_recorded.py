"""Recorded speech in the corpus: readers, bandwidth, trimming, voice split, manifest.

Nothing here downloads a package: the packages are small fake trees in a temporary cache
(with the marker that says "unpacked"), filled with vowels from sfvae.synth written in each
format the real packages use.
"""

from __future__ import annotations

import os
import shutil

import numpy as np
import pytest
import soundfile as sf
import soxr

from sfvae.corpus import build as corpus_build
from sfvae.corpus import read_manifest
from sfvae.corpus import recorded as rec
from sfvae.corpus.packages import PackageError, fetch_package, package_root
from sfvae.errors import ArgumentError, InputError
from sfvae.synth import synthesize

RATE = 16000
_PATH = os.environ.get("PATH", "")  # before the fixture below empties it


def _vowel(f0=120.0, seconds=1.0, seed=0) -> np.ndarray:
    x = synthesize(f0, (700.0, 1200.0, 2600.0, 3500.0, 4500.0), seconds, seed=seed)
    # A recording's noise floor, 50 dB under the peak: it fills the band above the vowel's
    # highest harmonics (6 kHz here), as fricatives and breath do in real speech.
    noise = np.random.default_rng(seed).standard_normal(x.size) * 10 ** (-50 / 20)
    return (0.5 * x / np.max(np.abs(x)) + noise).astype(np.float32)


def _at(x: np.ndarray, rate: int) -> np.ndarray:
    return soxr.resample(x, RATE, rate, quality="VHQ").astype(np.float32)


def _write(path, x16, rate, fmt, subtype):
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(str(path), _at(x16, rate), rate, format=fmt, subtype=subtype)
    return path


FORMATS = [("wav", 16000, "WAV", "PCM_16"), ("wav", 44100, "WAV", "PCM_16"),
           ("ogg", 44100, "OGG", "VORBIS"), ("ogg", 22050, "OGG", "VORBIS"),
           ("opus", 48000, "OGG", "OPUS")]


@pytest.mark.parametrize("ext,rate,fmt,subtype", FORMATS)
def test_reader_gives_16k_mono_of_the_right_length_and_pitch(tmp_path, ext, rate, fmt, subtype):
    x = _vowel(150.0, 1.0)
    path = _write(tmp_path / f"v.{ext}", x, rate, fmt, subtype)
    y = rec.read_audio(path)
    assert y.dtype == np.float32 and y.ndim == 1
    assert abs(y.size / RATE - 1.0) < 0.03  # Opus pads a few ms
    assert abs(rec.median_f0(y) - 150.0) < 3.0


def test_reader_mixes_stereo_and_refuses_unknown_formats(tmp_path):
    x = _vowel()
    sf.write(str(tmp_path / "s.wav"), np.stack([x, np.zeros_like(x)], axis=1), RATE)
    y = rec.read_audio(tmp_path / "s.wav")
    assert np.allclose(y, x / 2, atol=1e-4)
    (tmp_path / "x.mp3").write_bytes(b"ID3")
    with pytest.raises(InputError, match="x.mp3: unsupported format"):
        rec.read_audio(tmp_path / "x.mp3")
    (tmp_path / "bad.ogg").write_bytes(b"not an ogg")
    with pytest.raises(InputError, match="bad.ogg: not a readable audio file"):
        rec.read_audio(tmp_path / "bad.ogg")


def test_bandwidth_of_wide_and_low_passed_speech(tmp_path):
    x = _vowel(110.0, 1.5)
    wide = rec.effective_bandwidth(x)
    assert wide >= 7500
    # An 8 kHz original (content to 4 kHz) and a 6 kHz low-pass, both back at 16 kHz.
    narrow = soxr.resample(soxr.resample(x, RATE, 8000, "VHQ"), 8000, RATE, "VHQ")
    assert 3500 <= rec.effective_bandwidth(narrow) <= 4100
    six = soxr.resample(soxr.resample(x, RATE, 12000, "VHQ"), 12000, RATE, "VHQ")
    assert 5500 <= rec.effective_bandwidth(six) <= 6100
    # A Vorbis file at 44.1 kHz keeps the band.
    path = _write(tmp_path / "v.ogg", x, 44100, "OGG", "VORBIS")
    assert rec.effective_bandwidth(rec.read_audio(path)) >= rec.MIN_BANDWIDTH_HZ


def test_trim_cuts_leading_and_trailing_silence_only():
    x = _vowel(200.0, 1.0)
    gap = np.zeros(RATE // 2, np.float32)
    y = rec.trim_silence(np.concatenate([np.zeros(RATE), x, gap, x, np.zeros(2 * RATE)]))
    assert abs(y.size / RATE - (2.5 + 2 * rec.TRIM_MARGIN_S)) < 0.05  # inner pause kept


def test_reserved_and_unknown_sources_are_refused():
    with pytest.raises(ArgumentError, match="reserved"):
        rec.get_source("asterisk-core-sounds-en-wav")
    with pytest.raises(ArgumentError, match="unknown recorded source"):
        rec.get_source("fillets-ng-data-nl")
    assert not set(rec.source_names()) & {"pocketsphinx-testdata", "flite"}


def test_every_voice_lands_in_exactly_one_split():
    assert not set(rec.TEST_VOICES) & set(rec.VAL_VOICES)
    voices = list(rec.TEST_VOICES) + list(rec.VAL_VOICES) + ["festvox-ru", "tuxpaint-ro"]
    split = rec.split_voices(voices + voices)  # duplicates collapse
    assert sorted(v for vs in split.values() for v in vs) == sorted(set(voices))
    assert split["test"] == sorted(rec.TEST_VOICES)
    assert split["val"] == sorted(rec.VAL_VOICES)
    assert split["train"] == ["festvox-ru", "tuxpaint-ro"]


# -- fake packages --------------------------------------------------------------------------

def _fake_package(cache, name, files):
    """Unpacked tree of ``name`` in ``cache`` with files {relative path: audio writer}."""
    root = package_root(name, cache)
    for rel, (x, rate, fmt, subtype) in files.items():
        _write(root / rel, x, rate, fmt, subtype)
    (root.parent / ".complete").write_text("0-test\n")
    return root


@pytest.fixture(autouse=True)
def no_downloads(monkeypatch, tmp_path):
    """No apt-get on PATH: fetching a package that is not in the fake cache fails."""
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    cache = tmp_path_factory.mktemp("cache")
    ogg = lambda f0, s, seed, rate=44100: (_vowel(f0, s, seed), rate, "OGG", "VORBIS")  # noqa: E731
    gcin = {f"usr/share/gcin-voice/ogg/s{i}/3.ogg": ogg(110.0, 0.6, i) for i in range(3)}
    gcin.update({f"usr/share/gcin-voice/ogg/s{i}/5.ogg": ogg(260.0, 0.6, 10 + i) for i in range(3)})
    gcin["usr/share/gcin-voice/ogg/s9/3.ogg"] = ogg(110.0, 0.6, 3, rate=8000)  # narrow band
    _fake_package(cache, "gcin-voice", gcin)
    stamps = "usr/share/tuxpaint/stamps/animals"
    tux = {f"{stamps}/a{i}_desc_el.ogg": ogg(220.0, 2.5, 20 + i) for i in range(4)}
    tux.update({f"{stamps}/a{i}_desc.ogg": ogg(120.0, 1.2, 30 + i) for i in range(2)})  # en
    tux[f"{stamps}/a0.ogg"] = ogg(500.0, 1.0, 40)  # a sound effect, not a description
    _fake_package(cache, "tuxpaint-stamps-default", tux)
    for name in rec.source_names():  # the other packages: unpacked and empty
        package_root(name, cache).mkdir(parents=True, exist_ok=True)
        (package_root(name, cache).parent / ".complete").write_text("0-test\n")
    return cache


def test_fetch_uses_the_cache_and_explains_a_missing_tool(cache, tmp_path):
    assert fetch_package("gcin-voice", cache, progress=False) == package_root("gcin-voice", cache)
    with pytest.raises(PackageError, match="festvox-ru: needs apt-get"):
        fetch_package("festvox-ru", tmp_path / "empty-cache", progress=False)


def test_listing_maps_files_to_voices_and_drops_duplicates(cache):
    files = rec.list_files("tuxpaint-stamps-default", package_root("tuxpaint-stamps-default", cache))
    voices = sorted({f.voice for f in files})
    assert voices == ["tuxpaint-el", "tuxpaint-en"]
    assert not any(f.original.endswith("/a0.ogg") for f in files)
    gcin = rec.list_files("gcin-voice", package_root("gcin-voice", cache))
    assert {f.voice for f in gcin} == {"gcin-3", "gcin-5"}
    dup = package_root("gcin-voice", cache) / "usr/share/gcin-voice/ogg/s0"
    (dup.parent / "s0-copy").mkdir(exist_ok=True)
    (dup.parent / "s0-copy" / "3.ogg").write_bytes((dup / "3.ogg").read_bytes())
    try:
        again = rec.list_files("gcin-voice", package_root("gcin-voice", cache))
        assert len(again) == len(gcin)
    finally:
        (dup.parent / "s0-copy" / "3.ogg").unlink()


def test_manifest_round_trip_of_a_recorded_build(cache, tmp_path):
    out = tmp_path / "corpus"
    manifest = corpus_build.build_corpus(out, hours=0, recorded=["gcin-voice"], cache_dir=cache,
                                         jobs=1, progress=False)
    rows = read_manifest(manifest)
    assert tuple(rows[0]) == corpus_build.MANIFEST_FIELDS
    assert {p.relative_to(out).as_posix() for p in out.rglob("*.wav")} == {r["path"] for r in rows}
    assert len(rows) == 6  # the 8 kHz file is dropped as narrow band
    for r in rows:
        info = sf.info(str(out / r["path"]))
        assert (info.samplerate, info.channels) == (16000, 1)
        assert abs(info.frames / RATE - float(r["duration"])) < 1e-3
        assert float(r["bandwidth"]) >= rec.MIN_BANDWIDTH_HZ
        assert r["engine"] == "recorded" and r["source"] == "gcin-voice"
        assert r["split"] == rec.split_of(r["voice"]) and r["path"].startswith(r["split"] + "/")
        assert (out / r["path"]).parts[-2] == r["voice"]
    sexes = {r["voice"]: r["sex"] for r in rows}
    assert sexes == {"gcin-3": "M", "gcin-5": "F"}
    f0 = {r["voice"]: float(r["f0_median"]) for r in rows}
    assert abs(f0["gcin-3"] - 110) < 5 and abs(f0["gcin-5"] - 260) < 8
    # A second build reuses the per-package rows and writes the same manifest.
    before = corpus_build.manifest_hash(manifest)
    again = corpus_build.build_corpus(out, hours=0, recorded=["gcin-voice"], cache_dir=cache,
                                      jobs=1, progress=False)
    assert corpus_build.manifest_hash(again) == before


def test_test_clips_come_from_test_voices_only(cache):
    clips = rec.test_clips(per_voice=3, cache=cache, progress=False)
    assert {c.file.voice for c in clips} == {"tuxpaint-el"}
    assert len(clips) == 3
    assert all(2.0 <= c.duration <= 4.0 for c in clips)
    again = rec.test_clips(per_voice=3, cache=cache, progress=False)
    assert [c.file.original for c in again] == [c.file.original for c in clips]


def test_evaluate_recorded_items(cache, monkeypatch):
    from sfvae.evaluate.data import load_items

    monkeypatch.setenv("SFVAE_CACHE_DIR", str(cache))
    items = load_items("recorded")
    assert len(items) == 3
    for item in items:
        assert item.meta["voice"] == "tuxpaint-el" and item.meta["dataset"] == "recorded"
        assert item.meta["sex"] == "F"
        assert abs(item.labels["f0"] - 220.0) < 6


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng not installed")
def test_combined_corpus_trains_on_train_and_val_only(cache, tmp_path, monkeypatch):
    from sfvae.model.data import split_corpus

    monkeypatch.setenv("PATH", _PATH)  # espeak-ng; every package is in the fake cache
    out = tmp_path / "corpus"
    manifest = corpus_build.build_corpus(out, hours=0.003, seed=5, jobs=1, progress=False,
                                         recorded=["gcin-voice", "tuxpaint-stamps-default"],
                                         cache_dir=cache)
    rows = read_manifest(manifest)
    assert {r["engine"] for r in rows} >= {"recorded", "mbrola"}
    by_split = {s: {r["voice"] for r in rows if r["split"] == s} for s in ("train", "val", "test")}
    assert by_split["test"] == {"tuxpaint-el"}
    assert not (by_split["train"] & by_split["val"]) and not (by_split["test"] & by_split["train"])
    split = split_corpus(out)
    seen = {p.relative_to(out).as_posix() for p in split.train + split.val}
    assert seen == {r["path"] for r in rows if r["split"] in ("train", "val")}
    assert {p.parent.name for p in split.val} >= {"gcin-5"}
