"""Output files: checked before the work starts, written atomically (temporary file, rename).

:func:`check_output` is the one place where an output path is judged (writable folder, not a
folder itself, not one of the inputs, a format that can be written for its extension); every
command calls it on its outputs before it reads or computes anything, so a bad ``-o`` costs
one line and exit status 2, not a traceback after the work. :func:`atomic_path` then makes
sure a crash or a bad input never leaves a half-written output behind.
"""

from __future__ import annotations

import contextlib
import functools
import io
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from .errors import InputError

# Extension -> (libsndfile format, subtype) of the audio files sfvae writes. PCM_16 where the
# format has it; OGG and MP3 are lossy and only take their own codec as subtype.
AUDIO_FORMATS: dict[str, tuple[str, str]] = {
    ".wav": ("WAV", "PCM_16"),
    ".flac": ("FLAC", "PCM_16"),
    ".ogg": ("OGG", "VORBIS"),
    ".mp3": ("MP3", "MPEG_LAYER_III"),
}
OUTPUT_KINDS = ("file", "audio", "dir")


@functools.cache
def _can_write(fmt: str, subtype: str) -> bool:
    """Whether this libsndfile build writes ``fmt``/``subtype`` (a probe into memory:
    available_formats() lists MP3 on builds that only read it)."""
    import numpy as np
    import soundfile as sf

    if fmt not in sf.available_formats() or not sf.check_format(fmt, subtype):
        return False
    try:
        with sf.SoundFile(io.BytesIO(), "w", 16000, 1, subtype, format=fmt) as fh:
            fh.write(np.zeros(1600, np.float32))
    except (sf.LibsndfileError, RuntimeError, TypeError, ValueError):
        return False
    return True


def writable_audio_extensions() -> list[str]:
    """Extensions :func:`audio_format` accepts with this libsndfile build."""
    return [ext for ext, (fmt, sub) in AUDIO_FORMATS.items() if _can_write(fmt, sub)]


def audio_format(path: str | os.PathLike) -> tuple[str, str]:
    """(format, subtype) soundfile writes for ``path``'s extension; InputError when there is
    no extension, an unknown one, or one this libsndfile cannot write."""
    path = Path(path)
    ext = path.suffix.lower()
    known = ", ".join(writable_audio_extensions())
    if not ext:
        raise InputError(path, f"no extension to choose an audio format by; use one of {known}")
    if ext not in AUDIO_FORMATS:
        raise InputError(path, f"unknown audio extension {ext!r}; use one of {known}")
    fmt, subtype = AUDIO_FORMATS[ext]
    if not _can_write(fmt, subtype):
        raise InputError(path, f"this libsndfile build cannot write {ext} files; use one of {known}")
    return fmt, subtype


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def _existing_ancestor(path: Path) -> Path:
    """The nearest folder above ``path`` that exists (where a new folder would be made)."""
    parent = path.absolute().parent
    while not parent.exists():
        parent = parent.parent
    return parent


def _probe_folder(folder: Path, target: Path) -> None:
    """Create and delete a file in ``folder``: the only test that root, ACLs, read-only
    mounts and full quotas all answer truthfully (os.access does not for root)."""
    if not folder.is_dir():
        raise InputError(target, f"cannot be created: {folder} is not a folder")
    try:
        fd, probe = tempfile.mkstemp(prefix=".sfvae-probe.", dir=folder)
    except OSError as exc:
        raise InputError(target, f"cannot write into {folder} ({exc.strerror or exc})") from None
    os.close(fd)
    os.unlink(probe)


def check_input(path: str | os.PathLike, kind: str) -> Path:
    """``path`` as a Path; InputError naming it when it does not exist or is a folder.
    ``kind`` names what it should be in the message ("audio", "model", "control")."""
    path = Path(path)
    if not path.exists():
        raise InputError(path, f"no such {kind} file" if kind != "audio" else "no such file")
    if path.is_dir():
        article = "an" if kind[0] in "aeiou" else "a"
        raise InputError(path, f"is a directory, not {article} {kind} file")
    return path


def check_output(path: str | os.PathLike | None, kind: str = "file",
                 inputs: Iterable[str | os.PathLike | None] = (), overwrite: bool = False,
                 option: str = "-o") -> Path:
    """Check an output path before any work: InputError (one line, naming it) when it cannot
    be written. ``kind``: "file", "audio" (also needs an extension soundfile writes, see
    :func:`audio_format`) or "dir" (a folder the command fills). An output that is one of
    ``inputs`` is refused unless ``overwrite``. Nothing is created."""
    if kind not in OUTPUT_KINDS:
        raise ValueError(f"kind must be one of {OUTPUT_KINDS}, not {kind!r}")
    if path is None or str(path).strip() == "":
        raise InputError(None, f"{option}: an empty output path")
    path = Path(path)
    if kind == "dir":
        if path.exists() and not path.is_dir():
            raise InputError(path, "exists and is not a folder (this command writes a folder)")
        _probe_folder(path if path.exists() else _existing_ancestor(path), path)
        return path
    if path.is_dir() or str(path).endswith(os.sep):
        raise InputError(path, f"is a folder; give {option} a file name")
    if kind == "audio":
        audio_format(path)
    for given in inputs:
        if given is not None and _same_file(path, Path(given)) and not overwrite:
            raise InputError(path, "is the input file; choose another output or add --overwrite")
    if path.exists() and not path.is_file():
        raise InputError(path, "exists and is not a regular file")
    parent = path.absolute().parent
    _probe_folder(parent if parent.exists() else _existing_ancestor(path), path)
    return path


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path in the target's folder; rename it onto ``path`` on success.

    The temporary name keeps the target's suffix so that libraries which choose a format
    from the extension (soundfile, matplotlib) behave as they would on the target.
    """
    path = Path(path)
    if path.is_dir():
        raise InputError(path, "is a folder, not a file name")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(
            prefix=f".{path.name}.", suffix=suffix if suffix is not None else path.suffix,
            dir=path.parent,
        )
    except OSError as exc:
        raise InputError(path, f"cannot be written ({exc.strerror or exc})") from None
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        # mkstemp creates 0600; give the file the permissions a plain open() would.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp_path, 0o666 & ~umask)
        os.replace(tmp_path, path)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def write_text(path: str | os.PathLike, text: str) -> None:
    """Write a text file atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text)
