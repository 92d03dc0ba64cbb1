"""Long inputs in bounded memory: editing and estimation in overlapping blocks.

A method's edit keeps several arrays per frame (STFT, latents, decoded spectra, phase
state), so its memory grows with the input: 2.2 GB for 10 minutes in one piece. Here an
input longer than :data:`LONG_INPUT` is cut into cores of :data:`BLOCK` samples; each core
is edited with :data:`PAD` samples of context on both sides (so that no STFT frame, pitch
window or phase-reconstruction look-ahead of the kept part sees a block edge), and
neighbouring blocks are cross-faded over :data:`FADE` samples centred on each join with
complementary raised-cosine weights. Files are read block by block (soundfile, resampled
as a stream: the same samples as resampling at once) and the output is written as it is
finished, so peak memory is that of one block whatever the length
(benchmarks/long_inputs.py, numbers in benchmarks/README.md).

What is per block rather than per file (measured against one-piece edits in
tests/test_robustness.py): the peak normalisation the model sees, the voice's median f0
choosing the speakers' regressions, the octave guard's decision and --f0-scale's contour
(the local one). Targets given as ramps or arrays are expanded over the whole file first
and sliced per block, so a ramp is continuous across joins. An f0 edit leaves blocks
without a voiced frame as they are (a one-piece edit gives them weight 0), unless no block
is voiced at all, where it re-voices every block as the one-piece edit does.
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import audio as audio_io
from .conventions import HOP_LENGTH, SAMPLE_RATE, n_frames
from .errors import ArgumentError, InputError
from .fileio import atomic_path, audio_format

# All multiples of the hop, so that every block's STFT frames are frames of the whole file.
BLOCK = 1875 * HOP_LENGTH      # 30 s cores
PAD = 64 * HOP_LENGTH          # 1.02 s of context on each side of a core
FADE = 32 * HOP_LENGTH         # 0.51 s cross-fade centred on each join (within the context)
LONG_INPUT = 2 * BLOCK         # inputs up to 60 s are edited in one piece, as before
WRITE_CHUNK = 1 << 20          # samples per write of the final file


@dataclass(frozen=True)
class Block:
    """One block: the samples [start, stop) it edits and the core [core_start, core_stop)
    it owns (the cross-fades straddle the core edges)."""

    start: int
    stop: int
    core_start: int
    core_stop: int


def plan(n: int, block: int = BLOCK, pad: int = PAD) -> list[Block]:
    """Blocks covering ``n`` samples: cores of ``block`` samples, the last one taking the
    remainder (between one and two cores long), each widened by ``pad`` on both sides."""
    bounds = [k * block for k in range(max(1, n // block))] + [n]
    return [Block(max(0, a - pad), min(n, b + pad), a, b) for a, b in zip(bounds, bounds[1:], strict=False)]


def _ramp(fade: int) -> np.ndarray:
    """Raised-cosine ramp 0 -> 1 over ``fade`` samples; ramp + ramp[::-1] == 1."""
    return (0.5 - 0.5 * np.cos(np.pi * (np.arange(fade) + 0.5) / fade)).astype(np.float32)


def weights(blk: Block, n: int, fade: int = FADE) -> np.ndarray:
    """Cross-fade weights over [blk.start, blk.stop): 1 inside the core, raised-cosine ramps
    of ``fade`` samples centred on each inner join, 0 beyond; neighbours' weights sum to 1."""
    w = np.zeros(blk.stop - blk.start, np.float32)
    lo = blk.core_start - fade // 2 if blk.core_start > 0 else 0
    hi = blk.core_stop - fade // 2 if blk.core_stop < n else n
    w[lo - blk.start:hi - blk.start] = 1.0
    if blk.core_start > 0:
        w[lo - blk.start:lo - blk.start + fade] = _ramp(fade)
    if blk.core_stop < n:
        w[hi - blk.start:hi - blk.start + fade] = _ramp(fade)[::-1]
    return w


# -- requests per block ---------------------------------------------------------------------

def block_request(request, blk: Block, n: int, per_frame: dict):
    """The request for one block: targets given as ramps or arrays, expanded over the whole
    file beforehand (``per_frame``), sliced to the block's frames."""
    if not per_frame:
        return request
    first = blk.start // HOP_LENGTH
    count = n_frames(blk.stop - blk.start)
    return dataclasses.replace(request, **{name: values[first:first + count]
                                           for name, values in per_frame.items()})


def expand_targets(request, n: int) -> dict[str, np.ndarray]:
    """Ramp and array targets of ``request`` as one value per frame of an ``n``-sample input
    (constants stay constants)."""
    from .editing import target_per_frame

    out = {}
    for name, target in request.targets().items():
        if np.size(target) > 1:
            out[name] = target_per_frame(target, n_frames(n))
    return out


def _touches_f0(request, options) -> bool:
    return ((request.f0 is not None or request.f0_scale is not None)
            and getattr(options, "voicing", "voiced") != "all")


def _survey(segments: Segments, voicing: bool, formants: bool
            ) -> tuple[list, dict | None, float | None]:
    """One pass over the blocks before editing: whether each block has a voiced frame
    (Praat; for f0 edits), the input's own formants (the median over blocks of each block's
    Praat medians; for formant edits that leave a neighbour alone) and the whole input's
    median f0 (the voice that chooses the speaker regressions, as in a one-piece edit)."""
    from .conventions import frame_times
    from .editing import own_formants
    from .factors import FORMANTS
    from .measure import pitch_track, values_at

    voiced, medians, f0s = [], [], []
    for blk, seg in segments():
        if voicing:
            track = pitch_track(seg)
            voiced.append(bool(np.isfinite(track.values).any()))
            # f0 on the STFT frames, as the editor's analysis has it, each frame counted once:
            # those in the block's core (its context is a neighbour's core).
            times = frame_times(n_frames(seg.size))
            f0 = values_at(track, times)
            t = times * SAMPLE_RATE + blk.start
            f0s.append(f0[(t >= blk.core_start) & (t < blk.core_stop) & np.isfinite(f0)])
        if formants:
            medians.append(own_formants(seg))
    f0s = np.concatenate(f0s) if f0s else np.zeros(0)
    voice_f0 = float(np.median(f0s)) if f0s.size else None
    if not formants:
        return voiced, None, voice_f0
    own = {}
    for f in FORMANTS:
        values = np.array([m[f] for m in medians])
        own[f] = float(np.median(values[np.isfinite(values)])) if np.isfinite(values).any() \
            else float("nan")
    return voiced, own, voice_f0


def _where(source, blk: Block) -> str:
    return (f"{source}: " if source else "") + \
        f"block {blk.start / SAMPLE_RATE:.1f}-{blk.stop / SAMPLE_RATE:.1f} s"


# -- the block loop -----------------------------------------------------------------------

Segments = Callable[[], Iterator[tuple[Block, np.ndarray]]]


def edited_pieces(segments: Segments, n: int, request, method: str, options,
                  source=None, fade: int = FADE) -> Iterator[np.ndarray]:
    """The edited input, in order, as float32 pieces that add up to ``n`` samples.

    ``segments()`` yields each block of :func:`plan` with its samples (a fresh pass each
    call); ``fade``: the cross-fade, at most the plan's ``pad``. Raises before the
    first piece on a bad request (formant order, --f0-scale on an input with no voiced
    frame)."""
    from .editing import check_formant_order, method_module
    from .factors import FORMANTS

    edit_fn = method_module(method).edit_audio   # ``options``: that method's, built once
    per_frame = expand_targets(request, n)
    edited = [f for f in FORMANTS if getattr(request, f) is not None]
    f0_edit = _touches_f0(request, options)
    # The voice f0 of the whole input, for methods that choose regressions by it.
    wants_voice = getattr(options, "voice_f0", 0) is None and getattr(options, "speaker_adaptive", False)
    voiced, own, voice_f0 = _survey(segments, f0_edit or wants_voice, 0 < len(edited) < len(FORMANTS)) \
        if f0_edit or wants_voice or 0 < len(edited) < len(FORMANTS) else ([], None, None)
    if wants_voice and voice_f0 is not None:
        options = dataclasses.replace(options, voice_f0=voice_f0)
    check_formant_order(request, own=own)
    revoice = f0_edit and not any(voiced)  # nothing voiced anywhere: every block re-voiced
    if revoice and request.f0_scale is not None:
        raise ArgumentError(f"{source or 'input'}: --f0-scale: no voiced frame found in the "
                            f"input to scale")
    pending = np.zeros(0, np.float32)
    for k, (blk, seg) in enumerate(segments()):
        keep = float(np.max(np.abs(seg))) < audio_io.QUANTUM  # a silent block stays silent
        if f0_edit and not revoice and not voiced[k]:
            keep = True  # the one-piece edit gives unvoiced stretches weight 0
        if keep:
            y = seg
        else:
            try:
                y = edit_fn(seg, block_request(request, blk, n, per_frame), options)
            except InputError as exc:
                raise InputError(_where(source, blk), exc.problem) from None
        y = np.asarray(y, np.float32) * weights(blk, n, fade)
        lo = (blk.core_start - fade // 2 if blk.core_start > 0 else 0) - blk.start
        hi = (blk.core_stop - fade // 2 if blk.core_stop < n else n) - blk.start
        done = y[lo:hi].copy()
        done[:pending.size] += pending
        pending = y[hi:hi + fade].copy()
        yield done


def array_segments(audio: np.ndarray, blocks: list[Block]) -> Segments:
    """Segments of an in-memory waveform."""
    def segments() -> Iterator[tuple[Block, np.ndarray]]:
        for blk in blocks:
            yield blk, audio[blk.start:blk.stop]
    return segments


def file_segments(path: str | os.PathLike, blocks: list[Block], peak: float) -> Segments:
    """Segments of a file, read and resampled as a stream (one block in memory), scaled to
    full scale as :func:`sfvae.audio.load` scales (``peak``: the file's, from :func:`scan`)."""
    def segments() -> Iterator[tuple[Block, np.ndarray]]:
        buffer, at = np.zeros(0), 0          # buffer holds samples [at, at + buffer.size)
        with audio_io.open_audio(path, warn=False) as fh:
            reader = audio_io.read_blocks(fh)
            for blk in blocks:
                while at + buffer.size < blk.stop:
                    chunk = next(reader, None)
                    if chunk is None:
                        break
                    buffer = np.concatenate([buffer[max(0, blk.start - at):], chunk])
                    at = max(at, blk.start)
                seg = buffer[blk.start - at:blk.stop - at]
                if seg.size != blk.stop - blk.start:  # the file changed under us
                    raise InputError(path, "changed while it was being read")
                yield blk, audio_io.full_scale(seg, peak)
    return segments


def edit_array(audio: np.ndarray, request, method: str = "sfvae", block: int = BLOCK,
               pad: int = PAD, fade: int = FADE, options=None, **fields) -> np.ndarray:
    """Edit an in-memory waveform in blocks (the output array is the only full-length one).
    ``block``, ``pad`` and ``fade``: the layout, in samples, multiples of the hop;
    ``options``/``fields``: the method's options (:func:`sfvae.editing.edit`)."""
    from .editing import build_options, method_module

    if block % HOP_LENGTH or pad % HOP_LENGTH or not 0 < fade <= pad < block:
        raise ArgumentError(f"block layout {block}/{pad}/{fade}: multiples of {HOP_LENGTH} "
                            "samples with 0 < fade <= pad < block")
    audio = audio_io.check_audio(audio)
    options = build_options(method_module(method).Options, method, options, fields)
    out = np.empty(audio.size, np.float32)
    at = 0
    for piece in edited_pieces(array_segments(audio, plan(audio.size, block, pad)), audio.size,
                               request, method, options, fade=fade):
        out[at:at + piece.size] = piece
        at += piece.size
    return out


def scan_file(path: str | os.PathLike) -> tuple[int, float]:
    """(samples at 16 kHz, peak) of a file read as a stream; InputError naming it when it is
    silent, too short, or holds NaN/inf."""
    n, peak = audio_io.scan(path)
    audio_io.check_peak(peak, path)
    return n, peak


def long_file(path: str | os.PathLike) -> bool:
    """Whether a file's duration (from its header) calls for block processing."""
    with audio_io.open_audio(path, warn=False) as fh:
        return fh.frames * SAMPLE_RATE / max(fh.samplerate, 1) > LONG_INPUT


def edit_file(in_path: str | os.PathLike, out_path: str | os.PathLike, request,
              method: str = "sfvae", options=None, **fields) -> Path:
    """Read, edit and write a file; long files block by block: the edited samples go to a
    float32 scratch file beside the output, then to the output's format (scaled to a peak of
    0.99 when the edit went above full scale, as :func:`sfvae.audio.save` does), atomically.
    """
    from .editing import build_options, edit, method_module

    if request.is_empty():
        raise ArgumentError("nothing to edit: give --f0, --f0-scale, --f1, --f2, --f3 or --whisper")
    out_path = Path(out_path)
    if not long_file(in_path):
        return audio_io.save(out_path, edit(audio_io.load(in_path), request, method, options,
                                            **fields))
    options = build_options(method_module(method).Options, method, options, fields)
    fmt, subtype = audio_format(out_path)
    n, peak = scan_file(in_path)
    blocks = plan(n)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    fd, scratch = tempfile.mkstemp(prefix=f".{out_path.name}.", suffix=".f32", dir=out_path.parent)
    try:
        top = 0.0
        with os.fdopen(fd, "wb") as fh:
            for piece in edited_pieces(file_segments(in_path, blocks, peak), n, request, method,
                                       options, in_path):
                if not np.all(np.isfinite(piece)):
                    raise InputError(out_path, "refusing to write audio with NaN or infinite "
                                               "samples")
                top = max(top, float(np.max(np.abs(piece))) if piece.size else 0.0)
                fh.write(piece.tobytes())
        scale = np.float32(0.99 / top) if top > 1.0 else np.float32(1.0)
        import soundfile as sf

        with atomic_path(out_path) as tmp, open(scratch, "rb") as raw, \
                sf.SoundFile(str(tmp), "w", SAMPLE_RATE, 1, subtype, format=fmt) as dst:
            while True:
                chunk = np.fromfile(raw, np.float32, WRITE_CHUNK)
                if chunk.size == 0:
                    break
                dst.write(chunk * scale)
    finally:
        os.unlink(scratch)
    return out_path


def estimate_file(path: str | os.PathLike, **kwargs) -> dict[str, np.ndarray]:
    """:func:`sfvae.control.estimate.estimate` of a file; long files block by block, each
    frame taken from the block whose core holds it (no cross-fade: values per frame)."""
    from .control.estimate import estimate
    from .conventions import frame_times

    if not long_file(path):
        return estimate(audio_io.load(path), **kwargs)
    from .control.editor import load_model_and_control

    # The model pair loaded once (as paths or None it would be read again for every block).
    model, control = load_model_and_control(kwargs.pop("model", None), kwargs.pop("control", None))
    kwargs.update(model=model, control=control)
    n, peak = scan_file(path)
    blocks = plan(n)
    parts: dict[str, list] = {}
    for blk, seg in file_segments(path, blocks, peak)():
        try:
            table = estimate(seg, **kwargs)
        except InputError as exc:
            raise InputError(_where(path, blk), exc.problem) from None
        first = (blk.core_start - blk.start) // HOP_LENGTH
        last = (blk.core_stop - blk.start) // HOP_LENGTH + (1 if blk.core_stop == n else 0)
        for name, values in table.items():
            if name != "time":
                parts.setdefault(name, []).append(values[first:last])
    out = {"time": frame_times(n_frames(n))}
    out.update({name: np.concatenate(v) for name, v in parts.items()})
    return out
