"""Build the training corpus: MBROLA voices rendered with espeak-ng, plus recorded speech.

Utterance ``i`` is fully determined by ``(seed, i)``: its voice (voices are visited in a
fresh random order every cycle, so every voice gets the same share), text, speaking rate,
pitch base and pitch range. The corpus is the shortest prefix of that sequence whose total
duration reaches the requested hours, so the result does not depend on ``jobs``, a larger
``hours`` extends an existing build, and an interrupted build resumes by skipping the wav
files already written (each is written atomically).

Recorded speech (``recorded``: Debian packages, :mod:`sfvae.corpus.recorded`) is added
file by file into the same folders, split by voice; its test voices go to ``test/``, which
``sfvae train`` never reads (it reads ``train/`` and ``val/``).

Layout of ``OUT_DIR``::

    corpus.json                 build settings (seed, voices, validation voices, sources)
    manifest.csv                one row per file, written atomically at the end
    train/<voice>/<voice>_<index>.wav
    val/<voice>/<voice>_<index>.wav     voices never heard in train/
    test/<voice>/<voice>_<index>.wav    recorded evaluation voices, never heard in train/ or val/
    .recorded/<package>.csv     per-package rows, so a rebuild skips finished packages

Manifest format 2 (``FORMAT_VERSION``) adds ``source`` (Debian package, or "espeak-ng" for
rendered speech), ``original`` (path inside the package), ``bandwidth`` (effective
bandwidth in Hz, measured on recorded files) and ``f0_median`` (Praat, recorded files) to
format 1's fields; rendered rows leave the last three empty. Rendering did not change, so
a format-1 folder is upgraded in place (its wav files are reused).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np
import soundfile as sf

from .. import audio as sfaudio
from ..conventions import SAMPLE_RATE
from ..errors import ArgumentError, SfvaeError
from ..fileio import write_text
from . import text as corpus_text
from .voices import Voice, available_voices, espeak_binary

__all__ = [
    "Utterance", "plan_utterance", "pitch_for_f0", "choose_val_voices", "build_corpus", "manifest_hash",
    "read_manifest", "MANIFEST_NAME", "SETTINGS_NAME", "MANIFEST_FIELDS",
]

MANIFEST_NAME = "manifest.csv"
SETTINGS_NAME = "corpus.json"
FORMAT_VERSION = 2
_RENDER_COMPATIBLE = (1, 2)  # formats whose rendered wav files this version reuses
MANIFEST_FIELDS = ("path", "split", "voice", "language", "sex", "engine", "rate",
                   "f0_target", "pitch", "pitch_range", "duration", "text",
                   "source", "original", "bandwidth", "f0_median")
SPLITS = ("train", "val", "test")
RENDERED_SOURCE = "espeak-ng"

# Per-utterance prosody. Each utterance draws a target median f0 (log-uniform per sex) and
# gets the espeak-ng pitch base -p that moves its voice there: -p 0, 50, 99 scale a voice's
# f0 by about 0.645, 1 and 1.71 (Praat, on MBROLA voices of both sexes), log-linear between.
# Intonation spreads f0 around that median, so the corpus covers about 70-350 Hz. The SSML
# pitch range (percent) flattens or widens the contour.
RATE_WPM = (130, 210)
F0_TARGET_HZ = {"M": (75.0, 165.0), "F": (145.0, 320.0)}
_PITCH_POINTS = (0.0, 50.0, 99.0)
_PITCH_LOG_FACTORS = (float(np.log(0.645)), 0.0, float(np.log(1.71)))
PITCH_RANGE_PERCENT = (-60, 100)
DURATION_S = (3.0, 9.5)
# Words per second of speech at 1 wpm, pauses included (measured on the MBROLA voices).
_WORDS_PER_SECOND_PER_WPM = 0.85 / 60
MIN_DURATION_S = 1.0


@dataclass(frozen=True)
class Utterance:
    index: int
    voice: Voice
    rate: int
    f0_target: float
    pitch: int
    pitch_range: int
    text: str

    @property
    def stem(self) -> str:
        return f"{self.voice.name}_{self.index:06d}"


def _voice_for(index: int, voices: Sequence[Voice], seed: int) -> Voice:
    cycle, position = divmod(index, len(voices))
    order = np.random.default_rng([seed, 1, cycle]).permutation(len(voices))
    return voices[int(order[position])]


def pitch_for_f0(f0: float, voice: Voice) -> int:
    """espeak-ng ``-p`` (0-99) that puts ``voice``'s median f0 near ``f0`` Hz."""
    log_factor = np.log(f0 / voice.f0_at_default)
    return int(round(float(np.interp(log_factor, _PITCH_LOG_FACTORS, _PITCH_POINTS))))


def plan_utterance(index: int, voices: Sequence[Voice], seed: int) -> Utterance:
    """Settings and text of utterance ``index``: a function of ``(seed, index, voices)``."""
    voice = _voice_for(index, voices, seed)
    rng = np.random.default_rng([seed, 2, index])
    duration = rng.uniform(*DURATION_S)
    rate = int(rng.integers(RATE_WPM[0], RATE_WPM[1] + 1))
    low, high = F0_TARGET_HZ[voice.sex]
    f0_target = float(np.exp(rng.uniform(np.log(low), np.log(high))))
    pitch = pitch_for_f0(f0_target, voice)
    pitch_range = int(rng.integers(PITCH_RANGE_PERCENT[0], PITCH_RANGE_PERCENT[1] + 1))
    n_words = max(3, round(duration * rate * _WORDS_PER_SECOND_PER_WPM))
    text = corpus_text.make_text(voice.text_language, n_words, rng)
    return Utterance(index, voice, rate, round(f0_target, 1), pitch, pitch_range, text)


def choose_val_voices(voices: Sequence[Voice], seed: int, per_sex: int = 3) -> list[Voice]:
    """Validation voices: ``per_sex`` of each sex, from distinct languages, seeded.

    Voices come from languages with at least three voices where possible, so that training
    still hears every validation language from other speakers.
    """
    if len(voices) < 4:
        raise ArgumentError(f"need at least 4 voices for a voice-disjoint split, have {len(voices)}")
    per_sex = min(per_sex, max(1, len(voices) // 16))
    by_language: dict[str, int] = {}
    for v in voices:
        by_language[v.text_language] = by_language.get(v.text_language, 0) + 1
    order = np.random.default_rng([seed, 3]).permutation(len(voices))
    shuffled = [voices[int(i)] for i in order]
    chosen: list[Voice] = []
    for min_language_voices in (3, 2, 1):
        for v in shuffled:
            if v in chosen or sum(c.sex == v.sex for c in chosen) >= per_sex:
                continue
            if any(c.text_language == v.text_language for c in chosen):
                continue
            if by_language[v.text_language] < min_language_voices:
                continue
            chosen.append(v)
    return sorted(chosen, key=lambda v: v.name)


def _parse_val_voices(names: Iterable[str], voices: Sequence[Voice]) -> list[Voice]:
    by_name = {v.name: v for v in voices}
    wanted = [n.strip() for name in names for n in name.split(",") if n.strip()]
    unknown = [n for n in wanted if n not in by_name]
    if unknown:
        raise ArgumentError(
            f"unknown validation voice(s) {', '.join(unknown)}; available: {', '.join(sorted(by_name))}"
        )
    chosen = sorted({by_name[n] for n in wanted}, key=lambda v: v.name)
    if not chosen:
        raise ArgumentError("--val-voices names no voice")
    if len(chosen) >= len(voices):
        raise ArgumentError("every voice is a validation voice; leave some for training")
    return chosen


def _render(espeak: str, utt: Utterance, target: Path) -> tuple[float, int]:
    """Render ``utt`` into ``target`` (16 kHz PCM_16); return (duration s, MBROLA warnings).

    Returns duration 0 for an output too short or silent to keep.
    """
    ssml = (f'<speak><prosody range="{utt.pitch_range:+d}%">{escape(utt.text)}'
            f"</prosody></speak>")
    with tempfile.TemporaryDirectory(prefix="sfvae-corpus-") as tmp:
        raw = Path(tmp) / "raw.wav"
        cmd = [espeak, "-v", utt.voice.name, "-s", str(utt.rate), "-p", str(utt.pitch),
               "-m", "-w", str(raw), ssml]
        done = subprocess.run(cmd, capture_output=True, timeout=300)
        if done.returncode != 0 or not raw.exists():
            detail = done.stderr.decode(errors="replace").strip().splitlines()
            raise SfvaeError(
                f"espeak-ng failed on utterance {utt.index} (voice {utt.voice.name}, "
                f"exit {done.returncode}): {detail[-1] if detail else 'no output'}"
            )
        warnings = done.stderr.count(b"Warning")
        audio, rate = sf.read(str(raw), dtype="float32", always_2d=True)
    audio = audio.mean(axis=1)
    audio = sfaudio.resample(audio, rate, SAMPLE_RATE)
    if audio.size < MIN_DURATION_S * SAMPLE_RATE or float(np.max(np.abs(audio), initial=0)) < 1e-3:
        return 0.0, warnings
    sfaudio.save(target, audio, SAMPLE_RATE, subtype="PCM_16")
    return audio.size / SAMPLE_RATE, warnings


def _existing_duration(path: Path) -> float | None:
    """Duration of an already rendered file, None when absent or unreadable."""
    if not path.is_file():
        return None
    try:
        info = sf.info(str(path))
    except (sf.LibsndfileError, RuntimeError):
        return None
    if info.samplerate != SAMPLE_RATE or info.frames == 0:
        return None
    return info.frames / info.samplerate


def _check_settings(out_dir: Path, settings: dict) -> None:
    """Refuse to mix two different builds in one folder; record the settings otherwise."""
    path = out_dir / SETTINGS_NAME
    if path.exists():
        try:
            old = json.loads(path.read_text())
        except (OSError, ValueError):
            old = None
        keys = ("seed", "voices", "val_voices")
        if (old is None or old.get("format") not in _RENDER_COMPATIBLE
                or any(old.get(k) != settings[k] for k in keys)):
            raise ArgumentError(
                f"{out_dir}: holds a corpus built with other settings (seed, voices or "
                f"validation voices differ, see {SETTINGS_NAME}); use an empty folder"
            )
    write_text(path, json.dumps(settings, indent=2) + "\n")


def _espeak_version(espeak: str) -> str:
    try:
        out = subprocess.run([espeak, "--version"], capture_output=True, timeout=30).stdout
        return out.decode(errors="replace").strip().split("  ")[0]
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"


def _log(progress: bool, message: str) -> None:
    if progress:
        print(message, file=sys.stderr, flush=True)


def build_corpus(out_dir: str | os.PathLike, hours: float = 10.0, seed: int = 0, jobs: int = 2,
                 val_voices: Sequence[str] | None = None, progress: bool = True,
                 voice_set: str = "mbrola", recorded: Sequence[str] = (),
                 cache_dir: str | os.PathLike | None = None) -> Path:
    """Render ``hours`` of multi-voice speech into ``out_dir``, add the ``recorded``
    sources (Debian package names, see :data:`sfvae.corpus.recorded.SOURCES`; fetched into
    ``cache_dir`` when missing); return the manifest path.

    ``val_voices``: espeak-ng voice names held out for validation (default: three female
    and three male voices chosen from ``seed``). Resumes an interrupted build of the same
    settings. Deterministic for a given seed and set of installed voices. ``voice_set``:
    "mbrola" (MBROLA voices) or "espeak" (espeak-ng's own voices; see
    :func:`sfvae.corpus.voices.available_voices`). ``hours`` may be 0 when ``recorded``
    names sources: recorded speech only.
    """
    from . import recorded as rec

    recorded = list(dict.fromkeys(recorded))
    for name in recorded:
        rec.get_source(name)  # unknown or reserved: ArgumentError
    if not (np.isfinite(hours) and (hours > 0 or (hours == 0 and recorded))):
        raise ArgumentError(f"--hours must be positive (or 0 with recorded sources), got {hours}")
    if int(jobs) < 1:
        raise ArgumentError(f"--jobs must be at least 1, got {jobs}")
    jobs = int(jobs)
    seed = int(seed)
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise ArgumentError(f"{out_dir}: exists and is not a folder")

    rendering = hours > 0
    espeak = espeak_binary() if rendering else ""
    voices = available_voices(voice_set=voice_set) if rendering else []
    val = (_parse_val_voices(val_voices, voices) if val_voices
           else choose_val_voices(voices, seed) if rendering else [])
    val_names = {v.name for v in val}
    out_dir.mkdir(parents=True, exist_ok=True)
    _check_settings(out_dir, {
        "format": FORMAT_VERSION, "seed": seed, "voices": [asdict(v) for v in voices],
        "val_voices": sorted(val_names), "hours": hours,
        "espeak": _espeak_version(espeak) if rendering else "", "sample_rate": SAMPLE_RATE,
        # Recorded only when not the default, so that corpora built before it still resume.
        **({"voice_set": voice_set} if voice_set != "mbrola" else {}),
        "recorded": recorded, "recorded_test_voices": list(rec.TEST_VOICES),
        "recorded_val_voices": list(rec.VAL_VOICES),
    })
    if rendering:
        n_female = sum(v.sex == "F" for v in voices)
        _log(progress, f"corpus: {len(voices)} voices ({n_female} F, {len(voices) - n_female} "
                       f"M, {len({v.text_language for v in voices})} languages); validation "
                       f"voices: {', '.join(sorted(val_names))}")

    target_s = hours * 3600.0
    rows: list[dict] = []
    total_s = 0.0
    rendered = skipped_short = warnings = 0
    chunk = max(16, 8 * jobs)
    bar = None
    if progress and rendering:
        from tqdm import tqdm
        # Into a log file: a line every 30 s rather than a redraw per file.
        bar = tqdm(total=round(target_s), unit="s", desc="corpus", file=sys.stderr,
                   dynamic_ncols=True, mininterval=0.5 if sys.stderr.isatty() else 30)

    def work(utt: Utterance) -> tuple[Utterance, Path, float, bool, int]:
        split = "val" if utt.voice.name in val_names else "train"
        path = out_dir / split / utt.voice.name / f"{utt.stem}.wav"
        existing = _existing_duration(path)
        if existing is not None:
            return utt, path, existing, False, 0
        duration, n_warn = _render(espeak, utt, path)
        return utt, path, duration, True, n_warn

    index = 0
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        while rendering and total_s < target_s:
            batch = [plan_utterance(i, voices, seed) for i in range(index, index + chunk)]
            index += chunk
            for utt, path, duration, fresh, n_warn in pool.map(work, batch):
                rendered += fresh
                warnings += n_warn
                if total_s >= target_s:
                    continue  # past the end: removed below with other strays
                if duration <= 0:
                    skipped_short += 1
                    continue
                total_s += duration
                if bar is not None:
                    bar.update(min(round(total_s), round(target_s)) - bar.n)
                rows.append({
                    "path": path.relative_to(out_dir).as_posix(),
                    "split": "val" if utt.voice.name in val_names else "train",
                    "voice": utt.voice.name, "language": utt.voice.language,
                    "sex": utt.voice.sex, "engine": utt.voice.engine, "rate": utt.rate,
                    "f0_target": utt.f0_target, "pitch": utt.pitch, "pitch_range": utt.pitch_range,
                    "duration": f"{duration:.4f}", "text": utt.text,
                    "source": RENDERED_SOURCE, "original": "", "bandwidth": "", "f0_median": "",
                })
    if bar is not None:
        bar.close()

    if recorded:
        for r in rec.build_recorded(out_dir, recorded, cache_dir, jobs=jobs, progress=progress):
            rows.append({**{k: "" for k in MANIFEST_FIELDS}, **r, "engine": "recorded"})

    keep = {out_dir / r["path"] for r in rows}
    for split in SPLITS:
        for stray in sorted((out_dir / split).rglob("*.wav")) if (out_dir / split).is_dir() else []:
            if stray not in keep:
                stray.unlink()
        for folder in sorted((out_dir / split).glob("*")) if (out_dir / split).is_dir() else []:
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()

    manifest = out_dir / MANIFEST_NAME
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=MANIFEST_FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    write_text(manifest, buffer.getvalue())

    hours_by_split = {s: sum(float(r["duration"]) for r in rows if r["split"] == s) / 3600
                      for s in SPLITS}
    voices_by_split = {s: len({r["voice"] for r in rows if r["split"] == s}) for s in SPLITS}
    _log(progress, f"corpus: {len(rows)} files, " + ", ".join(
        f"{s} {hours_by_split[s]:.2f} h ({voices_by_split[s]} voices)" for s in SPLITS)
        + f" ({rendered} rendered now, "
                   f"{skipped_short} too short skipped, {warnings} MBROLA diphone warnings)")
    _log(progress, f"corpus: manifest {manifest} sha256 {manifest_hash(manifest)}")
    return manifest


def manifest_hash(path: str | os.PathLike) -> str:
    """sha256 (hex) of the manifest file's bytes: identifies the corpus a model saw."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_manifest(path: str | os.PathLike) -> list[dict]:
    """The manifest's rows as dicts (strings; ``duration`` etc. as written)."""
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))
