"""Edit accuracy on synthesized vowels, measured with Praat (the issue's acceptance check).

For each base vowel and factor, the factor is set to targets spread over its learned range
(kept 15 % away from the neighbouring formants, so that the edit asks for a vowel whose
formants stay ordered) and Praat measures the output. Reported per factor: mean |error| in %
of the target, and the mean |change| in % of each other factor relative to Praat's
measurement of the input.
"""

from __future__ import annotations

import numpy as np

from ..edit import FACTORS, EditRequest
from ..measure import measure

# Base vowels (f0, f1, f2, f3) inside every learned range: a male- and a female-like voice.
BASE_VOWELS = ((120.0, 500.0, 1500.0, 2500.0), (210.0, 600.0, 1750.0, 2900.0))
N_TARGETS = {"f0": 5, "f1": 4, "f2": 4, "f3": 4}
SPACING = 1.15


def targets_for(control, base: dict[str, float], factor: str, n: int) -> np.ndarray:
    lo, hi = control.range(factor)
    if factor != "f0":
        k = int(factor[1])
        if k > 1:
            lo = max(lo, base[f"f{k - 1}"] * SPACING)
        if k < 3:
            hi = min(hi, base[f"f{k + 1}"] / SPACING)
    # Inset by 5 % of the span: the ends of a regression are its least constrained parts.
    inset = 0.05 * (hi - lo)
    return np.linspace(lo + inset, hi - inset, n)


def edit_accuracy(model, control, bases=BASE_VOWELS, n_targets=N_TARGETS, phase=None,
                  duration: float = 1.0, seed: int = 0, factors=FACTORS) -> dict:
    """Returns {'rows': [...], 'summary': {factor: {'error_pct', 'others_pct': {..}}}}."""
    from ..synth import synthesize
    from .editor import edit_audio

    rows = []
    for b, base_values in enumerate(bases):
        base = dict(zip(FACTORS, base_values))
        x = synthesize(base["f0"], (base["f1"], base["f2"], base["f3"]), duration=duration,
                       seed=seed + b)
        measured_in = measure(x)
        for factor in factors:
            for target in targets_for(control, base, factor, n_targets[factor]):
                y = edit_audio(x, EditRequest(**{factor: float(target)}), model=model,
                               control=control, phase=phase)
                out = measure(y)
                row = {"base": b, "factor": factor, "target": float(target),
                       "error_pct": 100.0 * abs(out[factor] - target) / target}
                for other in FACTORS:
                    row[f"in_{other}"] = measured_in[other]
                    row[f"out_{other}"] = out[other]
                rows.append(row)
    summary = {}
    for factor in factors:
        sel = [r for r in rows if r["factor"] == factor]
        # A measurement Praat could not make (NaN: no voicing found, no formant) counts as
        # a failure, reported apart from the means of the others.
        others = {o: float(np.nanmean([100.0 * abs(r[f"out_{o}"] - r[f"in_{o}"]) / r[f"in_{o}"]
                                       for r in sel])) for o in FACTORS if o != factor}
        failures = sum(not np.isfinite([r[f"out_{o}"] for o in FACTORS]).all() for r in sel)
        summary[factor] = {"error_pct": float(np.nanmean([r["error_pct"] for r in sel])),
                           "others_pct": others, "n": len(sel), "failed": int(failures)}
    return {"rows": rows, "summary": summary}


def format_summary(summary: dict) -> str:
    lines = ["factor  mean|err|%   change of the others (mean |d|% vs input)"]
    for factor, s in summary.items():
        others = "  ".join(f"{o} {v:5.1f}" for o, v in s["others_pct"].items())
        lines.append(f"{factor:6s}  {s['error_pct']:9.2f}   {others}"
                     + (f"   ({s['failed']} of {s['n']} unmeasurable)" if s["failed"] else ""))
    return "\n".join(lines)
