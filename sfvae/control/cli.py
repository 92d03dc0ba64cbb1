"""`sfvae learn`, `sfvae edit` and `sfvae estimate`: thin wrappers over sfvae.control / sfvae.editing."""

from __future__ import annotations

import argparse
import shlex
import sys
import warnings
from pathlib import Path

from ..editing import METHODS, EditRequest, edit_file, edit_files, parse_target
from ..errors import ArgumentError
from ..factors import DEFAULT_GRID_SET, GRID_SETS
from ..fileio import check_output

_PACKAGE_DIR = Path(__file__).resolve().parents[1]


def print_warnings(caught) -> None:
    """sfvae's own warnings as one line each; other libraries' warnings as Python shows them."""
    for w in caught:
        if _PACKAGE_DIR in Path(w.filename).resolve().parents:
            print(f"sfvae: warning: {w.message}", file=sys.stderr)
        else:
            warnings.showwarning(w.message, w.category, w.filename, w.lineno)


def _learn_command(args: argparse.Namespace) -> str:
    """The command line that reproduces this control (recorded in its metadata)."""
    words = ["sfvae", "learn"]
    for key in ("model", "factors", "axes"):
        if getattr(args, key) is not None:
            words += [f"--{key}", str(getattr(args, key))]
    if args.factors is None:  # named even when default: the default may change
        words += ["--grids", args.grids or DEFAULT_GRID_SET]
    if args.axes is None:
        words += ["--threshold", str(args.threshold)]
    words += ["--seed", str(args.seed), "-o", str(args.output)]
    return shlex.join(words)


def _learn(args: argparse.Namespace) -> int:
    from .learn import learn

    check_output(args.output, inputs=[args.model])
    n_axes = None
    if args.axes:
        try:
            n_axes = [int(a) for a in args.axes.split(",")]
        except ValueError:
            raise ArgumentError(f"--axes: expected comma-separated integers, got {args.axes!r}") from None
    if args.grids is not None and args.factors is not None:
        raise ArgumentError("--grids applies to the datasets sfvae learn generates; the "
                            "--factors folder was written with its own grid set")
    control = learn(args.model, factors=args.factors, threshold=args.threshold, n_axes=n_axes,
                    seed=args.seed, jobs=args.jobs, command=_learn_command(args),
                    grid_set=args.grids or DEFAULT_GRID_SET)
    control.save(args.output)
    for name, fc in control.factors.items():
        lo, hi = fc.regression.y_range
        kept = fc.subspace.variance_ratio[:fc.subspace.n_axes].sum()
        print(f"{name}: {fc.subspace.n_axes} axes ({100 * kept:.1f} % of variance), "
              f"{fc.regression.n_segments} segments, {lo:g}-{hi:g} Hz")
    print(f"wrote {args.output}")
    return 0


def _edit(args: argparse.Namespace) -> int:
    targets = {n: parse_target(getattr(args, n), n) for n in ("f0", "f1", "f2", "f3")
               if getattr(args, n) is not None}
    request = EditRequest(**targets, f0_scale=args.f0_scale, whisper=args.whisper)
    # Only the options given: each method's options class says which it has (exit 2 otherwise).
    options = {key: getattr(args, key) for key in ("model", "control", "phase", "refine",
                                                   "source", "renderer")
               if getattr(args, key) is not None}
    if args.output is not None and len(args.input) > 1:
        raise ArgumentError(f"{len(args.input)} inputs: give an output folder with -O/--out-dir, "
                            "not -o")
    # Every output is checked before any work (writable, a format for its extension, not an
    # input unless --overwrite).
    outputs = ([args.output] if args.output is not None
               else [Path(args.out_dir) / Path(name).name for name in args.input])
    for output in outputs:
        check_output(output, "audio", inputs=args.input, overwrite=args.overwrite)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if args.output is not None:
            edit_file(args.input[0], args.output, request, method=args.method, **options)
        else:
            edit_files(args.input, args.out_dir, request, method=args.method, **options)
    print_warnings(caught)
    return 0


def _estimate(args: argparse.Namespace) -> int:
    from .estimate import estimate_file, to_csv, write_csv

    if args.csv:
        check_output(args.csv, inputs=[args.input], option="--csv")
    table = estimate_file(args.input, model=args.model, control=args.control)
    if args.csv:
        write_csv(args.csv, table)
    else:
        sys.stdout.write(to_csv(table))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("learn", help="learn the latent subspaces and regressions of f0, f1-f3")
    p.add_argument("--model", help="model file (default: the shipped model)")
    p.add_argument("--factors", metavar="DIR",
                   help="factor datasets written by `sfvae synth` (default: generate them)")
    p.add_argument("--grids", choices=tuple(GRID_SETS), default=None,
                   help=f"grid set of the generated datasets (default {DEFAULT_GRID_SET}: the "
                        "human ranges, four voices; paper: the released grids)")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--threshold", type=float, default=0.8,
                       help="variance each subspace retains, choosing its number of axes (0.8)")
    group.add_argument("--axes", metavar="M0,M1,M2,M3", help="fixed numbers of axes per factor")
    p.add_argument("--seed", type=int, default=0, help="seed of the generated datasets")
    p.add_argument("--jobs", type=int, default=1, help="processes synthesising the datasets")
    p.add_argument("-o", "--output", required=True, metavar="CONTROL", help="control file (.npz)")
    p.set_defaults(func=_learn)

    p = sub.add_parser("edit", help="set f0 and/or formants of a recording, or whisper it")
    p.add_argument("input", metavar="IN", nargs="+",
                   help="input file(s); several need -O (model and start-up paid once)")
    out = p.add_mutually_exclusive_group(required=True)
    out.add_argument("-o", "--output", metavar="OUT", help="output file (one input)")
    out.add_argument("-O", "--out-dir", metavar="DIR",
                     help="output folder: each input is written there under its own name")
    p.add_argument("--overwrite", action="store_true", help="allow an output to be an input itself")
    p.add_argument("--f0", metavar="HZ|START:END", help="f0 in Hz, or a linear ramp")
    p.add_argument("--f0-scale", type=float, metavar="R", help="multiply the input's own f0")
    for n in ("f1", "f2", "f3"):
        p.add_argument(f"--{n}", metavar="HZ|START:END", help=f"{n.upper()} in Hz, or a linear ramp")
    p.add_argument("--whisper", action="store_true", help="remove the f0 subspace")
    p.add_argument("--model", help="model file (default: the shipped model)")
    p.add_argument("--control", help="control file of that model (default: the shipped one)")
    p.add_argument("--method", default="sfvae", help=f"editing method: {', '.join(METHODS)}")
    p.add_argument("--phase", help="phase reconstruction (sfvae method): see sfvae.phase.METHODS")
    p.add_argument("--refine", type=int, metavar="N",
                   help="decoder-in-the-loop refinement iterations (sfvae method; default 3, "
                        "and 0 for edits the world/hnm renderers synthesise; 0 = the paper's "
                        "one-shot edit)")
    p.add_argument("--source", metavar="auto|decoded",
                   help="auto (default): edits that leave f0 alone apply the decoded envelope "
                        "change to the input's own source, others go to --renderer; decoded: "
                        "always decode and reconstruct the phase, as the paper does "
                        "(--source decoded --refine 0 is the paper's method)")
    p.add_argument("--renderer", metavar="world|hnm|decoded",
                   help="sfvae method, edits that change f0 or whisper: world (default; WORLD "
                        "synthesis at the requested f0, envelope from the edited latent), hnm "
                        "(harmonic-plus-noise, faster), decoded (decode + phase reconstruction)")
    p.set_defaults(func=_edit)

    p = sub.add_parser("estimate", help="f0 and f1-f3 per frame read off the latent space")
    p.add_argument("input", metavar="IN")
    p.add_argument("--csv", metavar="OUT", help="write the CSV here (default: print it)")
    p.add_argument("--model", help="model file (default: the shipped model)")
    p.add_argument("--control", help="control file of that model (default: the shipped one)")
    p.set_defaults(func=_estimate)
