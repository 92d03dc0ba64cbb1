"""`sfvae analyze`: a disentanglement report (report.md, summary.json, figures)."""

from __future__ import annotations

import argparse


def _analyze(args: argparse.Namespace) -> int:
    from ..fileio import check_output
    from .report import analyze

    check_output(args.output, "dir")
    report = analyze(args.output, model=args.model, control=args.control,
                     subspaces=args.subspaces, compare=args.compare, factors=args.factors,
                     grid_stride=args.grid_stride, seed=args.seed, jobs=args.jobs,
                     with_points=not args.no_points, title=args.title)
    print(f"wrote {report} (and summary.json, figures)")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("analyze", help="report on the latent subspaces: variance, "
                                       "orthogonality, trajectories, regressions")
    p.add_argument("--model", help="model file (default: the shipped model)")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--control", help="control file (default: the shipped one for the "
                                         "default model; learned here for another model)")
    group.add_argument("--subspaces", metavar="DIR",
                       help="released subspace files subspace_f{0..3}.npz instead of a control")
    p.add_argument("--compare", metavar="CONTROL|DIR",
                   help="a second set (control file or subspace folder) to compare with")
    p.add_argument("--factors", metavar="DIR",
                   help="factor datasets written by `sfvae synth` (default: generate them)")
    p.add_argument("--grid-stride", type=int, default=1, metavar="K",
                   help="generate every K-th value of the released grids (default 1: all)")
    p.add_argument("--seed", type=int, default=0, help="seed of the generated datasets")
    p.add_argument("--jobs", type=int, default=1, help="processes synthesising the datasets")
    p.add_argument("--no-points", action="store_true",
                   help="subspaces only: no datasets, trajectories or regressions")
    p.add_argument("--title", help="report title")
    p.add_argument("-o", "--output", required=True, metavar="REPORT_DIR")
    p.set_defaults(func=_analyze)
