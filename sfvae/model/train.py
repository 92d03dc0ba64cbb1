"""Training loop: IS + beta KL, Adam, early stopping, checkpoints, resume, DDP.

The loss of a batch is summed over bins and frames (the released loss); every figure in
the history and the model metadata is divided by the number of frames (per frame).

Checkpoints (``<output stem>.ckpt.pt`` beside the output) are written after every epoch
and hold the weights, optimizer state, the epoch count, the history, the best weights so
far and the RNG states; ``resume=True`` continues from the last completed epoch. Each
epoch's shuffle is a function of (seed, epoch), so a resumed run sees the same batches as
an uninterrupted one.

Distributed: launched by ``torchrun``, each process reads RANK/WORLD_SIZE from the
environment, joins a process group (nccl on GPU, gloo on CPU), trains on a disjoint shard
of the blocks of frames with DistributedDataParallel; only rank 0 writes files.
"""

from __future__ import annotations

import json
import os
import platform
import random
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch

from ..errors import ArgumentError, InputError
from ..fileio import atomic_path, write_text
from .data import (
    FrameSet,
    ShuffledFrames,
    build_frame_cache,
    corpus_hash,
    prefetch,
    sequential_batches,
    split_corpus,
)
from .io import save_model
from .vae import VAE, VAEConfig, itakura_saito, kl_divergence

CHECKPOINT_FORMAT = "sfvae-checkpoint"
ABORT_ENV = "SFVAE_ABORT_AFTER_BATCHES"  # testing hook: simulate a crash mid-epoch


class TrainingAborted(RuntimeError):
    """Raised by the ``SFVAE_ABORT_AFTER_BATCHES`` hook to simulate an interruption."""


@dataclass
class TrainConfig:
    corpus: str
    output: str
    val_dir: str | None = None
    val_list: str | None = None
    val_fraction: float = 0.1
    epochs: int = 100
    batch_size: int = 512
    lr: float = 1e-3
    weight_decay: float = 1e-5
    latent_dim: int = 16
    hidden: tuple[int, int] = (256, 64)
    beta: float = 1.0
    kl_warmup_epochs: int = 0  # beta rises linearly over these first epochs (0: off)
    noise_floor_db: float | None = None  # white noise re peak added to training audio
    patience: int = 10
    seed: int = 0
    resume: bool = False
    init: str | None = None  # model file whose weights start the run (fine-tuning)
    workers: int = 0
    max_hours: float | None = None
    cache: str | None = None
    threads: int | None = None
    progress: bool = True
    command: list[str] = field(default_factory=lambda: list(sys.argv))

    def model_config(self) -> VAEConfig:
        return VAEConfig(hidden1=int(self.hidden[0]), hidden2=int(self.hidden[1]),
                         latent_dim=int(self.latent_dim), beta=float(self.beta))

    def check(self) -> None:
        if self.epochs < 1:
            raise ArgumentError(f"--epochs must be at least 1, got {self.epochs}")
        if self.batch_size < 1:
            raise ArgumentError(f"--batch-size must be positive, got {self.batch_size}")
        if not self.lr > 0:
            raise ArgumentError(f"--lr must be positive, got {self.lr}")
        if self.weight_decay < 0:
            raise ArgumentError(f"--weight-decay must be >= 0, got {self.weight_decay}")
        if self.latent_dim < 1 or len(self.hidden) != 2 or min(self.hidden) < 1:
            raise ArgumentError("--latent-dim and both --hidden sizes must be positive")
        if self.beta < 0:
            raise ArgumentError(f"--beta must be >= 0, got {self.beta}")
        if self.kl_warmup_epochs < 0:
            raise ArgumentError(f"--kl-warmup must be >= 0, got {self.kl_warmup_epochs}")
        if self.noise_floor_db is not None and not self.noise_floor_db < 0:
            raise ArgumentError(f"--noise-floor-db must be negative (dB re peak), "
                                f"got {self.noise_floor_db}")
        if self.patience < 1:
            raise ArgumentError(f"--patience must be at least 1, got {self.patience}")
        if self.init is not None and self.resume:
            raise ArgumentError("--init and --resume cannot be combined (a resumed run already "
                                "has its weights)")
        if self.max_hours is not None and not self.max_hours > 0:
            raise ArgumentError(f"--max-hours must be positive, got {self.max_hours}")


@dataclass
class TrainResult:
    model: VAE  # best weights (lowest validation loss)
    history: list[dict]
    best_epoch: int
    stopped: str  # "epochs", "early stopping", "max hours"
    output: Path


def checkpoint_path(output: str | os.PathLike) -> Path:
    output = Path(output)
    return output.with_name(output.stem + ".ckpt.pt")


def history_path(output: str | os.PathLike) -> Path:
    output = Path(output)
    return output.with_name(output.stem + ".history.json")


def plot_path(output: str | os.PathLike) -> Path:
    output = Path(output)
    return output.with_name(output.stem + ".curves.png")


# ----------------------------------------------------------------------------- distributed

@dataclass
class Dist:
    rank: int = 0
    world_size: int = 1
    local_rank: int = 0
    device: torch.device = field(default_factory=lambda: torch.device("cpu"))
    initialised_here: bool = False

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def active(self) -> bool:
        return self.world_size > 1


def setup_distributed() -> Dist:
    """Join the process group that torchrun describes in the environment (if any)."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        dev = torch.device("cuda") if torch.cuda.is_available() else torch.device("cpu")
        return Dist(device=dev)
    import torch.distributed as dist

    rank, local = int(os.environ["RANK"]), int(os.environ.get("LOCAL_RANK", "0"))
    if torch.cuda.is_available():
        torch.cuda.set_device(local)
        device, backend = torch.device("cuda", local), "nccl"
    else:
        device, backend = torch.device("cpu"), "gloo"
    here = False
    if not dist.is_initialized():
        from datetime import timedelta

        # Long timeout: rank 0 may spend a while extracting frames while the others wait.
        dist.init_process_group(backend, timeout=timedelta(hours=2))
        here = True
    return Dist(rank, world, local, device, here)


def _all_reduce_sum(values: list[float], d: Dist) -> list[float]:
    if not d.active:
        return values
    import torch.distributed as dist

    t = torch.tensor(values, dtype=torch.float64, device=d.device)
    dist.all_reduce(t)
    return t.cpu().tolist()


def _barrier(d: Dist) -> None:
    if d.active:
        import torch.distributed as dist

        dist.barrier()


def _broadcast_flag(flag: bool, d: Dist) -> bool:
    """Rank 0's decision, for everyone (stop/continue must agree across ranks)."""
    if not d.active:
        return flag
    import torch.distributed as dist

    t = torch.tensor([1 if flag else 0], device=d.device)
    dist.broadcast(t, 0)
    return bool(t.item())


# ----------------------------------------------------------------------------- loss

def batch_loss(model: torch.nn.Module, x: torch.Tensor, beta: float
               ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(loss, IS sum, KL sum) of one batch (the released loss, :mod:`sfvae.model.vae`)."""
    log_v, mu, logvar = model(x)
    is_sum = itakura_saito(x, log_v)
    kl_sum = kl_divergence(mu, logvar)
    return is_sum + beta * kl_sum, is_sum, kl_sum


def train_epoch(model: torch.nn.Module, optimizer: torch.optim.Optimizer, batches,
                beta: float, device: torch.device | str = "cpu", on_batch=None) -> list[float]:
    """One pass of Adam steps over ``batches`` (numpy [B, F] arrays); returns the summed
    [IS, KL, frames]. ``on_batch(i, running_sums)`` is called after each step."""
    model.train()
    device = torch.device(device)
    sums = torch.zeros(3, dtype=torch.float64, device=device)  # IS, KL, frames
    for i, batch in enumerate(batches):
        x = torch.from_numpy(batch).to(device, non_blocking=True)
        loss, is_sum, kl_sum = batch_loss(model, x, beta)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        with torch.no_grad():
            sums[0] += is_sum.detach()
            sums[1] += kl_sum.detach()
            sums[2] += x.shape[0]
        if on_batch is not None:
            on_batch(i, sums)
    return sums.tolist()


@torch.no_grad()
def evaluate(model: VAE, frames: np.ndarray, batch_size: int = 4096, *, seed: int = 0,
             d: Dist | None = None, sample: bool = True) -> dict:
    """Per-frame IS and KL on ``frames`` (one reparameterised sample drawn from a fixed
    generator, so that epochs compare on the same noise; ``sample=False`` decodes the
    posterior mean). Summed across ranks when distributed."""
    d = d or Dist()
    was_training = model.training
    model.eval()
    gen = torch.Generator(device=d.device).manual_seed(seed + 1_000_003 * d.rank)
    is_sum = kl_sum = 0.0
    n = 0
    for batch in sequential_batches(frames, batch_size, d.rank, d.world_size):
        x = torch.from_numpy(batch).to(d.device)
        mu, logvar = model.encode(x)
        z = mu
        if sample:
            eps = torch.randn(mu.shape, generator=gen, device=d.device, dtype=mu.dtype)
            z = mu + eps * torch.exp(0.5 * logvar)
        log_v = model.decode_log(z)
        is_sum += float(itakura_saito(x, log_v))
        kl_sum += float(kl_divergence(mu, logvar))
        n += x.shape[0]
    is_sum, kl_sum, n = _all_reduce_sum([is_sum, kl_sum, float(n)], d)
    model.train(was_training)
    if n == 0:
        return {"is": float("nan"), "kl": float("nan"), "frames": 0}
    return {"is": is_sum / n, "kl": kl_sum / n, "frames": int(n)}


# ----------------------------------------------------------------------------- training

def _rng_state() -> dict:
    version, internal, gauss = random.getstate()
    return {"torch": torch.get_rng_state(), "python": list(internal), "python_gauss": gauss}


def _set_rng_state(s: dict) -> None:
    torch.set_rng_state(s["torch"])
    random.setstate((3, tuple(s["python"]), s["python_gauss"]))


def _prepare_frames(cfg: TrainConfig, d: Dist) -> tuple[FrameSet, FrameSet, dict, str]:
    split = split_corpus(cfg.corpus, val_dir=cfg.val_dir, val_list=cfg.val_list,
                         val_fraction=cfg.val_fraction, seed=cfg.seed)
    cache = Path(cfg.cache) if cfg.cache else Path(cfg.output).parent / "frames-cache"
    # Rank 0 extracts; the others wait, then find the finished cache.
    sets = None
    for turn in (0, 1):
        if (turn == 0) == d.is_main:
            progress = cfg.progress and d.is_main
            sets = (build_frame_cache(split.train, cache, "train", workers=cfg.workers,
                                      progress=progress, noise_floor_db=cfg.noise_floor_db),
                    build_frame_cache(split.val, cache, "val", workers=cfg.workers,
                                      progress=progress, noise_floor_db=cfg.noise_floor_db))
        _barrier(d)
    train_set, val_set = sets
    if train_set.n_frames == 0:
        raise InputError(cfg.corpus, "no usable training audio (every file was skipped)")
    if val_set.n_frames == 0:
        raise InputError(cfg.corpus, f"no usable validation audio ({split.how})")
    return train_set, val_set, corpus_hash(cfg.corpus), split.how


def train(cfg: TrainConfig) -> TrainResult:
    """Train a VAE on ``cfg.corpus``; write model, checkpoint, history and plot (rank 0)."""
    cfg.check()
    d = setup_distributed()
    try:
        return _train(cfg, d)
    finally:
        if d.initialised_here:
            import torch.distributed as dist

            dist.destroy_process_group()


def _train(cfg: TrainConfig, d: Dist) -> TrainResult:
    from tqdm import tqdm

    t_start = time.monotonic()
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    output = Path(cfg.output)
    ckpt_file = checkpoint_path(output)
    train_set, val_set, chash, split_how = _prepare_frames(cfg, d)
    train_frames, val_frames = train_set.array(), val_set.array()

    torch.manual_seed(cfg.seed)
    random.seed(cfg.seed)
    mcfg = cfg.model_config()
    model = VAE(mcfg).to(d.device)
    fused = d.device.type in ("cpu", "cuda")
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay,
                                 fused=fused)
    history: list[dict] = []
    best = {"loss": float("inf"), "epoch": 0, "state": None, "is": None, "kl": None}
    since_best = 0
    start_epoch = 0
    train_seconds = 0.0

    if cfg.init is not None:
        from .io import load_model

        start_from = load_model(cfg.init)
        if start_from.config != mcfg:
            raise ArgumentError(f"--init {cfg.init}: its architecture {start_from.config.to_dict()} "
                                "differs from this run's --hidden/--latent-dim/--beta")
        model.load_state_dict(start_from.state_dict())
    # Where the weights started (fine-tuning): kept in every checkpoint, so that a resumed
    # run's model file still says it.
    init_record = init_provenance(cfg.init) if cfg.init is not None else None
    if cfg.resume:
        if not ckpt_file.exists():
            raise InputError(ckpt_file, "no checkpoint to resume from")
        ck = torch.load(ckpt_file, map_location="cpu", weights_only=True)
        if not isinstance(ck, dict) or ck.get("format") != CHECKPOINT_FORMAT:
            raise InputError(ckpt_file, "not an sfvae training checkpoint")
        if VAEConfig.from_dict(ck["model_config"]) != mcfg:
            raise ArgumentError(f"the checkpoint was trained with {ck['model_config']}; "
                                "resume with the same --hidden/--latent-dim/--beta")
        model.load_state_dict(ck["model"])
        optimizer.load_state_dict(ck["optimizer"])
        history, start_epoch, since_best = ck["history"], ck["epoch"], ck["since_best"]
        best = dict(ck["best"])
        train_seconds = ck.get("train_seconds", 0.0)
        init_record = ck.get("init")
        _set_rng_state(ck["rng"])

    ddp_model = model
    if d.active:
        from torch.nn.parallel import DistributedDataParallel as DDP

        ddp_model = DDP(model, device_ids=[d.local_rank] if d.device.type == "cuda" else None)

    loader = ShuffledFrames(train_frames, cfg.batch_size, seed=cfg.seed, rank=d.rank,
                            world_size=d.world_size)
    if loader.batches_per_epoch(0) == 0:
        raise InputError(cfg.corpus, f"too little training audio ({train_set.n_frames} frames) "
                                     f"for {d.world_size} process(es) x batch {cfg.batch_size}")
    abort_after = int(os.environ.get(ABORT_ENV, "0") or 0)
    batches_done = 0
    stopped = "epochs"
    if start_epoch and since_best >= cfg.patience:
        stopped = "early stopping"
    epoch_times = [h["seconds"] for h in history]

    for epoch in range(start_epoch, cfg.epochs):
        if stopped != "epochs":
            break
        if cfg.max_hours is not None and epoch > start_epoch:
            # Stop after the last epoch that fits in the wall-clock budget of this run.
            mean_epoch = float(np.mean(epoch_times[-3:]))
            elapsed = time.monotonic() - t_start
            if _broadcast_flag(elapsed + mean_epoch > cfg.max_hours * 3600, d):
                stopped = "max hours"
                break
        t0 = time.monotonic()
        model.train()
        n_batches = loader.batches_per_epoch(epoch)
        bar = tqdm(total=n_batches, desc=f"epoch {epoch + 1}/{cfg.epochs}", unit="batch",
                   disable=not (cfg.progress and d.is_main), leave=False,
                   mininterval=0.5 if sys.stderr.isatty() else 60.0)
        counter = {"batches": batches_done}

        def on_batch(i: int, sums: torch.Tensor) -> None:
            counter["batches"] += 1
            if abort_after and counter["batches"] >= abort_after:
                raise TrainingAborted(f"{ABORT_ENV}={abort_after}: stopping after "
                                      f"{counter['batches']} batches (simulated interruption)")
            if not bar.disable and (i % 50 == 0 or i == n_batches - 1):
                s = sums.tolist()
                n = max(s[2], 1.0)
                bar.set_postfix(loss=f"{(s[0] + mcfg.beta * s[1]) / n:.1f}",
                                IS=f"{s[0] / n:.1f}", KL=f"{s[1] / n:.2f}", refresh=False)
            bar.update(1)

        # KL warm-up against posterior collapse; validation always uses the full beta.
        beta_now = mcfg.beta * min(1.0, (epoch + 1) / (cfg.kl_warmup_epochs + 1))
        sums = train_epoch(ddp_model, optimizer, prefetch(loader.epoch(epoch)), beta_now,
                           d.device, on_batch)
        batches_done = counter["batches"]
        bar.close()
        tr_is, tr_kl, tr_n = _all_reduce_sum(sums, d)
        val = evaluate(model, val_frames, seed=cfg.seed, d=d)
        seconds = time.monotonic() - t0
        train_seconds += seconds
        epoch_times.append(seconds)
        val_loss = val["is"] + mcfg.beta * val["kl"]
        improved = val_loss < best["loss"]
        if improved:
            best = {"loss": val_loss, "epoch": epoch + 1, "is": val["is"], "kl": val["kl"],
                    "state": {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}}
            since_best = 0
        else:
            since_best += 1
        record = {"epoch": epoch + 1, "train_is": tr_is / tr_n, "train_kl": tr_kl / tr_n,
                  "train_loss": (tr_is + mcfg.beta * tr_kl) / tr_n, "val_is": val["is"],
                  "val_kl": val["kl"], "val_loss": val_loss, "seconds": seconds,
                  "frames_per_s": tr_n / seconds, "best": improved}
        history.append(record)
        if d.is_main:
            print(f"epoch {epoch + 1}/{cfg.epochs}: train IS {record['train_is']:.2f} "
                  f"KL {record['train_kl']:.2f} | val IS {val['is']:.2f} KL {val['kl']:.2f} "
                  f"loss {val_loss:.2f}{' *' if improved else ''} | {seconds:.0f} s, "
                  f"{record['frames_per_s']:.0f} frames/s", file=sys.stderr, flush=True)
            _save_checkpoint(ckpt_file, model, optimizer, epoch + 1, history, best, since_best,
                             train_seconds, mcfg, cfg, init_record)
            write_text(history_path(output), json.dumps(history, indent=1))
            if improved:
                _save_final(cfg, best, history, chash, split_how, train_set, val_set,
                            train_seconds, d, init_record, complete=False, stopped="running")
        _barrier(d)
        if since_best >= cfg.patience:
            stopped = "early stopping"

    if best["state"] is None:
        raise InputError(ckpt_file, "no completed epoch to take a model from")
    final = VAE(mcfg)
    final.load_state_dict(best["state"])
    final.eval()
    if d.is_main:
        final.metadata = _save_final(cfg, best, history, chash, split_how, train_set, val_set,
                                     train_seconds, d, init_record, complete=True,
                                     stopped=stopped)
        _plot(history, plot_path(output))
        print(f"sfvae train: stopped ({stopped}) after {len(history)} epochs; best epoch "
              f"{best['epoch']}: val IS {best['is']:.3f} KL {best['kl']:.3f} per frame -> "
              f"{output}", file=sys.stderr)
    _barrier(d)
    return TrainResult(final, history, best["epoch"], stopped, output)


def _save_checkpoint(path: Path, model, optimizer, epoch, history, best, since_best,
                     train_seconds, mcfg: VAEConfig, cfg: TrainConfig,
                     init_record: dict | None = None) -> None:
    payload = {"format": CHECKPOINT_FORMAT, "version": 1, "epoch": epoch,
               "model": model.state_dict(), "optimizer": optimizer.state_dict(),
               "history": history, "best": best, "since_best": since_best,
               "train_seconds": train_seconds, "model_config": mcfg.to_dict(),
               "rng": _rng_state(), "seed": cfg.seed}
    if init_record is not None:
        payload["init"] = init_record
    with atomic_path(path) as tmp:
        torch.save(payload, tmp)


def init_provenance(path: str | os.PathLike) -> dict:
    """What a fine-tuning run started from: the model file, its hash and how it was trained."""
    import hashlib

    from .io import read_model_file

    path = Path(path)
    meta = read_model_file(path)["metadata"] or {}
    return {"path": str(path.resolve()),
            "file_sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
            **{k: meta.get(k) for k in ("command", "seed", "epochs", "best_epoch",
                                        "val_is_per_frame", "corpus_manifest_sha256")}}


def _save_final(cfg: TrainConfig, best, history, chash, split_how, train_set, val_set,
                train_seconds, d: Dist, init_record: dict | None, *, complete: bool,
                stopped: str) -> dict:
    with torch.random.fork_rng(devices=[]):  # building a module must not move the RNG
        model = VAE(cfg.model_config())
    model.load_state_dict(best["state"])
    settings = {k: v for k, v in asdict(cfg).items() if k not in ("command", "progress")}
    settings["hidden"] = list(cfg.hidden)
    metadata = {
        "config": cfg.model_config().to_dict(),
        "command": list(cfg.command),
        "seed": cfg.seed,
        "training": settings,
        "corpus": str(Path(cfg.corpus).resolve()),
        "corpus_manifest_sha256": chash["sha256"],
        "corpus_hash_source": chash["source"],
        "split": split_how,
        "train_frames": train_set.n_frames, "val_frames": val_set.n_frames,
        "train_files": len(train_set.files), "val_files": len(val_set.files),
        "skipped_files": len(train_set.skipped) + len(val_set.skipped),
        "epochs": len(history), "best_epoch": best["epoch"],
        "val_is_per_frame": best["is"], "val_kl_per_frame": best["kl"],
        "train_seconds": round(train_seconds, 1),
        "stopped": stopped, "complete": complete,
        "world_size": d.world_size, "device": d.device.type,
        "torch_version": str(torch.__version__),
        "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
        "threads": torch.get_num_threads(),
    }
    if init_record is not None:
        metadata["init"] = init_record
    save_model(cfg.output, model, metadata)
    return metadata


def _plot(history: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ep = [h["epoch"] for h in history]
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    for ax, key, title in zip(axes, ("loss", "is", "kl"),
                              ("loss = IS + beta KL", "Itakura-Saito", "KL")):
        ax.plot(ep, [h[f"train_{key}"] for h in history], label="train", marker=".")
        ax.plot(ep, [h[f"val_{key}"] for h in history], label="validation", marker=".")
        ax.set_title(f"{title} per frame")
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
    best = min(history, key=lambda h: h["val_loss"])
    axes[0].axvline(best["epoch"], color="gray", ls=":", label=f"best (epoch {best['epoch']})")
    axes[0].legend()
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=100)
    plt.close(fig)
