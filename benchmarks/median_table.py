"""Median |Δ| (%) per method, edited factor and measured factor from an evaluation summary.

    .venv/bin/python benchmarks/median_table.py runs/eval_X/summary.json [--methods sfvae,vae-baseline]

The tables `sfvae evaluate` writes give mean ± std, which a few Praat mismeasurements
(a formant jump, an octave error) dominate; the median shows the typical edit. Prints a
markdown table: the edited factor's median error in bold, the others' median change.
"""

from __future__ import annotations

import argparse
import json

from sfvae.factors import FACTORS


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("summary")
    p.add_argument("--methods", default="sfvae,vae-baseline,psola,world")
    args = p.parse_args()
    with open(args.summary) as f:
        methods = json.load(f)["methods"]
    print("| method | edited | " + " | ".join(f"median Δ{f} (%)" for f in FACTORS) + " |")
    print("|---|---|" + "---|" * len(FACTORS))
    for method in args.methods.split(","):
        for edited, entry in methods.get(method, {}).get("factors", {}).items():
            delta = entry.get("delta") or {}
            cells = []
            for f in FACTORS:
                median = (delta.get(f) or {}).get("median")
                text = "n/a" if median is None else f"{median:.1f}"
                cells.append(f"**{text}**" if f == edited else text)
            print(f"| {method} | {edited} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
