"""Renderers side by side: sfvae (each renderer and the paper's path), WORLD, PSOLA and
vae-baseline on the same inputs with the same targets, in one run (issue 10 item 4).

    PYTHONPATH=. .venv/bin/python benchmarks/renderers.py --data recorded \\
        --nisqa-weights ../shared/nisqa/nisqa_tts.tar -o benchmarks/evaluation/renderers_recorded
    PYTHONPATH=. .venv/bin/python benchmarks/renderers.py --data vowels --items 12 \\
        --nisqa-weights ../shared/nisqa/nisqa_tts.tar -o benchmarks/evaluation/renderers_vowels

Inputs (:func:`sfvae.evaluate.data.load_items`, as ``sfvae evaluate --data``):
- ``recorded``: clips of the corpus's recorded TEST voices (sfvae.corpus.recorded.TEST_VOICES),
  held out of all training and validation;
- ``vowels``: synthesized Peterson & Barney vowels (``--items N``: a seeded subset).
(The run before this one, README "Renderers for edits that change the source", used
festvox-ru/tuxpaint clips; some of those voices are training voices of the corpus now.)

Edits, for every input, each a constant f0 target given to every method: x0.75 and x1.33 of
the input's own Praat median f0, and "identity" (that median itself); a target outside the
control's learned f0 range is clamped to it, for every method alike (the row keeps
``clamped`` when it moved by more than 1 %), and identity rows whose target was clamped
are left out of the identity summary (they are no identity edit). On speech that constant
also flattens the intonation, so "identity (own contour)" (``f0_scale=1``: the input's own
contour, f0 error of the output's median against the input's) is measured beside it.
Whisper: the sfvae renderers (``--whisper``), WORLD's own whisper (aperiodicity 1, f0 as
analysed) and WORLD resynthesised with f0 = 0 (all frames unvoiced), the issue's reference.

Measured per edit (sfvae.evaluate.metrics): Praat f0/F1-F3 of the output; f0 error =
(f0_out / target - 1) in % (octave error: |error| > 40 %, or no f0 measured); F1-F3 change
= delta_percent against the input's own Praat values; NISQA-TTS; DNSMOS; voiced = fraction
of Praat pitch frames voiced; real-time factor = edit time / duration (models loaded, one
torch thread).

Writes rows.csv, summary.json and summary.md (+ command, date, machine, git revision) to ``-o``.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sfvae.conventions import SAMPLE_RATE  # noqa: E402
from sfvae.editing import EditRequest, edit, method_options  # noqa: E402
from sfvae.measure import pitch_track  # noqa: E402

SCALES = {"x0.75": 0.75, "x1.33": 1.33, "identity": 1.0}
OCTAVE_ERROR_PCT = 40.0
OWN_CONTOUR = "identity (own contour)"
CLAMP_TOLERANCE = 0.01  # a target moved less than this by the clamp still counts as asked
WORLD_F0_ZERO = "WORLD, f0 = 0"
WORLD_WHISPER = "WORLD --whisper (aperiodicity 1)"


def methods(model, control) -> dict[str, tuple[str, object]]:
    """Row name -> (method, options object): built once."""
    pair = dict(model=model, control=control)
    return {
        "sfvae, renderer world (default)": ("sfvae", method_options("sfvae", renderer="world", **pair)),
        "sfvae, renderer hnm": ("sfvae", method_options("sfvae", renderer="hnm", **pair)),
        "sfvae, renderer decoded": ("sfvae", method_options("sfvae", renderer="decoded", **pair)),
        "sfvae paper (source decoded, refine 0)": ("sfvae", method_options("sfvae", source="decoded",
                                                                          refine=0, **pair)),
        "WORLD": ("world", method_options("world")),
        "PSOLA": ("psola", method_options("psola")),
        "vae-baseline": ("vae-baseline", method_options("vae-baseline", model=model)),
    }


def world_f0_zero(x: np.ndarray) -> np.ndarray:
    """WORLD analysis resynthesised with every frame unvoiced (the issue's whisper reference)."""
    from sfvae.baselines.world import synthesize, world_analysis

    f0, _, envelope, aperiodicity = world_analysis(np.asarray(x, dtype=np.float64))
    return synthesize(np.zeros_like(f0), envelope, aperiodicity, len(x))


def voiced_fraction(y: np.ndarray) -> float:
    return float(np.mean(np.isfinite(pitch_track(y).values)))


class Scorer:
    """Praat factors, NISQA-TTS, DNSMOS and voicing of one output against its input."""

    def __init__(self, nisqa_weights) -> None:
        from sfvae.evaluate.metrics import Dnsmos, Nisqa

        self.nisqa = Nisqa(nisqa_weights) if nisqa_weights else (lambda _: float("nan"))
        self.dnsmos = Dnsmos()

    def __call__(self, y: np.ndarray, measured_in: dict, target: float | None) -> dict:
        from sfvae.evaluate.metrics import delta_percent, measure_factors

        out = measure_factors(y)
        row = {f"out_{k}": v for k, v in out.items()}
        for k in ("f1", "f2", "f3"):
            row[f"d{k}"] = delta_percent(out[k], measured_in[k])
        if target is not None:
            row["f0_err"] = 100 * (out["f0"] / target - 1) if np.isfinite(out["f0"]) else float("nan")
        row.update(nisqa=self.nisqa(y), voiced=voiced_fraction(y), **self.dnsmos(y))
        return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default="recorded", help="recorded (test voices) or vowels")
    parser.add_argument("--items", type=int, help="first N recorded clips / N seeded vowels")
    parser.add_argument("--nisqa-weights", help="NISQA-TTS weights (default: $SFVAE_NISQA_WEIGHTS)")
    parser.add_argument("--model"), parser.add_argument("--control")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("-o", "--out", type=Path, default=REPO / "runs" / "renderers")
    args = parser.parse_args()

    import torch

    from sfvae.control.editor import load_model_and_control
    from sfvae.evaluate.data import load_items
    from sfvae.evaluate.metrics import find_nisqa_weights, measure_factors

    torch.set_num_threads(args.threads)
    warnings.simplefilter("ignore")
    rev = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],   # at start
                         capture_output=True, text=True).stdout.strip()
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    weights = find_nisqa_weights(args.nisqa_weights)
    score = Scorer(weights)
    model, control = load_model_and_control(args.model, args.control)
    lo, hi = control.range("f0")
    table = methods(model, control)
    items = load_items(args.data, args.items)
    warm = items[0].load()
    for method, options in table.values():  # first-call costs out of the timings
        edit(warm, EditRequest(f0=150.0), method=method, options=options)

    args.out.mkdir(parents=True, exist_ok=True)
    rows = []
    for item in items:
        x = item.load()
        duration = x.size / SAMPLE_RATE
        m_in = measure_factors(x)
        base = dict(input=item.item_id, voice=item.meta.get("voice", item.meta.get("kind", "")),
                    duration_s=duration, in_f0=m_in["f0"])
        rows.append(dict(base, method="input (unedited)", edit="-", **score(x, m_in, None)))
        for label, (method, options) in table.items():
            jobs = [(name, m_in["f0"] * s) for name, s in SCALES.items()]
            jobs.append((OWN_CONTOUR, m_in["f0"]))
            if method == "sfvae":  # vae-baseline and PSOLA cannot whisper; WORLD below
                jobs.append(("whisper", None))
            for edit_name, wanted in jobs:
                target = None if wanted is None else float(np.clip(wanted, lo, hi))
                if edit_name == OWN_CONTOUR:  # f0 error against the input's median
                    request = EditRequest(f0_scale=1.0)
                else:
                    request = EditRequest(whisper=True) if target is None else EditRequest(f0=target)
                row = dict(base, method=label, edit=edit_name, target=target,
                           clamped=wanted is not None and abs(target / wanted - 1) > CLAMP_TOLERANCE)
                start = time.perf_counter()
                try:
                    y = edit(x, request, method=method, options=options)
                except Exception as exc:  # noqa: BLE001 (a method failing is a result)
                    rows.append(dict(row, error=str(exc)[:200]))
                    continue
                row["rtf"] = (time.perf_counter() - start) / duration
                rows.append(dict(row, **score(y, m_in, target)))
        for label, render in ((WORLD_WHISPER, None), (WORLD_F0_ZERO, world_f0_zero)):
            start = time.perf_counter()
            y = (edit(x, EditRequest(whisper=True), method="world") if render is None
                 else render(x))
            rtf = (time.perf_counter() - start) / duration
            rows.append(dict(base, method=label, edit="whisper", rtf=rtf, **score(y, m_in, None)))
        print(f"{item.item_id}: done", flush=True)

    keys = list(dict.fromkeys(k for r in rows for k in r))
    with open(args.out / "rows.csv", "w", newline="") as fh:
        writer = csv.DictWriter(fh, keys)
        writer.writeheader()
        writer.writerows(rows)
    labels = list(table) + [WORLD_WHISPER, WORLD_F0_ZERO]
    stats = summarize(rows, labels)
    head = (f"command: {' '.join(sys.argv)}\ndate: {started} (start)\n"
            f"machine: {platform.machine()}, {platform.processor() or platform.system()}, "
            f"{os.cpu_count()} CPUs visible (shared), torch threads {args.threads}\n"
            f"git: {rev}\nNISQA weights: {weights}\ninputs: {len(items)} ({args.data}); "
            f"control f0 range {lo:g}-{hi:g} Hz\n")
    (args.out / "summary.json").write_text(json.dumps(dict(header=head, methods=stats), indent=1) + "\n")
    text = head + "\n" + markdown(stats, labels)
    (args.out / "summary.md").write_text(text)
    print(text)
    return 0


def _vals(rows, key) -> list[float]:
    return [float(r[key]) for r in rows if r.get(key) is not None and np.isfinite(r[key])]


def _mean(rows, key) -> float:
    v = _vals(rows, key)
    return float(np.mean(v)) if v else float("nan")


def summarize(rows: list[dict], labels: list[str]) -> dict:
    """Per method: f0 edits (x0.75, x1.33), identity (unclamped) and whisper statistics."""
    out = {}
    inp = [r for r in rows if r["method"] == "input (unedited)"]
    ok_identity = {r["input"] for r in rows if r["edit"] == "identity" and not r.get("clamped")}
    inp_id = [r for r in inp if r["input"] in ok_identity]
    out["input (unedited)"] = {"n": len(inp), "nisqa": _mean(inp, "nisqa"),
                               "dnsmos": _mean(inp, "dnsmos_ovrl"), "voiced": _mean(inp, "voiced"),
                               "nisqa_identity_inputs": _mean(inp_id, "nisqa"),
                               "dnsmos_identity_inputs": _mean(inp_id, "dnsmos_ovrl")}
    for label in labels:
        mine = [r for r in rows if r["method"] == label]
        failed = [r for r in mine if "error" in r]
        ok = [r for r in mine if "error" not in r]
        f0e = [r for r in ok if r["edit"] in ("x0.75", "x1.33")]
        ide = [r for r in ok if r["edit"] == "identity" and not r.get("clamped")]
        wh = [r for r in ok if r["edit"] == "whisper"]
        entry = {"n_failed": len(failed), "errors": sorted({r["error"] for r in failed})[:3]}
        if f0e:
            err = [abs(r["f0_err"]) if np.isfinite(r["f0_err"]) else float("inf") for r in f0e]
            entry["f0"] = {
                "n": len(f0e), "n_clamped": sum(bool(r["clamped"]) for r in f0e),
                "err_median": float(np.median(err)), "err_mean": float(np.mean(err)),
                "octave": sum(e > OCTAVE_ERROR_PCT for e in err),
                **{f"d{k}": _mean(f0e, f"d{k}") for k in ("f1", "f2", "f3")},
                "nisqa": _mean(f0e, "nisqa"), "dnsmos": _mean(f0e, "dnsmos_ovrl"),
                "rtf": _mean(f0e, "rtf")}
        own = [r for r in ok if r["edit"] == OWN_CONTOUR and not r.get("clamped")]
        for part, sel in (("identity", ide), ("own_contour", own)):
            if not sel:
                continue
            err = [abs(r["f0_err"]) if np.isfinite(r["f0_err"]) else float("inf") for r in sel]
            entry[part] = {
                "n": len(sel), "err_median": float(np.median(err)), "err_mean": float(np.mean(err)),
                **{f"d{k}": _mean(sel, f"d{k}") for k in ("f1", "f2", "f3")},
                **{f"d{k}_max": max(_vals(sel, f"d{k}"), default=float("nan"))
                   for k in ("f1", "f2", "f3")},
                "nisqa": _mean(sel, "nisqa"), "dnsmos": _mean(sel, "dnsmos_ovrl")}
        if wh:
            entry["whisper"] = {"n": len(wh), "nisqa": _mean(wh, "nisqa"),
                                "dnsmos": _mean(wh, "dnsmos_ovrl"), "voiced": _mean(wh, "voiced"),
                                "voiced_max": max(_vals(wh, "voiced"), default=float("nan")),
                                "rtf": _mean(wh, "rtf")}
        out[label] = entry
    return out


def _method_rows(stats: dict, labels: list[str], part: str, cells) -> list[str]:
    """One table line per method that has ``part``: its label, then ``cells(entry)``."""
    return [f"| {label} | " + cells(stats[label][part]) for label in labels if part in stats[label]]


def markdown(stats: dict, labels: list[str]) -> str:
    inp = stats["input (unedited)"]
    f = lambda v, d=2: "–" if v is None or not np.isfinite(v) else f"{v:.{d}f}"  # noqa: E731
    lines = ["f0 edits (x0.75 and x1.33 of each input's median f0, constant targets):", "",
             "| method | f0 error % median | mean | octave errors | ΔF1 % | ΔF2 % | ΔF3 % "
             "| NISQA-TTS | DNSMOS ovrl | RTF |", "|---|---|---|---|---|---|---|---|---|---|",
             f"| input (unedited) | – | – | – | – | – | – | {f(inp['nisqa'])} | {f(inp['dnsmos'])} | – |"]
    for label in labels:
        e = stats[label].get("f0")
        if e is None:
            continue
        fails = stats[label]["n_failed"]
        lines.append(f"| {label} | {f(e['err_median'], 3)} | {f(e['err_mean'], 3)} | "
                     f"{e['octave']} in {e['n']} | {f(e['df1'], 1)} | {f(e['df2'], 1)} | "
                     f"{f(e['df3'], 1)} | {f(e['nisqa'])} | {f(e['dnsmos'])} | {f(e['rtf'], 3)} |"
                     + (f" ({fails} edits failed)" if fails else ""))
    for part, title in (("identity", "identity: each method asked for the input's own median f0 "
                         "(a constant: on speech this also flattens the intonation)"),
                        ("own_contour", "identity, own contour: f0_scale 1 (the input's own f0 "
                         "contour); f0 error of the output's median against the input's")):
        lines += ["", title + "; inputs whose median is inside the control's range:", "",
                  "| method | f0 error % median | ΔF1 % mean / max | ΔF2 % mean / max "
                  "| ΔF3 % mean / max | NISQA-TTS | DNSMOS ovrl | n |",
                  "|---|---|---|---|---|---|---|---|",
                  f"| input (unedited) | – | – | – | – | {f(inp['nisqa_identity_inputs'])} | "
                  f"{f(inp['dnsmos_identity_inputs'])} | – |"]
        lines += _method_rows(stats, labels, part, lambda e: (
            f"{f(e['err_median'], 3)} | "
            + " | ".join(f"{f(e[f'd{k}'], 1)} / {f(e[f'd{k}_max'], 1)}" for k in ("f1", "f2", "f3"))
            + f" | {f(e['nisqa'])} | {f(e['dnsmos'])} | {e['n']} |"))
    lines += ["", "whisper:", "", "| method | NISQA-TTS | DNSMOS ovrl | voiced % mean / max | RTF |",
              "|---|---|---|---|---|",
              f"| input (unedited) | {f(inp['nisqa'])} | {f(inp['dnsmos'])} | "
              f"{f(100 * inp['voiced'], 0)} | – |"]
    lines += _method_rows(stats, labels, "whisper", lambda e: (
        f"{f(e['nisqa'])} | {f(e['dnsmos'])} | "
        f"{f(100 * e['voiced'], 0)} / {f(100 * e['voiced_max'], 0)} | {f(e['rtf'], 3)} |"))
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
