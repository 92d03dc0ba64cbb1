"""Do edits inside the human ranges land? Praat on the edited vowel, per target and control.

    .venv/bin/python benchmarks/human_range_edits.py [--control A.npz --control B.npz]

Synthesized vowels (sfvae.synth, Peterson & Barney-like formants, source rolloff -12
dB/octave as in the factor datasets, which Praat measures best) edited with method sfvae
(the shipped default model; the default options) towards targets at the ends of the human
ranges (sfvae.factors.HUMAN_RANGES). Praat: pitch floor 40 Hz (its default 75 Hz is above 60
Hz), Burg 5 formants below 5500 Hz (4 for the F3 edits of the female /e/). Prints a markdown
table: the target, what Praat reads on the "truth" (the vowel synthesized with the target:
what Praat can measure there at all), what it reads on the output, the error against the
target, and the largest change of the other three factors against the input ("refused" where
a control's learned range does not hold the target; "no f0": Praat finds no voiced frame;
"untrusted": Praat reads the truth vowel more than 3 % off the target, so its reading of the
output says little).
"""

from __future__ import annotations

import argparse
import warnings

import numpy as np

from sfvae.control.editor import edit_audio
from sfvae.control.learn import load_control
from sfvae.editing import EditRequest
from sfvae.errors import ArgumentError
from sfvae.factors import FACTORS
from sfvae.measure import measure
from sfvae.model import load_model
from sfvae.synth import synthesize

# name: (f0, (F1, F2, F3)) and the edits made on it
VOWELS = {
    "low-male /a/": ((85.0, (700.0, 1100.0, 2400.0)), {"f0": (60, 80, 300, 400, 450)}),
    "female /e/": ((210.0, (610.0, 2330.0, 2990.0)), {"f0": (60, 80, 300, 400, 450)}),
    "female /a/": ((210.0, (850.0, 1220.0, 2810.0)), {"f1": (1000, 1050, 1100)}),
    "male /ae/": ((120.0, (660.0, 1720.0, 2410.0)), {"f1": (1000, 1050, 1100)}),
    "male /u/": ((120.0, (300.0, 870.0, 2240.0)), {"f2": (650, 700, 750, 800)}),
    "male neutral": ((120.0, (500.0, 1500.0, 2500.0)), {"f3": (1700, 2000, 3000)}),
    "female /e/ (F3)": ((210.0, (610.0, 2330.0, 2990.0)), {"f3": (3500, 3800)}),
}
# Praat settings other than the defaults per vowel: with F3 far above F2, Burg (5 formants
# below 5500 Hz) puts a formant in the gap and reads F2 as F3; 4 formants read the truth.
PRAAT = {"female /e/ (F3)": {"n_formants": 4}}
PITCH_FLOOR = 40.0
ROLLOFF = -12.0
TRUST_PCT = 3.0  # Praat reads the truth vowel within this of the target, or the row is marked


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--control", action="append", help="control file(s) (default: the shipped one)")
    args = p.parse_args()
    model = load_model(None)
    controls = {c: load_control(c) for c in (args.control or [None])}
    names = [str(c) if c else "shipped" for c in controls]
    print("| vowel | factor | target | truth reads | " + " | ".join(
        f"{n}: read (err %, others max %)" for n in names) + " |")
    print("|---|---|---|---|" + "---|" * len(names))
    errors = {n: [] for n in names}
    for vowel, ((f0, formants), edits) in VOWELS.items():
        x = synthesize(f0, formants, duration=0.6, seed=0, rolloff=ROLLOFF)
        settings = {"floor": PITCH_FLOOR, **PRAAT.get(vowel, {})}
        before = measure(x, **settings)
        for factor, targets in edits.items():
            for target in targets:
                values = dict(zip(FACTORS, (f0, *formants), strict=True))
                values[factor] = float(target)
                truth = synthesize(values["f0"], [values[f] for f in FACTORS[1:]], duration=0.6,
                                   seed=0, rolloff=ROLLOFF)
                read = measure(truth, **settings)[factor]
                trusted = abs(read - target) <= TRUST_PCT / 100 * target
                cells = [f"{read:.0f}" + ("" if trusted else " (untrusted)")]
                for name, control in zip(names, controls.values(), strict=True):
                    try:
                        with warnings.catch_warnings():
                            warnings.simplefilter("ignore")
                            y = edit_audio(x, EditRequest(**{factor: float(target)}),
                                           model=model, control=control)
                    except ArgumentError:
                        cells.append("refused")
                        continue
                    m = measure(y, **settings)
                    err = 100 * (m[factor] - target) / target
                    others = np.nanmax([abs(100 * (m[o] - before[o]) / before[o])
                                        for o in FACTORS if o != factor])
                    errors[name].append(abs(err) if np.isfinite(err) else np.inf)
                    read = "no f0" if not np.isfinite(m[factor]) else f"{m[factor]:.0f}"
                    cells.append(f"{read} ({err:+.1f}, {others:.1f})")
                print(f"| {vowel} | {factor} | {target} | " + " | ".join(cells) + " |",
                      flush=True)
    for name, errs in errors.items():
        if errs:
            print(f"\n{name}: {len(errs)} edits, median |err| {np.median(errs):.1f} % "
                  f"(no f0 read: {sum(np.isinf(errs))}), within 5 %: {sum(e <= 5 for e in errs)}")


if __name__ == "__main__":
    main()
