"""Voices of the embedded corpus: MBROLA diphone voices driven by espeak-ng.

MBROLA voices (espeak-ng names ``mb-xx1``) are recordings of real speakers, so they sound
more natural and differ more in formants than espeak-ng's formant-synthesis variants. The
catalogue lists every MBROLA voice that espeak-ng 1.51 supports and that reads a
language with a word list in :mod:`sfvae.corpus.text`; sexes are those of espeak-ng's
voice list (``espeak-ng --voices=mb``), checked against the median f0 each voice renders.
Only voices whose database is installed are used. When fewer than ``MIN_VOICES`` MBROLA
voices are installed, espeak-ng's own voice variants (``en+f3``) top the set up.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from ..errors import SfvaeError
from . import text as corpus_text

__all__ = [
    "Voice", "MBROLA_VOICES", "MIN_VOICES", "VOICE_SETS", "MissingToolError", "espeak_binary",
    "available_voices", "mbrola_dirs",
]

MIN_VOICES = 40


class MissingToolError(SfvaeError):
    """A system tool the corpus needs (espeak-ng, mbrola) is not installed."""


@dataclass(frozen=True)
class Voice:
    """One synthetic speaker.

    ``name`` is the espeak-ng ``-v`` argument (``mb-de4`` or ``de+m2``), ``language`` the
    espeak-ng language code of the voice, ``text_language`` the word list it reads,
    ``sex`` "F" or "M", ``engine`` "mbrola" or "espeak", ``f0_at_default`` the median f0
    (Hz, Praat) the voice renders at espeak-ng's default pitch ``-p 50``.
    """

    name: str
    language: str
    text_language: str
    sex: str
    engine: str = "mbrola"
    f0_at_default: float = 0.0

    def __post_init__(self):
        if not self.f0_at_default:
            object.__setattr__(self, "f0_at_default", _DEFAULT_F0[self.sex])

    @property
    def database(self) -> str | None:
        """The MBROLA database name (``de4``), None for espeak-ng's own voices."""
        return self.name[3:] if self.engine == "mbrola" else None


# espeak-ng gives MBROLA voices a median f0 of about 100 Hz (male) or 195 Hz (female) at
# -p 50; measured exceptions are listed in the catalogue.
_DEFAULT_F0 = {"M": 100.0, "F": 195.0}


# `espeak-ng --voices=mb`: database, espeak-ng language, word list and sex, then the
# measured median f0 at -p 50 where it differs from the sex's default.
_MBROLA_CATALOGUE = """
af1 af af M; br1 pt-br pt M; br2 pt-br pt F 170; br3 pt-br pt M; br4 pt-br pt F
ca1 fr-ca fr M; ca2 fr-ca fr M; cr1 hr hr M; cz2 cs cs M; de1 de de F; de2 de de M
de3 de de F; de4 de de M; de5 de de F; de6 de de M; de7 de de F; de8 de de M; ee1 et et M
en1 en-gb en M; fr1 fr fr M; fr2 fr fr F; fr3 fr fr M; fr4 fr fr F; fr5 fr-be fr M
fr6 fr fr M; fr7 fr fr M; gr1 el el M; gr2 el el M; hu1 hu hu F; ic1 is is M; id1 id id M
it3 it it M; it4 it it F; la1 la la M; lt1 lt lt M; lt2 lt lt M; ma1 ms ms F 221
nl2 nl nl M; nl3 nl nl F 177; pl1 pl pl F; pt1 pt pt F 210; ro1 ro ro M; sw1 sv sv M
sw2 sv sv F; tr1 tr tr M; tr2 tr tr F 205; us1 en-us en F; us2 en-us en M; us3 en-us en M
"""


def _parse_catalogue(text: str) -> tuple[Voice, ...]:
    voices = []
    for entry in text.replace("\n", ";").split(";"):
        if entry.strip():
            db, language, words, sex, *f0 = entry.split()
            voices.append(Voice(f"mb-{db}", language, words, sex, "mbrola",
                                float(f0[0]) if f0 else 0.0))
    return tuple(voices)


MBROLA_VOICES: tuple[Voice, ...] = _parse_catalogue(_MBROLA_CATALOGUE)

# Left out: espeak-ng 1.51 asks these databases for diphones they lack and MBROLA replaces
# each with silence, chopping words: share of diphones lost on their own language's text
# (Spanish es1-4, mx1-2, vz1 14-30 %: phonemes e/ o/ h j; nl1 60 %; cz1 20 %; it1-2 10 %).
EXCLUDED_MBROLA = ("es1", "es2", "es3", "es4", "mx1", "mx2", "vz1", "nl1", "cz1", "it1", "it2")

# espeak-ng's own voices for topping up: languages with word lists x voice variants.
_FALLBACK_LANGUAGES = ("en", "de", "fr", "es", "it", "pt", "nl", "sv", "pl", "cs")
_FALLBACK_VARIANTS = ("m1", "f1", "m3", "f2", "m2", "f3", "m4", "f4", "m5", "f5", "m6", "m7")
FALLBACK_VOICES: tuple[Voice, ...] = tuple(
    Voice(f"{lang}+{variant}", lang, lang, variant[0].upper(), "espeak")
    for variant in _FALLBACK_VARIANTS for lang in _FALLBACK_LANGUAGES
)


def espeak_binary() -> str:
    """Path of espeak-ng, or :class:`MissingToolError` with how to install it."""
    path = shutil.which("espeak-ng")
    if path is None:
        raise MissingToolError(
            "espeak-ng not found on PATH; the corpus needs espeak-ng and the MBROLA voices: "
            "run `bash scripts/setup-system.sh` (Debian packages espeak-ng, mbrola, mbrola-*)"
        )
    return path


def mbrola_dirs() -> list[Path]:
    """Folders where espeak-ng looks for MBROLA databases (``<dir>/<db>/<db>``)."""
    dirs = [Path("/usr/share/mbrola"), Path("/usr/local/share/mbrola")]
    extra = os.environ.get("MBROLA_DATABASE_DIR")
    return ([Path(extra)] if extra else []) + dirs


def _database_installed(db: str) -> bool:
    return any((d / db / db).is_file() or (d / db).is_file() for d in mbrola_dirs())


def _probe(espeak: str, voice: Voice) -> bool:
    """Whether ``voice`` renders audible audio for a few words of its language."""
    sample = " ".join(corpus_text.words(voice.text_language)[20:32])
    with tempfile.TemporaryDirectory(prefix="sfvae-voice-") as tmp:
        wav = Path(tmp) / "probe.wav"
        try:
            done = subprocess.run([espeak, "-v", voice.name, "-w", str(wav), sample],
                                  capture_output=True, timeout=60)
        except (OSError, subprocess.TimeoutExpired):
            return False
        if done.returncode != 0 or not wav.exists() or wav.stat().st_size < 1000:
            return False
        try:
            audio, rate = sf.read(str(wav), dtype="float32")
        except (sf.LibsndfileError, RuntimeError):
            return False
    # Audible: at least half a second and not near-silent.
    return audio.size > rate // 2 and float(np.max(np.abs(audio))) > 0.01


@functools.lru_cache(maxsize=4)
def _working_voices(espeak: str, candidates: tuple[Voice, ...]) -> tuple[Voice, ...]:
    return tuple(v for v in candidates if _probe(espeak, v))


VOICE_SETS = ("mbrola", "espeak")


def available_voices(min_voices: int = MIN_VOICES, voice_set: str = "mbrola") -> list[Voice]:
    """The voices this machine renders: installed MBROLA voices, topped up to ``min_voices``
    (``voice_set="mbrola"``), or espeak-ng's own formant-synthesis voice variants
    (``"espeak"``: 10 languages x 12 variants; their narrow formant bandwidths widen what a
    model trained on recorded MBROLA diphones hears).

    Each voice is checked once per process by rendering a few words. Raises
    :class:`MissingToolError` when espeak-ng is missing or nothing renders.
    """
    espeak = espeak_binary()
    if voice_set not in VOICE_SETS:
        from ..errors import ArgumentError

        raise ArgumentError(f"unknown voice set {voice_set!r}; choose one of {', '.join(VOICE_SETS)}")
    if voice_set == "espeak":
        voices = list(_working_voices(espeak, FALLBACK_VOICES))
        if not voices:
            raise MissingToolError(f"{espeak}: no espeak-ng voice renders audio; reinstall espeak-ng")
        return voices
    mbrola = ()
    if shutil.which("mbrola") is not None:
        mbrola = tuple(v for v in MBROLA_VOICES if _database_installed(v.database))
    voices = list(_working_voices(espeak, mbrola))
    if len(voices) < min_voices:
        needed = min_voices - len(voices)
        fallback = _working_voices(espeak, FALLBACK_VOICES[:needed + 10])
        voices += list(fallback[:needed])
    if not voices:
        raise MissingToolError(f"{espeak}: no espeak-ng voice renders audio; reinstall espeak-ng")
    return voices
