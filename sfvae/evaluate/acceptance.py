"""Edit accuracy on synthesized vowels, measured with Praat (the acceptance check of
tests/test_edit.py and benchmarks/edit_accuracy.py; Praat values and relative errors come
from :mod:`sfvae.evaluate.metrics`, as in the evaluation harness).

For each base vowel and factor, the factor is set to targets spread evenly over the paper's
evaluation grid (sfvae.factors.EVALUATION_GRIDS: f0 100-300, f1 300-900, f2 1100-2700,
f3 2200-3200 Hz), within the control's learned range and kept 15 % away from the
neighbouring formants, so that the edit asks for a vowel whose formants stay ordered, and
Praat measures the output.

Praat is the reference, so it must be able to measure the target vowel itself: each target
vowel is also synthesized directly ("truth") and a target is used only where Praat measures
that truth within TRUST_PCT of its value (Burg misses, e.g., F1 = 240 Hz under f0 = 120 Hz;
the excluded targets are counted in the summary).

Reported per factor: mean |error| in % of the target, and for every other factor its mean
|change| in % both against Praat's measurement of the input and against Praat's measurement
of the truth vowel (same other factors, so any difference there is the edit's doing and not
Praat's bias at the new f0 or formant). Against the truth, an other factor counts only where
Praat measures it within TRUST_PCT of its known value on the truth vowel; against the input,
all of them count, except after f0 edits (same rule as for the truth: Praat's formant bias
moves with f0).
"""

from __future__ import annotations

import numpy as np

from ..editing import EditRequest
from ..factors import EVALUATION_GRIDS, FACTORS
from .metrics import delta_percent, measure_factors

# Base vowels (f0, f1, f2, f3) inside every learned range: a male- and a female-like voice.
BASE_VOWELS = ((120.0, 500.0, 1500.0, 2500.0), (210.0, 600.0, 1750.0, 2900.0))
N_TARGETS = {"f0": 5, "f1": 4, "f2": 4, "f3": 4}
SPACING = 1.15
TRUST_PCT = 3.0


def acceptance_targets(control, base: dict[str, float], factor: str, n: int) -> np.ndarray:
    """``n`` targets (Hz) for ``factor`` from ``base``: the evaluation grid within the
    control's range, formants kept SPACING apart from their neighbours."""
    lo, hi = control.range(factor)
    lo, hi = max(lo, EVALUATION_GRIDS[factor][0]), min(hi, EVALUATION_GRIDS[factor][1])
    if factor != "f0":
        k = int(factor[1])
        if k > 1:
            lo = max(lo, base[f"f{k - 1}"] * SPACING)
        if k < 3:
            hi = min(hi, base[f"f{k + 1}"] / SPACING)
    return np.linspace(lo, hi, n)


def _vowel(values: dict[str, float], duration: float, seed: int) -> np.ndarray:
    from ..synth import synthesize

    return synthesize(values["f0"], (values["f1"], values["f2"], values["f3"]),
                      duration=duration, seed=seed)


def edit_accuracy(model, control, bases=BASE_VOWELS, n_targets=N_TARGETS, phase=None,
                  duration: float = 1.0, seed: int = 0, factors=FACTORS, **edit_options) -> dict:
    """Returns {'rows': [...], 'summary': {factor: {...}}} (see the module docstring)."""
    from ..control.editor import edit_audio

    rows = []
    for b, base_values in enumerate(bases):
        base = dict(zip(FACTORS, base_values))
        x = _vowel(base, duration, seed + b)
        measured_in = measure_factors(x)
        for factor in factors:
            for target in acceptance_targets(control, base, factor, n_targets[factor]):
                values = dict(base, **{factor: float(target)})
                truth = measure_factors(_vowel(values, duration, seed + b))
                row = {"base": b, "factor": factor, "target": float(target),
                       "trusted": delta_percent(truth[factor], target) <= TRUST_PCT}
                if row["trusted"]:
                    y = edit_audio(x, EditRequest(**{factor: float(target)}), model=model,
                                   control=control, phase=phase, **edit_options)
                    out = measure_factors(y)
                    row["error_pct"] = delta_percent(out[factor], target)
                    for other in FACTORS:
                        row[f"known_{other}"] = values[other]
                        row[f"in_{other}"] = measured_in[other]
                        row[f"truth_{other}"] = truth[other]
                        row[f"out_{other}"] = out[other]
                rows.append(row)
    summary = {}
    for factor in factors:
        sel = [r for r in rows if r["factor"] == factor and r["trusted"]]
        others = [o for o in FACTORS if o != factor]
        # A measurement Praat could not make on the output (NaN: no voicing found, no
        # formant) counts as a failure, reported apart from the means.
        failed = sum(not np.isfinite([r[f"out_{o}"] for o in FACTORS]).all() for r in sel)
        summary[factor] = {
            "error_pct": _mean([r["error_pct"] for r in sel]),
            # Praat's formant bias moves with f0, so after an f0 edit only the formants it
            # measures well at the new f0 are compared with the input.
            "others_vs_input_pct": {o: _mean([delta_percent(r[f"out_{o}"], r[f"in_{o}"])
                                              for r in sel if factor != "f0" or _trusted(r, o)])
                                    for o in others},
            "others_vs_truth_pct": {o: _mean([delta_percent(r[f"out_{o}"], r[f"truth_{o}"])
                                              for r in sel if _trusted(r, o)]) for o in others},
            "n": len(sel), "failed": int(failed),
            "excluded": sum(1 for r in rows if r["factor"] == factor and not r["trusted"]),
        }
    return {"rows": rows, "summary": summary}


def _trusted(row: dict, factor: str) -> bool:
    """Praat measures ``factor`` on the truth vowel within TRUST_PCT of its known value
    (e.g. F1 under f0 = 290 Hz it does not: Burg follows a harmonic)."""
    return delta_percent(row[f"truth_{factor}"], row[f"known_{factor}"]) <= TRUST_PCT


def _mean(values: list) -> float:
    values = [v for v in values if np.isfinite(v)]
    return float(np.mean(values)) if values else float("nan")


def format_summary(summary: dict) -> str:
    lines = ["factor  mean|err|%  others: mean |change|% vs input / vs truth vowel"]
    for factor, s in summary.items():
        others = "  ".join(f"{o} {s['others_vs_input_pct'][o]:4.1f}/{s['others_vs_truth_pct'][o]:4.1f}"
                           for o in s["others_vs_input_pct"])
        notes = []
        if s["failed"]:
            notes.append(f"{s['failed']} of {s['n']} unmeasurable")
        if s["excluded"]:
            notes.append(f"{s['excluded']} target(s) Praat cannot measure on the truth excluded")
        lines.append(f"{factor:6s}  {s['error_pct']:9.2f}   {others}"
                     + (f"   ({'; '.join(notes)})" if notes else ""))
    return "\n".join(lines)


def decoded_harmonic_contrast(model, audio: np.ndarray, n_harmonics: int = 7) -> tuple[float, float]:
    """Mean level difference (dB) between the first harmonics of f0 and the midpoints between
    them, on the frames Praat finds voiced: (in the model's decoded spectrum, in the input).

    f0 can only be edited if the decoder draws harmonics; a decoder that returns a smooth
    envelope (contrast near 0 dB) leaves the pitch to the phase reconstruction.
    """
    from .. import audio as audio_io
    from ..control.input_analysis import analyse_input
    from ..conventions import N_FFT, SAMPLE_RATE

    analysis = analyse_input(audio_io.check_audio(audio), model)
    power = analysis.power + audio_io.POWER_FLOOR
    decoded = model.decode_numpy(analysis.z).astype(np.float64)
    f0 = analysis.f0
    bin_hz = SAMPLE_RATE / N_FFT
    contrast = {"decoded": [], "input": []}
    for t in np.flatnonzero(np.isfinite(f0)):
        h = f0[t] / bin_hz
        for k in range(1, n_harmonics + 1):
            peak, valley = int(round(k * h)), int(round((k + 0.5) * h))
            if valley >= power.shape[1]:
                break
            contrast["decoded"].append(10 * np.log10(decoded[t, peak] / decoded[t, valley]))
            contrast["input"].append(10 * np.log10(power[t, peak] / power[t, valley]))
    return _mean(contrast["decoded"]), _mean(contrast["input"])
