"""Evaluation inputs: synthetic vowels, recorded or rendered held-out speech, or a folder.

Each input is an :class:`EvalItem` with reference values ``labels`` {f0, f1, f2, f3} (Hz):

- ``vowels``: the ten vowels of Praat's built-in Peterson & Barney (1952) table, rendered
  by :func:`sfvae.synth.synthesize` with each table speaker's own F0, F1, F2, F3 (first
  repetition), F4/F5 typical of the speaker kind (:func:`upper_formants`), and a
  per-speaker voice (source rolloff, jitter, shimmer, breathing, temperature drawn from the
  speaker's seed). Men (33 speakers) and women (28), children
  (15) on request. Labels = the synthesis values.
- ``recorded``: clips (2-4 s where the voice has them) of the recorded test voices
  (:data:`sfvae.corpus.recorded.TEST_VOICES`), held out of all training; read from the
  Debian packages in the sfvae cache ($SFVAE_CACHE_DIR, fetched when missing), trimmed as
  the corpus builder trims them. Labels = Praat medians measured on each clip.
- ``speech``: utterances of MBROLA voices held out of training: from the validation split
  of a corpus folder built by ``sfvae corpus`` (``corpus_dir``, else $SFVAE_CORPUS_DIR)
  when one is given, otherwise rendered with espeak-ng for the validation voices
  sfvae.corpus chooses for the seed (cached). Labels = Praat medians measured on the
  original.
- a folder: every .wav/.flac/.ogg below it; labels = Praat medians measured on each file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..conventions import SAMPLE_RATE
from ..errors import ArgumentError, InputError

VOWELS = ("iy", "ih", "eh", "ae", "ah", "aa", "ao", "uh", "uw", "er")
SPEAKER_TYPES = {"m": "male", "w": "female", "c": "child"}
VOWEL_DURATION_S = 0.8
AUDIO_SUFFIXES = (".wav", ".flac", ".ogg")
CORPUS_ENV = "SFVAE_CORPUS_DIR"  # a corpus built by `sfvae corpus build`, for --data speech
RECORDED_PER_VOICE = 3


@dataclass
class EvalItem:
    """One input: an id, its reference values, and either audio or a way to make it."""

    item_id: str
    labels: dict[str, float]
    meta: dict = field(default_factory=dict)
    audio: np.ndarray | None = None
    path: str | None = None
    recipe: dict | None = None  # synthesis settings, rendered on demand (cheap to pickle)

    def load(self) -> np.ndarray:
        if self.audio is not None:
            return self.audio
        if self.recipe is not None:
            return render_vowel(self.recipe)
        if self.path is not None:
            from .. import audio as audio_io

            return audio_io.load(self.path)
        raise InputError(self.item_id, "evaluation item has no audio")


# -- vowels -------------------------------------------------------------------------------

def peterson_barney() -> list[dict]:
    """Rows of Praat's Peterson & Barney table: type, sex, speaker, vowel, F0..F3 (Hz)."""
    from parselmouth import praat

    table = praat.call("Create formant table (Peterson & Barney 1952)")
    n_rows = int(praat.call(table, "Get number of rows"))
    rows = []
    for r in range(1, n_rows + 1):
        get = lambda col, r=r: praat.call(table, "Get value", r, col)  # noqa: E731
        rows.append({"type": get("Type"), "sex": get("Sex"), "speaker": int(get("Speaker")),
                     "vowel": get("Vowel"), "f0": float(get("F0")), "f1": float(get("F1")),
                     "f2": float(get("F2")), "f3": float(get("F3"))})
    return rows


def speaker_voice(speaker: int, kind: str) -> dict:
    """Source settings of one table speaker, drawn from the speaker number (reproducible)."""
    rng = np.random.default_rng([20231, speaker])
    # Around -12 dB/octave: with +6 lip radiation, the -6 dB/octave Praat's pre-emphasis
    # assumes (Praat over-estimates F1 on flatter sources, see benchmarks/README.md).
    steep = {"male": (-13.5, -10.5), "female": (-14.0, -11.0), "child": (-14.0, -11.0)}[kind]
    return {"rolloff": float(rng.uniform(*steep)), "jitter": float(rng.uniform(0.0, 0.08)),
            "shimmer": float(rng.uniform(0.0, 3.0)), "breathing": float(rng.uniform(0.0, 0.05)),
            "temperature": float(rng.uniform(0.0, 0.015))}


# Typical F4, F5 of each kind of speaker (Hz). The table gives F1-F3 only; Praat's Burg
# analysis looks for five formants below 5500 Hz and, when a voice has fewer there, puts
# the spare one into the widest gap (between F1 and F2 of front vowels), so F4 and F5
# are placed below 5500 Hz.
UPPER_FORMANTS = {"male": (3500.0, 4500.0), "female": (4100.0, 4950.0), "child": (4400.0, 5150.0)}
MIN_UPPER_SPACING = 500.0


def upper_formants(f3: float, kind: str) -> tuple[float, float]:
    """F4, F5 for a vowel with this F3: the kind's typical values, kept above F3."""
    f4, f5 = UPPER_FORMANTS[kind]
    f4 = max(f4, f3 + MIN_UPPER_SPACING)
    return f4, max(f5, f4 + MIN_UPPER_SPACING)


def render_vowel(recipe: dict) -> np.ndarray:
    from ..synth import SourceSettings, synthesize

    f4, f5 = upper_formants(recipe["f3"], recipe.get("kind", "male"))
    return synthesize(recipe["f0"], (recipe["f1"], recipe["f2"], recipe["f3"], f4, f5),
                      recipe.get("duration", VOWEL_DURATION_S), voice=SourceSettings(**recipe["voice"]),
                      seed=recipe["seed"])


def vowel_items(kinds=("male", "female"), speakers_per_kind: int | None = None,
                vowels=VOWELS, duration: float = VOWEL_DURATION_S) -> list[EvalItem]:
    """One synthetic vowel per (speaker, vowel) of the table (first repetition).

    ``speakers_per_kind``: the first N speakers of each kind (all when None).
    Items are ordered speaker-major, kinds interleaved, so a prefix is balanced.
    """
    unknown = set(kinds) - set(SPEAKER_TYPES.values())
    if unknown:
        raise ArgumentError(f"unknown speaker kind {sorted(unknown)[0]!r}; use male, female, child")
    bad = set(vowels) - set(VOWELS)
    if bad:
        raise ArgumentError(f"unknown vowel {sorted(bad)[0]!r}; choose from {', '.join(VOWELS)}")
    seen: set[tuple] = set()
    by_kind: dict[str, dict[int, list[dict]]] = {k: {} for k in kinds}
    for row in peterson_barney():
        kind = SPEAKER_TYPES.get(row["type"])
        key = (row["type"], row["speaker"], row["vowel"])
        if kind not in by_kind or row["vowel"] not in vowels or key in seen:
            continue
        seen.add(key)
        by_kind[kind].setdefault(row["speaker"], []).append(row)
    per_kind = []
    for kind in kinds:
        speakers = sorted(by_kind[kind])[: speakers_per_kind or None]
        per_kind.append([(kind, s, by_kind[kind][s]) for s in speakers])
    items = []
    for group in _interleave(per_kind):
        kind, speaker, rows = group
        voice = speaker_voice(speaker, kind)
        for row in sorted(rows, key=lambda r: vowels.index(r["vowel"])):
            labels = {k: row[k] for k in ("f0", "f1", "f2", "f3")}
            recipe = {**labels, "kind": kind, "voice": voice, "duration": duration,
                      "seed": int(speaker * 100 + VOWELS.index(row["vowel"]))}
            items.append(EvalItem(f"pb-{kind}{speaker:02d}-{row['vowel']}", labels,
                                  {"dataset": "vowels", "kind": kind, "speaker": speaker,
                                   "vowel": row["vowel"]}, recipe=recipe))
    return items


def _interleave(lists: list[list]) -> list:
    out = []
    for i in range(max((len(x) for x in lists), default=0)):
        out += [x[i] for x in lists if i < len(x)]
    return out


# -- speech -------------------------------------------------------------------------------

def _speech_cache() -> Path:
    root = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(root) / "sfvae" / "eval_speech"


def speech_items(n: int = 6, corpus_dir: str | os.PathLike | None = None,
                 seed: int = 0) -> list[EvalItem]:
    """``n`` utterances of held-out (validation) MBROLA voices, alternating voices.

    From ``corpus_dir``'s manifest (split ``val``, MBROLA voices) when given, else from
    $SFVAE_CORPUS_DIR's; otherwise rendered with espeak-ng for the voices
    :func:`sfvae.corpus.build.choose_val_voices` holds out for ``seed`` (cached).
    """
    corpus_dir = corpus_dir or os.environ.get(CORPUS_ENV) or None
    corpus = Path(corpus_dir) if corpus_dir else None
    manifest = corpus / "manifest.csv" if corpus else None
    if manifest is not None and manifest.exists():
        from ..corpus.build import read_manifest

        rows = [r for r in read_manifest(manifest)
                if r["split"] == "val" and r.get("engine", "mbrola") != "recorded"]
        if not rows:
            raise InputError(manifest, "has no validation (held-out voice) utterances")
        chosen = _round_robin(rows, lambda r: r["voice"], n)
        return [_measured_item(corpus / r["path"], f"speech-{Path(r['path']).stem}",
                               {"dataset": "speech", "voice": r["voice"], "sex": r["sex"]})
                for r in chosen]
    if corpus_dir:
        raise InputError(manifest, "no corpus manifest here (build one with `sfvae corpus`)")
    return _rendered_speech(n, seed)


def _round_robin(rows: list, key, n: int) -> list:
    groups: dict[str, list] = {}
    for r in rows:
        groups.setdefault(key(r), []).append(r)
    return _interleave([groups[k] for k in sorted(groups)])[:n]


def _rendered_speech(n: int, seed: int) -> list[EvalItem]:
    from ..corpus import build
    from ..corpus.voices import available_voices, espeak_binary

    espeak = espeak_binary()
    voices = available_voices()
    val = {v.name for v in build.choose_val_voices(voices, seed)}
    cache = _speech_cache() / f"seed{seed}"
    utterances, index = [], 0
    while len(utterances) < 50 * n and index < 20000:  # enough to alternate voices
        utt = build.plan_utterance(index, voices, seed)
        index += 1
        if utt.voice.name in val:
            utterances.append(utt)
    chosen = _round_robin(utterances, lambda u: u.voice.name, n)
    items = []
    for utt in chosen:
        path = cache / f"{utt.stem}.wav"
        if not path.exists():
            duration, _ = build._render(espeak, utt, path)
            if duration <= 0:
                continue
        items.append(_measured_item(path, f"speech-{utt.stem}",
                                    {"dataset": "speech", "voice": utt.voice.name,
                                     "sex": utt.voice.sex}))
    if not items:
        raise InputError(None, "espeak-ng rendered no usable held-out utterance")
    return items


# -- recorded -----------------------------------------------------------------------------

def recorded_items(n: int | None = None, seed: int = 0,
                   per_voice: int = RECORDED_PER_VOICE) -> list[EvalItem]:
    """Clips of the recorded test voices, ``per_voice`` each, voices alternating; the first
    ``n`` when given. Fetches the packages into the sfvae cache when missing."""
    from ..corpus.recorded import sex_from_f0, test_clips
    from ..measure import measure

    clips = test_clips(per_voice=per_voice, seed=seed)
    if not clips:
        raise InputError(None, "no recorded test clips found in the packages")
    chosen = _round_robin(clips, lambda c: c.file.voice, len(clips))[:n]
    items = []
    for clip in chosen:
        labels = measure(clip.audio)
        original = Path(clip.file.original)
        items.append(EvalItem(
            f"recorded-{clip.file.voice}-{original.parent.name}-{original.stem}",
            {k: float(v) for k, v in labels.items()},
            {"dataset": "recorded", "voice": clip.file.voice, "language": clip.file.language,
             "sex": sex_from_f0(clip.f0_median),  # estimated from the clip's median f0
             "source": clip.file.source, "original": clip.file.original,
             "bandwidth": clip.bandwidth}, audio=clip.audio))
    return items


# -- folder -------------------------------------------------------------------------------

def folder_items(directory: str | os.PathLike) -> list[EvalItem]:
    """Every audio file below ``directory`` (sorted), labels measured with Praat."""
    directory = Path(directory)
    if not directory.is_dir():
        raise InputError(directory, "not a folder (give vowels, speech or a folder of audio)")
    files = sorted(p for p in directory.rglob("*") if p.suffix.lower() in AUDIO_SUFFIXES)
    if not files:
        raise InputError(directory, f"no audio files ({', '.join(AUDIO_SUFFIXES)}) in this folder")
    return [_measured_item(p, f"file-{p.relative_to(directory).with_suffix('').as_posix()}",
                           {"dataset": str(directory)}) for p in files]


def _measured_item(path: Path, item_id: str, meta: dict) -> EvalItem:
    from .. import audio as audio_io
    from ..measure import measure

    audio = audio_io.load(path)
    labels = measure(audio)
    return EvalItem(item_id, {k: float(v) for k, v in labels.items()}, meta, audio=audio,
                    path=str(path))


def load_items(data: str, n_items: int | None = None, seed: int = 0,
               children: bool = False) -> list[EvalItem]:
    """Items for ``--data``: "vowels", "recorded", "speech" or a folder.

    ``n_items``: for vowels and folders a seeded random subset of that size (in the
    original order), so a small run still spans speakers, sexes and vowels; for speech the
    number of utterances (default 6); for recorded the first N clips, voices alternating
    (default: all, 3 per test voice).
    """
    if n_items is not None and n_items < 1:
        raise ArgumentError(f"--items must be at least 1, got {n_items}")
    if data == "speech":
        return speech_items(n_items or 6, seed=seed)
    if data == "recorded":
        return recorded_items(n_items, seed=seed)
    if data == "vowels":
        kinds = ("male", "female", "child") if children else ("male", "female")
        items = vowel_items(kinds)
    else:
        items = folder_items(data)
    if n_items is None or n_items >= len(items):
        return items
    keep = np.sort(np.random.default_rng([seed, 7]).choice(len(items), n_items, replace=False))
    return [items[i] for i in keep]


__all__ = ["EvalItem", "VOWELS", "peterson_barney", "vowel_items", "speech_items", "recorded_items",
           "folder_items", "load_items", "render_vowel", "speaker_voice", "SAMPLE_RATE"]
