"""Frames pipeline: audio files -> a memory-mapped float32 frame cache -> shuffled batches.

Power frames are computed once per file (peak-normalised waveform, then |STFT|^2 + floor,
the released convention) and appended to a raw float32 file ``[N, 513]`` that is read
through ``np.memmap``. Every epoch the cache is cut into contiguous blocks, the blocks are
permuted, and groups of blocks are loaded and shuffled frame by frame: each batch mixes
frames from many files and utterances while reads stay sequential and memory bounded
(one group, ~0.5 GB by default, however large the corpus).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import multiprocessing
import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .. import audio
from ..conventions import HOP_LENGTH, N_BINS, N_FFT, POWER_FLOOR, SAMPLE_RATE
from ..errors import ArgumentError, InputError
from ..fileio import atomic_path, write_text

AUDIO_EXTENSIONS = (".wav", ".flac", ".sph", ".wv1", ".wv2", ".ogg")
MANIFEST_NAMES = ("manifest", "manifest.tsv", "manifest.csv", "manifest.jsonl", "manifest.json")
CACHE_FORMAT = 1  # bump when the frame computation changes


# ----------------------------------------------------------------------------- corpus files

def find_audio_files(root: str | os.PathLike) -> list[Path]:
    """All audio files under ``root`` (recursive), sorted, by extension."""
    root = Path(root)
    if not root.exists():
        raise InputError(root, "no such corpus folder")
    if root.is_file():
        return [root] if root.suffix.lower() in AUDIO_EXTENSIONS else []
    return sorted(p for p in root.rglob("*")
                  if p.is_file() and p.suffix.lower() in AUDIO_EXTENSIONS
                  and not p.name.startswith("."))


@dataclass
class CorpusSplit:
    """Training and validation file lists and how they were chosen."""

    train: list[Path]
    val: list[Path]
    how: str


def split_corpus(corpus: str | os.PathLike, *, val_dir: str | os.PathLike | None = None,
                 val_list: str | os.PathLike | None = None, val_fraction: float = 0.1,
                 seed: int = 0) -> CorpusSplit:
    """Split a corpus by file.

    Order of precedence: ``val_dir`` (all of ``corpus`` trains), ``val_list`` (a text file
    of paths, absolute or relative to ``corpus``), a ``train/`` + ``val/`` layout inside
    ``corpus`` (the embedded corpus), else a random ``val_fraction`` of the files drawn
    from ``seed``.
    """
    corpus = Path(corpus)
    if not corpus.is_dir():
        raise InputError(corpus, "no such corpus folder")
    if val_dir is not None:
        train, val = find_audio_files(corpus), find_audio_files(val_dir)
        val_set = {p.resolve() for p in val}
        train = [p for p in train if p.resolve() not in val_set]
        split = CorpusSplit(train, val, f"validation folder {val_dir}")
    elif val_list is not None:
        val_list = Path(val_list)
        if not val_list.is_file():
            raise InputError(val_list, "no such validation list")
        wanted = set()
        for line in val_list.read_text().splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                p = Path(line)
                wanted.add((p if p.is_absolute() else corpus / p).resolve())
        files = find_audio_files(corpus)
        val = [p for p in files if p.resolve() in wanted]
        if len(val) < len(wanted):
            missing = len(wanted) - len(val)
            raise InputError(val_list, f"{missing} listed file(s) are not audio files under {corpus}")
        train = [p for p in files if p.resolve() not in wanted]
        split = CorpusSplit(train, val, f"validation list {val_list}")
    elif (corpus / "train").is_dir() and (corpus / "val").is_dir():
        split = CorpusSplit(find_audio_files(corpus / "train"), find_audio_files(corpus / "val"),
                            "train/ and val/ subfolders")
    else:
        if not 0.0 < val_fraction < 1.0:
            raise ArgumentError(f"--val-fraction must be between 0 and 1, got {val_fraction}")
        files = find_audio_files(corpus)
        if len(files) < 2:
            raise InputError(corpus, f"needs at least 2 audio files to split by file, found {len(files)}")
        order = np.random.default_rng(seed).permutation(len(files))
        n_val = min(len(files) - 1, max(1, int(round(val_fraction * len(files)))))
        val_idx = set(order[:n_val].tolist())
        split = CorpusSplit([f for i, f in enumerate(files) if i not in val_idx],
                            [f for i, f in enumerate(files) if i in val_idx],
                            f"random {val_fraction:g} of the files (seed {seed})")
    if not split.train:
        raise InputError(corpus, "no training audio files (wav, flac, sph, wv1) found")
    if not split.val:
        raise InputError(corpus, f"no validation audio files ({split.how})")
    return split


def find_manifest(corpus: str | os.PathLike) -> Path | None:
    corpus = Path(corpus)
    for name in MANIFEST_NAMES:
        if (corpus / name).is_file():
            return corpus / name
    return None


def corpus_hash(corpus: str | os.PathLike) -> dict:
    """sha256 identifying the corpus: of its manifest if it has one, else of its file list.

    Returns ``{"sha256": ..., "source": "manifest <path>" | "file list"}``.
    """
    corpus = Path(corpus)
    manifest = find_manifest(corpus)
    if manifest is not None:
        try:
            from ..corpus import manifest_hash  # the embedded corpus defines the canonical hash
            digest = manifest_hash(manifest)
        except (ImportError, AttributeError):
            digest = hashlib.sha256(manifest.read_bytes()).hexdigest()
        return {"sha256": digest, "source": f"manifest {manifest}"}
    h = hashlib.sha256()
    for p in find_audio_files(corpus):
        h.update(f"{p.relative_to(corpus).as_posix()}\t{p.stat().st_size}\n".encode())
    return {"sha256": h.hexdigest(), "source": "sorted file list and sizes"}


# ----------------------------------------------------------------------------- frame cache

def file_frames(path: str | os.PathLike, noise_floor_db: float | None = None) -> np.ndarray:
    """Power frames [T, 513] float32 of one file: peak-normalised, then |STFT|^2 + floor.

    ``noise_floor_db`` adds white noise at that level relative to the peak (e.g. -60) before
    the STFT. Synthetic corpora (espeak-ng/MBROLA) hold digital silence and clean edges that
    real recordings never have; without a noise floor the VAE spends latent capacity on
    those frames. The noise is seeded by the file name, so the cache is reproducible.
    """
    x = audio.normalize_peak(audio.load(path))
    if noise_floor_db is not None:
        seed = int(hashlib.sha256(Path(path).name.encode()).hexdigest()[:8], 16)
        noise = np.random.default_rng(seed).standard_normal(x.size).astype(np.float32)
        x = x + noise * np.float32(10 ** (noise_floor_db / 20))
    return audio.power_spectrogram(x)


def _extract(job: tuple[str, float | None]) -> tuple[str, np.ndarray | None, str | None]:
    path, noise_floor_db = job
    try:
        return path, file_frames(path, noise_floor_db), None
    except InputError as exc:
        return path, None, exc.problem


def _worker_init() -> None:
    import torch

    torch.set_num_threads(1)


def _files_key(files: Sequence[Path], noise_floor_db: float | None = None) -> str:
    h = hashlib.sha256(f"cache{CACHE_FORMAT} sr{SAMPLE_RATE} n{N_FFT} h{HOP_LENGTH} "
                       f"floor{POWER_FLOOR}\n".encode())
    if noise_floor_db is not None:
        h.update(f"noise{noise_floor_db}\n".encode())
    for p in files:
        st = p.stat()
        h.update(f"{p.resolve()}\t{st.st_size}\t{st.st_mtime_ns}\n".encode())
    return h.hexdigest()[:16]


@dataclass
class FrameSet:
    """A memory-mapped ``[n_frames, 513]`` float32 array of power frames and its index."""

    path: Path
    n_frames: int
    files: list[str]
    offsets: list[int]  # first frame of each file; offsets[i+1] - offsets[i] frames
    skipped: list[str] = field(default_factory=list)

    def array(self) -> np.ndarray:
        if self.n_frames == 0:
            return np.zeros((0, N_BINS), np.float32)
        return np.memmap(self.path, dtype=np.float32, mode="r", shape=(self.n_frames, N_BINS))


def build_frame_cache(files: Sequence[str | os.PathLike], cache_dir: str | os.PathLike,
                      name: str, *, workers: int = 0, progress: bool = True,
                      noise_floor_db: float | None = None) -> FrameSet:
    """Compute the frames of ``files`` once into ``cache_dir`` (reused when files unchanged).

    Extraction runs over ``workers`` processes (0 or 1: in this process). Files that cannot
    be read or are too short are skipped and listed in ``FrameSet.skipped``.
    """
    files = [Path(f) for f in files]
    cache_dir = Path(cache_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(cache_dir)
    key = _files_key(files, noise_floor_db)
    data_path = cache_dir / f"{name}-{key}.f32"
    index_path = cache_dir / f"{name}-{key}.json"
    if data_path.exists() and index_path.exists():
        idx = json.loads(index_path.read_text())
        if data_path.stat().st_size == idx["n_frames"] * N_BINS * 4:
            return FrameSet(data_path, idx["n_frames"], idx["files"], idx["offsets"],
                            idx.get("skipped", []))

    from tqdm import tqdm

    offsets, done, skipped, total = [], [], [], 0
    bar = tqdm(total=len(files), desc=f"frames ({name})", unit="file", disable=not progress,
               mininterval=1.0 if sys.stderr.isatty() else 30.0)
    with atomic_path(data_path) as tmp, open(tmp, "wb") as out:
        fcntl.flock(out.fileno(), fcntl.LOCK_EX)  # "being written": not stale while held
        if workers > 1 and len(files) > 2 * workers:  # else a pool costs more than it saves
            ctx = multiprocessing.get_context("spawn")  # no fork after torch/OpenMP start-up
            with ctx.Pool(workers, initializer=_worker_init) as pool:
                results = pool.imap(_extract, [(str(f), noise_floor_db) for f in files],
                                    chunksize=4)
                _append_all(results, out, offsets, done, skipped, bar)
        else:
            _append_all(map(_extract, [(str(f), noise_floor_db) for f in files]), out, offsets, done, skipped, bar)
        total = out.tell() // (N_BINS * 4)
        out.flush()
        os.fsync(out.fileno())
    bar.close()
    if skipped and progress:
        print(f"sfvae train: skipped {len(skipped)} unreadable or too short file(s), e.g. "
              f"{skipped[0]}", file=sys.stderr)
    frameset = FrameSet(data_path, total, done, offsets, skipped)
    write_text(index_path, json.dumps({"n_frames": total, "files": done, "offsets": offsets,
                                       "skipped": skipped}))
    return frameset


# Temporary files of the cache (sfvae.fileio.atomic_path names: ".<target>.<random><suffix>").
STALE_INDEX_SECONDS = 3600.0


def remove_stale_temporaries(cache_dir: str | os.PathLike) -> list[Path]:
    """Delete the temporary files a killed run (kill -9, power loss) left in a frame cache;
    returns them. A frames temporary is stale when no process holds its lock (the writer
    holds an flock while it writes, so a concurrent run's file is kept); an index
    temporary (written in milliseconds, not locked) when older than STALE_INDEX_SECONDS."""
    import time

    removed = []
    for tmp in Path(cache_dir).glob(".*.f32.*.f32"):
        try:
            with open(tmp, "rb") as fh:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                tmp.unlink()
            removed.append(tmp)
        except OSError:  # locked by a live writer, or gone meanwhile
            continue
    for tmp in Path(cache_dir).glob(".*.json.*.json"):
        try:
            if time.time() - tmp.stat().st_mtime > STALE_INDEX_SECONDS:
                tmp.unlink()
                removed.append(tmp)
        except OSError:
            continue
    return removed


def _append_all(results, out, offsets, done, skipped, bar) -> None:
    n = 0
    for path, frames, problem in results:
        if frames is None:
            skipped.append(f"{path}: {problem}")
        else:
            offsets.append(n)
            done.append(path)
            out.write(np.ascontiguousarray(frames, dtype=np.float32).tobytes())
            n += frames.shape[0]
        bar.update(1)


# ----------------------------------------------------------------------------- batches

class ShuffledFrames:
    """Epoch-wise shuffled batches from a frame array, with bounded memory.

    The array is cut into contiguous blocks of ``block_frames``; each epoch permutes the
    blocks (same permutation on every rank, from ``seed`` and the epoch), deals them to the
    ranks round-robin (disjoint shards), and shuffles frames within groups of
    ``group_blocks`` blocks. All ranks yield the same number of batches (needed by DDP).
    """

    def __init__(self, frames: np.ndarray, batch_size: int, *, seed: int = 0, rank: int = 0,
                 world_size: int = 1, block_frames: int | None = None, group_blocks: int = 128,
                 drop_last: bool | None = None):
        if batch_size < 1:
            raise ArgumentError(f"batch size must be positive, got {batch_size}")
        self.frames = frames
        self.batch_size = batch_size
        self.seed = seed
        self.rank, self.world_size = rank, world_size
        self.group_blocks = group_blocks
        self.drop_last = world_size > 1 if drop_last is None else drop_last
        n = frames.shape[0]
        if block_frames is None:  # 2048 (4 MB reads); smaller for small corpora so ranks share
            block_frames = int(np.clip(n // (64 * world_size), 16, 2048))
        self.block_frames = block_frames
        self.block_starts = np.arange(0, n, block_frames)

    def _rank_blocks(self, epoch: int) -> list[np.ndarray]:
        rng = np.random.default_rng([self.seed, epoch, 0x5F7AE])
        order = rng.permutation(len(self.block_starts))
        return [order[r::self.world_size] for r in range(self.world_size)]

    def _block_len(self, b: np.ndarray) -> np.ndarray:
        n = self.frames.shape[0]
        return np.minimum(self.block_starts[b] + self.block_frames, n) - self.block_starts[b]

    def batches_per_epoch(self, epoch: int = 0) -> int:
        counts = [int(self._block_len(b).sum()) for b in self._rank_blocks(epoch)]
        if self.drop_last:
            return min(counts) // self.batch_size
        return -(-counts[self.rank] // self.batch_size)

    def epoch(self, epoch: int) -> Iterator[np.ndarray]:
        """Yield float32 batches [B, 513] (C-contiguous, fresh memory) for one epoch."""
        blocks = self._rank_blocks(epoch)[self.rank]
        n_batches = self.batches_per_epoch(epoch)
        rng = np.random.default_rng([self.seed, epoch, 1 + self.rank])
        carry = np.zeros((0, self.frames.shape[1]), np.float32)
        emitted = 0
        for g in range(0, len(blocks), self.group_blocks):
            group = np.sort(blocks[g:g + self.group_blocks])  # sorted: sequential reads
            # One copy into the pool, one gather per batch (no whole-pool shuffled copy).
            lengths = self._block_len(group)
            pool = np.empty((len(carry) + int(lengths.sum()), self.frames.shape[1]), np.float32)
            pool[:len(carry)] = carry
            at = len(carry)
            for start, length in zip(self.block_starts[group], lengths):
                pool[at:at + length] = self.frames[start:start + length]
                at += length
            order = rng.permutation(pool.shape[0])
            n_full = pool.shape[0] // self.batch_size
            for i in range(n_full):
                if emitted == n_batches:
                    return
                yield pool[order[i * self.batch_size:(i + 1) * self.batch_size]]
                emitted += 1
            carry = pool[order[n_full * self.batch_size:]]
        if emitted < n_batches and carry.shape[0] and not self.drop_last:
            yield carry


def prefetch(batches: Iterator[np.ndarray], depth: int = 3) -> Iterator[np.ndarray]:
    """Run a batch iterator in a background thread (numpy copies release the GIL), so that
    reading and shuffling overlap with training. Same items, same order."""
    import queue
    import threading

    q: queue.Queue = queue.Queue(depth)
    stop = threading.Event()
    end = object()

    def produce() -> None:
        try:
            for item in batches:
                while not stop.is_set():
                    try:
                        q.put(item, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            q.put(end)
        except BaseException as exc:  # re-raised in the consumer
            q.put(exc)

    thread = threading.Thread(target=produce, daemon=True, name="sfvae-batches")
    thread.start()
    try:
        while True:
            item = q.get()
            if item is end:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join(timeout=5)


def sequential_batches(frames: np.ndarray, batch_size: int, rank: int = 0,
                       world_size: int = 1) -> Iterator[np.ndarray]:
    """Unshuffled batches of this rank's contiguous share (for validation)."""
    n = frames.shape[0]
    lo, hi = n * rank // world_size, n * (rank + 1) // world_size
    for s in range(lo, hi, batch_size):
        yield np.array(frames[s:min(s + batch_size, hi)])  # writable copy, not a memmap view
