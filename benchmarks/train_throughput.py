"""Training throughput (frames/s, peak RSS) of the real loop beside this machine's limit.

The limit: the VAE's forward + backward matmul FLOPs per frame, at the float32 matmul peak
measured in the same run (square sgemms of 1024 and 1536, best of many). The loop: sfvae's own
``train_epoch`` (fused IS + beta KL, Adam) fed by ``ShuffledFrames`` from a memory-mapped
frame cache, i.e. data loading and shuffling included. Also timed, for comparison: a plain
PyTorch loop (the model's ``loss()``, default Adam) over in-memory batches.

Measurements alternate (peak, loop, plain, peak, ...) so that load from other processes on a
shared machine hits all of them alike; best and median are reported.

    python benchmarks/train_throughput.py [--threads 2] [--batches 300] [--repeats 3]
        [--cache FRAMES.f32]   # a frame cache written by `sfvae train` (default: synthetic)
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sfvae.conventions import N_BINS  # noqa: E402
from sfvae.model.data import ShuffledFrames, prefetch  # noqa: E402
from sfvae.model.train import train_epoch  # noqa: E402
from sfvae.model.vae import VAE, VAEConfig  # noqa: E402


def mlp_flops_per_frame(cfg: VAEConfig) -> int:
    """Matmul FLOPs of one frame's forward + backward (2 per multiply-add)."""
    layers = [(cfg.n_bins, cfg.hidden1), (cfg.hidden1, cfg.hidden2),
              (cfg.hidden2, cfg.latent_dim), (cfg.hidden2, cfg.latent_dim),
              (cfg.latent_dim, cfg.hidden2), (cfg.hidden2, cfg.hidden1), (cfg.hidden1, cfg.n_bins)]
    forward = sum(2 * a * b for a, b in layers)
    # Backward: weight gradients (= forward) + input gradients (= forward) except for the
    # first layer, whose input (the data) needs no gradient.
    return 3 * forward - 2 * cfg.n_bins * cfg.hidden1


def sgemm_gflops(sizes: tuple[int, ...] = (1024, 1536), seconds: float = 1.5) -> float:
    """Best float32 matmul rate over many square sgemms: short enough (20-60 ms) that some
    runs escape preemption on a shared machine, large enough to run at the BLAS peak."""
    best = 0.0
    for n in sizes:
        a, b = torch.randn(n, n), torch.randn(n, n)
        c = torch.empty(n, n)
        torch.mm(a, b, out=c)
        t_end = time.perf_counter() + seconds
        while time.perf_counter() < t_end:
            t = time.perf_counter()
            torch.mm(a, b, out=c)
            best = max(best, 2 * n**3 / (time.perf_counter() - t) / 1e9)
    return best


def synthetic_cache(path: Path, n_frames: int, seed: int = 0) -> np.ndarray:
    """Speech-like power frames (heavy-tailed, spanning decades) in a memmap file; a random
    base block is written again and again with a new level per frame (cheap for 25 h)."""
    rng = np.random.default_rng(seed)
    tilt = np.exp(-np.arange(N_BINS) / 80.0).astype(np.float32)
    base = tilt * rng.exponential(1.0, size=(65536, N_BINS)).astype(np.float32)
    with open(path, "wb") as out:
        for s in range(0, n_frames, len(base)):
            e = min(s + len(base), n_frames)
            level = 10 ** rng.uniform(-6, 0, size=(e - s, 1)).astype(np.float32)
            out.write((base[: e - s] * level + 1e-10).astype(np.float32).tobytes())
    return np.memmap(path, dtype=np.float32, mode="r", shape=(n_frames, N_BINS))


def rss_mb() -> dict:
    """Resident memory now: anonymous (the process's own) and file-backed (memmap pages,
    reclaimable page cache), from /proc/self/status."""
    fields = {}
    with open("/proc/self/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("RssAnon", "RssFile", "VmHWM"):
                fields[key] = int(value.split()[0]) / 1024
    return fields


PEAK = {"RssAnon": 0.0, "RssFile": 0.0}


def _track(i: int, sums) -> None:
    if i % 25 == 0:
        now = rss_mb()
        for k in PEAK:
            PEAK[k] = max(PEAK[k], now.get(k, 0.0))


def time_loop(frames: np.ndarray, batches: int, batch_size: int, epoch: int) -> float:
    torch.manual_seed(0)
    model = VAE()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-5, fused=True)
    loader = ShuffledFrames(frames, batch_size, seed=0)
    # Warm-up outside the clock (first-call allocations), then the timed run.
    train_epoch(model, opt, itertools.islice(loader.epoch(epoch + 1000), 5), 1.0)
    t = time.perf_counter()
    _, _, n = train_epoch(model, opt, prefetch(itertools.islice(loader.epoch(epoch), batches)), 1.0,
                          on_batch=_track)
    return n / (time.perf_counter() - t)


def time_plain(batches_in_memory: list[torch.Tensor]) -> float:
    torch.manual_seed(0)
    model = VAE()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-5)
    for x in batches_in_memory[:5]:
        is_sum, kl_sum = model.loss(x)
        opt.zero_grad()
        (is_sum + kl_sum).backward()
        opt.step()
    t = time.perf_counter()
    for x in batches_in_memory:
        is_sum, kl_sum = model.loss(x)
        opt.zero_grad()
        (is_sum + kl_sum).backward()
        opt.step()
    return sum(len(x) for x in batches_in_memory) / (time.perf_counter() - t)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batches", type=int, default=300)
    ap.add_argument("--batch-size", type=int, default=512)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--cache", help="frame cache (.f32) written by sfvae train")
    ap.add_argument("--synthetic-frames", type=int, default=400_000)
    ap.add_argument("--json", help="also write the results here")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)

    tmp = None
    if args.cache:
        n = os.path.getsize(args.cache) // (4 * N_BINS)
        frames = np.memmap(args.cache, dtype=np.float32, mode="r", shape=(n, N_BINS))
        source = f"frame cache {args.cache} ({n} frames)"
    else:
        tmp = tempfile.TemporaryDirectory()
        frames = synthetic_cache(Path(tmp.name) / "frames.f32", args.synthetic_frames)
        source = f"synthetic memmap ({args.synthetic_frames} frames)"
    n_plain = min(args.batches, frames.shape[0] // args.batch_size, 200)
    plain_batches = [torch.from_numpy(np.array(frames[i * args.batch_size:(i + 1) * args.batch_size]))
                     for i in range(n_plain)]

    flops = mlp_flops_per_frame(VAEConfig())
    peaks, loops, plains = [], [], []
    for r in range(args.repeats):
        peaks.append(sgemm_gflops())
        loops.append(time_loop(frames, args.batches, args.batch_size, r))
        plains.append(time_plain(plain_batches))
    peaks.append(sgemm_gflops())
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    peak = max(peaks)
    limit = peak * 1e9 / flops
    result = {
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, "
                   f"{open('/proc/cpuinfo').read().split('model name')[1].split(':')[1].split(chr(10))[0].strip()}"
                   if os.path.exists("/proc/cpuinfo") else platform.machine(),
        "torch": str(torch.__version__), "threads": args.threads,
        "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY", "(default)"),
        "load_average_1min": os.getloadavg()[0], "data": source,
        "batch_size": args.batch_size, "flops_per_frame": flops,
        "sgemm_peak_gflops": round(peak, 1), "sgemm_median_gflops": round(statistics.median(peaks), 1),
        "limit_frames_per_s": round(limit),
        "loop_frames_per_s_best": round(max(loops)), "loop_frames_per_s_median": round(statistics.median(loops)),
        "plain_frames_per_s_best": round(max(plains)),
        "loop_fraction_of_limit": round(max(loops) / limit, 3),
        "plain_fraction_of_limit": round(max(plains) / limit, 3),
        "peak_rss_mb": round(peak_rss),
        "peak_rss_anon_mb_in_loop": round(PEAK["RssAnon"]),
        "peak_rss_file_mb_in_loop": round(PEAK["RssFile"]),
    }
    print(json.dumps(result, indent=1))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1))
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
