"""Validation quality of VAE models on the same held-out voices.

For each model (default: the shipped default model, and the reference WSJ0 weights when
../shared is present) on the validation split of a corpus (default: the embedded corpus's
val/ folder), per frame:

- ``is`` and ``kl``: the training objective's terms, IS with one reparameterised sample
  (fixed seed), as ``sfvae train`` reports them;
- ``is_mean``: IS between the input power spectrum and the decoded posterior mean
  (encode-decode resynthesis, no sampling);
- ``lsd_db``: log-spectral distance of that resynthesis, sqrt(mean_f (10 log10 x/v)^2) in dB,
  averaged over frames; ``lsd_db_speech`` and ``is_mean_speech`` on frames within 50 dB of
  the loudest frame of their file (digital silence, with power at the 1e-10 floor, is
  excluded there).

    python benchmarks/model_quality.py [--corpus /work/data/corpus] [--model M.pt ...]
        [--noise-floor-db -60]   # also on validation audio with the training noise floor
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sfvae.model import default_model_path, load_model  # noqa: E402
from sfvae.model.data import build_frame_cache, corpus_hash, split_corpus  # noqa: E402
from sfvae.model.train import evaluate  # noqa: E402

REFERENCE = REPO.parent / "shared" / "reference" / "official-sfvae" / "vae_wsj0_state_dict.pt"


def speech_mask(frames: np.ndarray, offsets: list[int], margin_db: float = 50.0) -> np.ndarray:
    """Frames within ``margin_db`` of the loudest frame of their own file."""
    energy = frames.sum(axis=1)
    mask = np.zeros(len(frames), bool)
    bounds = list(offsets) + [len(frames)]
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        e = energy[lo:hi]
        mask[lo:hi] = e > e.max() * 10 ** (-margin_db / 10)
    return mask


@torch.no_grad()
def resynthesis(model, frames: np.ndarray, batch: int = 8192) -> tuple[np.ndarray, np.ndarray]:
    """Per-frame IS and LSD (dB) of decode(posterior mean) against the input."""
    is_f, lsd_f = [], []
    for s in range(0, len(frames), batch):
        x = torch.from_numpy(np.array(frames[s:s + batch])).double()
        mu, _ = model.encode(x.float())
        log_v = model.decode_log(mu).double()
        log_ratio = torch.log(x) - log_v
        is_f.append((torch.exp(log_ratio) - log_ratio - 1).sum(1).numpy())
        lsd_f.append(torch.sqrt(((10 / np.log(10)) * log_ratio).pow(2).mean(1)).numpy())
    return np.concatenate(is_f), np.concatenate(lsd_f)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", default="/work/data/corpus")
    ap.add_argument("--model", action="append", help="model file(s) (default: shipped + reference)")
    ap.add_argument("--cache", help="frame cache folder (default: a temporary folder)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--noise-floor-db", type=float, action="append",
                    help="also evaluate with white noise at this level re peak added to the "
                         "validation audio (as `sfvae train --noise-floor-db`); repeatable")
    ap.add_argument("--json", help="also write the results here")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)

    models = args.model or [str(default_model_path())] + ([str(REFERENCE)] if REFERENCE.exists() else [])
    split = split_corpus(args.corpus)
    out = {"corpus": str(Path(args.corpus).resolve()),
           "corpus_sha256": corpus_hash(args.corpus)["sha256"], "conditions": {}}
    for floor in [None] + (args.noise_floor_db or []):
        with tempfile.TemporaryDirectory() as tmp:
            val = build_frame_cache(split.val, args.cache or tmp, "val", workers=2,
                                    progress=False, noise_floor_db=floor)
            frames = np.array(val.array())
        mask = speech_mask(frames, val.offsets)
        name = "clean" if floor is None else f"noise floor {floor:g} dB re peak"
        cond = out["conditions"][name] = {
            "validation": f"{split.how}: {len(val.files)} files, {val.n_frames} frames, "
                          f"{mask.mean():.1%} within 50 dB of their file's loudest frame",
            "models": {}}
        for path in models:
            model = load_model(path)
            sampled = evaluate(model, frames, seed=0)
            is_mean, lsd = resynthesis(model, frames)
            cond["models"][path] = {
                "is": round(sampled["is"], 2), "kl": round(sampled["kl"], 3),
                "is_mean": round(float(is_mean.mean()), 2), "lsd_db": round(float(lsd.mean()), 3),
                "is_mean_speech": round(float(is_mean[mask].mean()), 2),
                "lsd_db_speech": round(float(lsd[mask].mean()), 3),
            }
    print(json.dumps(out, indent=1))
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
