"""The embedded corpus: tiny real builds with espeak-ng + MBROLA, checked with Praat."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import parselmouth
import pytest
import soundfile as sf

from sfvae.corpus import available_voices, build_corpus, manifest_hash, read_manifest
from sfvae.corpus import build as corpus_build
from sfvae.corpus.voices import MissingToolError
from sfvae.errors import ArgumentError

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None,
                                  reason="espeak-ng not installed (run scripts/setup-system.sh)")

SEED = 5
HOURS = 0.008  # about 29 s: five or six files


def _median_f0(path_or_audio, rate=16000) -> float:
    if isinstance(path_or_audio, (str, Path)):
        snd = parselmouth.Sound(str(path_or_audio))
    else:
        snd = parselmouth.Sound(path_or_audio, rate)
    f0 = snd.to_pitch_ac(pitch_floor=50, pitch_ceiling=600).selected_array["frequency"]
    f0 = f0[f0 > 0]
    assert f0.size > 10, "Praat found almost no voiced frames"
    return float(np.median(f0))


@pytest.fixture(scope="module")
def voices():
    return available_voices()


@pytest.fixture(scope="module")
def val_names(voices):
    # The first two planned utterances' voices, so the tiny build has files in val/.
    names = {corpus_build.plan_utterance(i, voices, SEED).voice.name for i in (0, 1)}
    return sorted(names)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory, val_names):
    out = tmp_path_factory.mktemp("corpus")
    manifest = build_corpus(out, hours=HOURS, seed=SEED, jobs=2, val_voices=val_names,
                            progress=False)
    return out, manifest


@needs_espeak
def test_voice_set_is_large_and_mixed(voices):
    assert len(voices) >= 40
    assert len({v.name for v in voices}) == len(voices)
    assert {v.sex for v in voices} == {"F", "M"}
    assert sum(v.sex == "F" for v in voices) >= 10
    assert len({v.text_language for v in voices}) >= 5


@needs_espeak
def test_manifest_matches_files(tiny):
    out, manifest = tiny
    rows = read_manifest(manifest)
    assert sum(float(r["duration"]) for r in rows) >= HOURS * 3600
    on_disk = {p.relative_to(out).as_posix() for p in out.rglob("*.wav")}
    assert on_disk == {r["path"] for r in rows}
    for r in rows:
        info = sf.info(str(out / r["path"]))
        assert (info.samplerate, info.channels, info.subtype) == (16000, 1, "PCM_16")
        assert abs(info.frames / 16000 - float(r["duration"])) < 1e-3
        assert 1.0 <= info.duration <= 16.0
        assert r["path"].split("/")[:2] == [r["split"], r["voice"]]
        assert r["sex"] in ("F", "M") and r["text"]
        assert 0 <= int(r["pitch"]) <= 99


@needs_espeak
def test_split_is_voice_disjoint(tiny, val_names):
    out, manifest = tiny
    rows = read_manifest(manifest)
    train = {r["voice"] for r in rows if r["split"] == "train"}
    val = {r["voice"] for r in rows if r["split"] == "val"}
    assert val == set(val_names)
    assert train and not (train & val)
    # The folders alone give the same split (what `sfvae train --corpus` walks).
    assert {p.parent.name for p in (out / "val").rglob("*.wav")} == val


@needs_espeak
def test_default_validation_voices(voices):
    chosen = corpus_build.choose_val_voices(voices, seed=0)
    assert len(chosen) == 6
    assert sorted(v.sex for v in chosen) == ["F", "F", "F", "M", "M", "M"]
    assert len({v.text_language for v in chosen}) == 6
    assert chosen == corpus_build.choose_val_voices(voices, seed=0)
    assert chosen != corpus_build.choose_val_voices(voices, seed=1)


@needs_espeak
def test_deterministic_and_resumable(tiny, tmp_path, val_names):
    out, manifest = tiny
    again = build_corpus(tmp_path, hours=HOURS, seed=SEED, jobs=1, val_voices=val_names,
                         progress=False)
    assert again.read_bytes() == manifest.read_bytes()
    assert manifest_hash(again) == manifest_hash(manifest)
    rows = read_manifest(manifest)
    for r in rows:
        assert (tmp_path / r["path"]).read_bytes() == (out / r["path"]).read_bytes()

    # Resume: a lost file is rendered again, identically; a stray file is removed.
    lost = tmp_path / rows[-1]["path"]
    lost.unlink()
    stray = tmp_path / "train" / "stray.wav"
    shutil.copy(out / rows[0]["path"], stray)
    build_corpus(tmp_path, hours=HOURS, seed=SEED, jobs=2, val_voices=val_names, progress=False)
    assert lost.read_bytes() == (out / rows[-1]["path"]).read_bytes()
    assert not stray.exists()
    assert (tmp_path / "manifest.csv").read_bytes() == manifest.read_bytes()

    # Another seed in the same folder is refused rather than mixed in.
    with pytest.raises(ArgumentError, match="other settings"):
        build_corpus(tmp_path, hours=HOURS, seed=SEED + 1, progress=False)


@needs_espeak
def test_other_seed_other_corpus(voices):
    texts_a = [corpus_build.plan_utterance(i, voices, 0).text for i in range(5)]
    texts_b = [corpus_build.plan_utterance(i, voices, 1).text for i in range(5)]
    assert texts_a != texts_b


def test_manifest_hash_is_sha256(tmp_path):
    path = tmp_path / "m.csv"
    path.write_bytes(b"path,split\na.wav,train\n")
    assert manifest_hash(path) == hashlib.sha256(path.read_bytes()).hexdigest()


@needs_espeak
def test_catalogue_f0_and_sex_match_praat(voices, tmp_path):
    # At espeak-ng's default pitch each voice's median f0 (Praat) matches the catalogue,
    # and female voices sit above male ones.
    espeak = shutil.which("espeak-ng")
    from sfvae.corpus import text
    for v in voices:
        if v.engine != "mbrola":
            continue
        words = " ".join(text.words(v.text_language)[60:72]) + "."
        wav = tmp_path / f"{v.name}.wav"
        subprocess.run([espeak, "-v", v.name, "-w", str(wav), words], check=True,
                       capture_output=True)
        x, rate = sf.read(str(wav), dtype="float32")
        measured = _median_f0(x, rate)
        assert abs(measured / v.f0_at_default - 1) < 0.12, (v.name, measured)
        assert (measured > 150) == (v.sex == "F"), (v.name, v.sex, measured)


@needs_espeak
def test_rendered_f0_follows_plan(voices, tmp_path):
    # pitch_for_f0 places each utterance's median f0 near its target (Praat), across the
    # low and high ends of both sexes' ranges.
    espeak = shutil.which("espeak-ng")
    by_sex = {s: [v for v in voices if v.sex == s and v.engine == "mbrola"] for s in "FM"}
    cases = [(by_sex["M"][0], 75.0), (by_sex["M"][1], 165.0),
             (by_sex["F"][0], 145.0), (by_sex["F"][1], 320.0)]
    measured_all = []
    for i, (voice, target) in enumerate(cases):
        plan = corpus_build.plan_utterance(i, [voice], seed=0)
        utt = corpus_build.Utterance(i, voice, 170, target,
                                     corpus_build.pitch_for_f0(target, voice), 0, plan.text)
        wav = tmp_path / f"{i}.wav"
        duration, _ = corpus_build._render(espeak, utt, wav)
        assert duration > 1.0
        measured = _median_f0(wav)
        measured_all.append(measured)
        assert abs(measured / target - 1) < 0.2, (voice.name, target, measured)
    assert min(measured_all) < 90 and max(measured_all) > 270


def test_missing_espeak_is_a_clear_error(tmp_path, monkeypatch):
    empty = tmp_path / "bin"
    empty.mkdir()
    env = dict(os.environ, PATH=str(empty))
    done = subprocess.run([sys.executable, "-m", "sfvae", "corpus", "build", str(tmp_path / "c"),
                           "--hours", "0.01"], capture_output=True, text=True, env=env)
    assert done.returncode == 2
    assert "espeak-ng not found" in done.stderr
    assert "Traceback" not in done.stderr
    monkeypatch.setenv("PATH", str(empty))
    with pytest.raises(MissingToolError, match="setup-system.sh"):
        build_corpus(tmp_path / "c", hours=0.01, progress=False)


def test_bad_arguments_exit_2(tmp_path):
    for args in (["--hours", "-1"], ["--jobs", "0"]):
        done = subprocess.run([sys.executable, "-m", "sfvae", "corpus", "build",
                               str(tmp_path / "c"), *args], capture_output=True, text=True)
        assert done.returncode == 2, args
        assert done.stderr.startswith("sfvae: error:"), done.stderr


@needs_espeak
def test_espeak_voice_set_renders_espeaks_own_voices(tmp_path):
    voices = available_voices(voice_set="espeak")
    assert len(voices) >= 40 and {v.engine for v in voices} == {"espeak"}
    assert {v.sex for v in voices} == {"F", "M"}
    names = sorted({corpus_build.plan_utterance(i, voices, SEED).voice.name for i in (0, 1)})
    manifest = build_corpus(tmp_path / "c", hours=0.004, seed=SEED, jobs=2, val_voices=names,
                            progress=False, voice_set="espeak")
    rows = read_manifest(manifest)
    assert rows and all("+" in Path(r["path"]).parent.name for r in rows)
    # A folder built from one voice set is not resumed with the other.
    with pytest.raises(ArgumentError, match="other settings"):
        build_corpus(tmp_path / "c", hours=0.004, seed=SEED, jobs=2, progress=False)
    with pytest.raises(ArgumentError, match="unknown voice set"):
        available_voices(voice_set="klatt")
