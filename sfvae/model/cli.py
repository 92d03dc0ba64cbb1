"""``sfvae train``: train the VAE on any folder of audio (thin layer over model.train)."""

from __future__ import annotations

import argparse
import os
import sys

from ..errors import ArgumentError


def _hidden(text: str) -> tuple[int, int]:
    try:
        parts = tuple(int(p) for p in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected two sizes like 256,64, got {text!r}") from None
    if len(parts) != 2 or min(parts) < 1:
        raise argparse.ArgumentTypeError(f"expected two positive sizes like 256,64, got {text!r}")
    return parts


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "train", help="train the VAE on a folder of speech",
        description="Train the frame-wise VAE (IS + beta KL, Adam, early stopping) on every "
                    "audio file under --corpus (wav, flac, NIST SPHERE; recursive). A corpus "
                    "with train/ and val/ subfolders is split that way; otherwise the "
                    "validation files come from --val-dir, --val-list or a random "
                    "--val-fraction of the files. Writes MODEL.pt (best validation loss), "
                    "MODEL.ckpt.pt (checkpoint every epoch), MODEL.history.json and "
                    "MODEL.curves.png. Under torchrun, trains with DistributedDataParallel.")
    p.add_argument("--corpus", required=True, metavar="DIR", help="folder tree of audio files")
    p.add_argument("-o", "--output", required=True, metavar="MODEL.pt", help="model file to write")
    val = p.add_mutually_exclusive_group()
    val.add_argument("--val-dir", metavar="DIR", help="validation audio folder")
    val.add_argument("--val-list", metavar="FILE",
                     help="text file listing validation files (absolute or relative to --corpus)")
    val.add_argument("--val-fraction", type=float, default=0.1,
                     help="fraction of files held out at random (seeded) (default 0.1)")
    p.add_argument("--epochs", type=int, default=100, help="maximum epochs (default 100)")
    p.add_argument("--batch-size", type=int, default=512, help="frames per batch (default 512)")
    p.add_argument("--lr", type=float, default=1e-3, help="Adam learning rate (default 1e-3)")
    p.add_argument("--weight-decay", type=float, default=1e-5, help="Adam weight decay (default 1e-5)")
    p.add_argument("--latent-dim", type=int, default=16, help="K, latent dimension (default 16)")
    p.add_argument("--hidden", type=_hidden, default=(256, 64), metavar="H1,H2",
                   help="hidden layer sizes (default 256,64)")
    p.add_argument("--beta", type=float, default=1.0, help="KL weight (default 1)")
    p.add_argument("--kl-warmup", type=int, default=0, metavar="EPOCHS",
                   help="raise beta linearly over the first EPOCHS epochs (default 0: off)")
    p.add_argument("--noise-floor-db", type=float, default=None, metavar="DB",
                   help="add white noise at DB re peak to training audio, e.g. -60 for "
                        "synthetic corpora with digital silence (default: none)")
    p.add_argument("--patience", type=int, default=10,
                   help="stop after this many epochs without a better validation loss (default 10)")
    p.add_argument("--seed", type=int, default=0, help="seed of init, split and shuffle (default 0)")
    p.add_argument("--resume", action="store_true",
                   help="continue from MODEL.ckpt.pt (last completed epoch)")
    p.add_argument("--init", metavar="MODEL.pt",
                   help="start from this model's weights (fine-tuning; new optimizer state)")
    p.add_argument("--workers", type=int, default=None,
                   help="processes for feature extraction (default: CPU count, at most 4)")
    p.add_argument("--threads", type=int, default=None,
                   help="torch threads per process (default: torch's choice)")
    p.add_argument("--max-hours", type=float, default=None,
                   help="wall-clock budget of this run: no epoch is started that would end "
                        "after it (the best model so far is kept)")
    p.add_argument("--cache", metavar="DIR",
                   help="frame cache folder (default: frames-cache/ beside the output)")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.set_defaults(func=run)

    m = subparsers.add_parser("model", help="inspect model files",
                              description="Inspect sfvae model files.")
    msub = m.add_subparsers(dest="model_command", metavar="ACTION", required=True)
    info = msub.add_parser("info", help="print a model's config and training metadata (JSON)",
                           description="Print the config, format and training metadata of a "
                                       "model file (default: the model shipped with sfvae).")
    info.add_argument("model", nargs="?", default=None, metavar="MODEL.pt",
                      help="model file (default: the shipped default model)")
    info.set_defaults(func=run_info)


def run_info(args: argparse.Namespace) -> int:
    import json

    from .io import default_model_path, read_model_file

    path = args.model or default_model_path()
    payload = read_model_file(path)
    n_params = sum(int(v.numel()) for v in payload["state_dict"].values())
    print(json.dumps({"path": str(path), "config": payload["config"].to_dict(),
                      "parameters": n_params, "metadata": payload["metadata"]}, indent=1))
    return 0


def run(args: argparse.Namespace) -> int:
    from ..fileio import check_output
    from .train import TrainConfig, train

    check_output(args.output, inputs=[args.init])
    if args.cache is not None:
        check_output(args.cache, "dir", option="--cache")
    workers = args.workers if args.workers is not None else min(4, os.cpu_count() or 1)
    if workers < 0:
        raise ArgumentError(f"--workers must be >= 0, got {workers}")
    if args.threads is not None and args.threads < 1:
        raise ArgumentError(f"--threads must be positive, got {args.threads}")
    cfg = TrainConfig(
        corpus=args.corpus, output=args.output, val_dir=args.val_dir, val_list=args.val_list,
        val_fraction=args.val_fraction, epochs=args.epochs, batch_size=args.batch_size,
        lr=args.lr, weight_decay=args.weight_decay, latent_dim=args.latent_dim,
        hidden=tuple(args.hidden), beta=args.beta, kl_warmup_epochs=args.kl_warmup,
        noise_floor_db=args.noise_floor_db, patience=args.patience, seed=args.seed,
        resume=args.resume, init=args.init, workers=workers, max_hours=args.max_hours, cache=args.cache,
        threads=args.threads, progress=not args.no_progress,
        command=list(sys.argv),
    )
    train(cfg)
    return 0
