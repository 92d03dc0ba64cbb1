"""``sfvae evaluate``: the paper's quantitative protocol for sfvae and the baselines."""

from __future__ import annotations

import argparse

from ..errors import ArgumentError


def _split(text: str, name: str) -> tuple[str, ...]:
    values = tuple(v.strip() for v in text.split(",") if v.strip())
    if not values:
        raise ArgumentError(f"--{name} names nothing")
    return values


def _evaluate(args: argparse.Namespace) -> int:
    from ..fileio import check_output
    from .harness import DEFAULT_TARGETS, EvalConfig, evaluate

    check_output(args.output, "dir")
    config = EvalConfig(
        data="vowels" if args.quick and args.data is None else (args.data or "vowels"),
        methods=_split(args.methods, "methods"), factors=_split(args.factors, "factors"),
        out_dir=args.output, full=args.full, quick=args.quick, resume=args.resume,
        jobs=args.jobs, model=args.model, control=args.control, phase=args.phase,
        nisqa_weights=args.nisqa_weights, seed=args.seed, n_items=args.items,
        n_targets=args.targets or DEFAULT_TARGETS, reuse_from=args.reuse_from)
    if args.quick and args.full:
        raise ArgumentError("--quick and --full cannot be combined")
    if args.quick and args.data not in (None, "vowels"):
        raise ArgumentError("--quick uses two synthetic vowels; leave --data out")
    evaluate(config)
    out = config.out_dir
    print(open(f"{out}/table.md").read())
    print(f"wrote {out}/results.csv, {out}/summary.json, {out}/table.md and {out}/delta_*.png")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "evaluate", help="measure every method on the paper's protocol (accuracy, "
                         "disentanglement, naturalness, speed)",
        description="For each input and each target value of the paper's grids (f0 100-300 "
                    "step 1, f1 300-900 step 10, f2 1100-2700 step 20, f3 2200-3200 step 20; "
                    "a seeded subset by default, every value with --full), edit one factor "
                    "with each method and measure the output with Praat, NISQA-TTS and DNSMOS.")
    p.add_argument("--data", help="vowels (Peterson & Barney, synthesised; default), recorded "
                                  "(clips of the recorded test voices, held out of training; "
                                  "packages fetched into $SFVAE_CACHE_DIR when missing), speech "
                                  "(held-out MBROLA voices; a corpus from $SFVAE_CORPUS_DIR) "
                                  "or a folder of audio files")
    p.add_argument("--methods", default="sfvae,vae-baseline,psola,world",
                   help="comma-separated methods (default: all four)")
    p.add_argument("--factors", default="f0,f1,f2,f3", help="comma-separated factors to edit")
    p.add_argument("-o", "--output", required=True, metavar="OUT", help="output folder")
    p.add_argument("--full", action="store_true", help="every grid value (slow)")
    p.add_argument("--quick", action="store_true",
                   help="two vowels, one target per vowel and factor (a smoke test, minutes)")
    p.add_argument("--resume", action="store_true", help="continue OUT/results.csv, skipping "
                                                         "edits already scored")
    p.add_argument("--jobs", type=int, default=1, help="worker processes (default 1)")
    p.add_argument("--items", type=int, help="use only the first N inputs")
    p.add_argument("--targets", type=int, help="targets per input and factor when not --full "
                                               "(default 5)")
    p.add_argument("--model", help="model file for sfvae and vae-baseline (default: shipped)")
    p.add_argument("--control", help="control file for sfvae (default: the shipped one; with "
                                     "--model and no --control one is learned into OUT)")
    p.add_argument("--phase", help="phase reconstruction for the model methods")
    p.add_argument("--nisqa-weights", metavar="PATH",
                   help="NISQA-TTS weights (default: ../shared/nisqa/nisqa_tts.tar if present)")
    p.add_argument("--seed", type=int, default=0, help="seed of the target subsets")
    p.add_argument("--reuse-from", metavar="CSV",
                   help="results.csv of another run on the same inputs and targets: copy its "
                        "rows of the methods that do not depend on the model (input, psola, "
                        "world) instead of recomputing them")
    p.set_defaults(func=_evaluate)
