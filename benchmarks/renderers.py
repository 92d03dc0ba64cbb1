"""Renderers side by side: sfvae (each renderer), WORLD and PSOLA on the same inputs, one run.

    PYTHONPATH=. .venv/bin/python benchmarks/renderers.py --recorded /tmp/rec/x \\
        [--nisqa-weights ../shared/nisqa/nisqa_tts.tar] [-o runs/renderers]

Inputs:
- synthesized vowels (sfvae.synth, 3 s): four (f0, F1-F3) combinations;
- recorded speech held out of all training, from Debian packages unpacked under
  ``--recorded`` (``apt-get download festvox-ru tuxpaint-stamps-default`` then ``dpkg -x``
  each into that folder): CLIPS_PER_VOICE clips of CLIP_S seconds from each of four voices
  (festvox-ru's Russian male; tuxpaint's French, Spanish and Romanian descriptions), the
  first files in name order that are long enough.

Edits, for every input: f0 x0.75 and x1.33 (recorded: of the clip's own contour, ``f0_scale``;
vowels: the constant), "identity" (the input's own f0: ``f0_scale=1`` / the vowel's value),
and whisper (the methods that can). Measured with Praat (sfvae.measure) and NISQA-TTS:

- f0 error, per edit, over the frames voiced in input and output (f_target = the input's
  Praat f0 there times the scale, or the constant): "of the medians" |median f_out / median
  f_target - 1|, and "per frame" the median of |f_out / f_target - 1| (this one also counts
  the input's own frame-to-frame jitter that a smooth rendered contour does not copy); the
  table gives the median and mean over edits, and the edits whose median ratio f_out /
  f_target is outside 0.8-1.25 (octave errors);
- F1-F3 change: |F_out / F_in - 1| of the median formants over voiced frames, mean over edits;
- voiced: fraction of Praat frames voiced in the output (whisper rows);
- NISQA-TTS of the output (mean over edits), and of the unedited input.

Writes rows.csv and summary.md (+ the command, date, machine, git revision) into ``-o``.
"""

from __future__ import annotations

import argparse
import csv
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

from sfvae import audio as audio_io  # noqa: E402
from sfvae.conventions import SAMPLE_RATE  # noqa: E402
from sfvae.editing import EditRequest, edit, method_options  # noqa: E402
from sfvae.measure import measure, pitch_track  # noqa: E402
from sfvae.synth import synthesize  # noqa: E402

CLIP_S = 3.0
CLIPS_PER_VOICE = 2
VOICES = {  # name -> (folder under --recorded, file pattern)
    "ru-male (festvox-ru)": ("usr/share/festival/voices/russian", "**/*.wav"),
    "fr (tuxpaint)": ("usr/share/tuxpaint/stamps", "**/*_desc_fr.ogg"),
    "es (tuxpaint)": ("usr/share/tuxpaint/stamps", "**/*_desc_es.ogg"),
    "ro (tuxpaint)": ("usr/share/tuxpaint/stamps", "**/*_desc_ro.ogg"),
}
VOWELS = [(140.0, (600.0, 1500.0, 2500.0)), (160.0, (400.0, 2000.0, 2800.0)),
          (200.0, (700.0, 1200.0, 2600.0)), (220.0, (500.0, 1800.0, 2900.0))]
SCALES = {"x0.75": 0.75, "x1.33": 1.33, "identity": 1.0}
OCTAVE_BAND = (0.8, 1.25)


def recorded_clips(root: Path) -> list[tuple[str, np.ndarray]]:
    """CLIPS_PER_VOICE clips of CLIP_S s per voice (name order), skipping 0.1 s at the start."""
    clips = []
    n = int(CLIP_S * SAMPLE_RATE)
    for voice, (folder, pattern) in VOICES.items():
        found = 0
        for path in sorted((root / folder).glob(pattern)):
            x = audio_io.load(path)
            start = int(0.1 * SAMPLE_RATE)
            if x.size < start + n:
                continue
            clip = x[start:start + n]
            if np.mean(np.isfinite(pitch_track(clip).values)) < 0.3:
                continue   # mostly silence or unvoiced
            clips.append((f"{voice} {path.name}", clip.copy()))
            found += 1
            if found == CLIPS_PER_VOICE:
                break
    return clips


def methods(model, control) -> dict[str, tuple[str, object]]:
    """Row name -> (method, options object): built once."""
    pair = dict(model=model, control=control)
    return {
        "sfvae, renderer world (default)": ("sfvae", method_options("sfvae", renderer="world", **pair)),
        "sfvae, renderer world, refine 3": ("sfvae", method_options("sfvae", renderer="world", refine=3,
                                                                   **pair)),
        "sfvae, renderer hnm": ("sfvae", method_options("sfvae", renderer="hnm", **pair)),
        "sfvae, renderer hnm, refine 3": ("sfvae", method_options("sfvae", renderer="hnm", refine=3, **pair)),
        "sfvae, renderer decoded (refine 3)": ("sfvae", method_options("sfvae", renderer="decoded", **pair)),
        "sfvae paper (source decoded, refine 0)": ("sfvae", method_options("sfvae", source="decoded",
                                                                          refine=0, **pair)),
        "WORLD": ("world", method_options("world")),
        "PSOLA": ("psola", method_options("psola")),
    }


def f0_error(x: np.ndarray, y: np.ndarray, scale: float | None, constant: float | None):
    """(per-frame median relative error %, median ratio, error of the medians %) over the
    frames voiced in input and output."""
    tin, tout = pitch_track(x), pitch_track(y)
    if tin.values.size != tout.values.size:
        m = min(tin.values.size, tout.values.size)
        fin, fout = tin.values[:m], tout.values[:m]
    else:
        fin, fout = tin.values, tout.values
    target = fin * scale if constant is None else np.full_like(fin, constant)
    both = np.isfinite(fin) & np.isfinite(fout)
    if not both.any():
        return float("nan"), float("nan"), float("nan")
    ratio = fout[both] / target[both]
    of_medians = 100.0 * abs(float(np.median(fout[both]) / np.median(target[both])) - 1)
    return 100.0 * float(np.median(np.abs(ratio - 1))), float(np.median(ratio)), of_medians


def voiced_fraction(y: np.ndarray) -> float:
    return float(np.mean(np.isfinite(pitch_track(y).values)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--recorded", type=Path, help="folder the Debian packages were unpacked into")
    parser.add_argument("--nisqa-weights", help="NISQA-TTS weights (default: $SFVAE_NISQA_WEIGHTS)")
    parser.add_argument("--model"), parser.add_argument("--control")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="one vowel and one clip (a smoke run)")
    parser.add_argument("-o", "--out", type=Path, default=REPO / "runs" / "renderers")
    args = parser.parse_args()

    import torch

    from sfvae.control.editor import load_model_and_control
    from sfvae.evaluate.metrics import Nisqa, find_nisqa_weights

    torch.set_num_threads(args.threads)
    warnings.simplefilter("ignore")
    rev = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],   # at start
                         capture_output=True, text=True).stdout.strip()
    weights = find_nisqa_weights(args.nisqa_weights)
    nisqa = Nisqa(weights) if weights else (lambda _: float("nan"))
    model, control = load_model_and_control(args.model, args.control)
    table = methods(model, control)

    inputs = [(f"vowel f0 {f0:g} F {f[0]:g}/{f[1]:g}/{f[2]:g}", "vowel", f0,
               synthesize(f0, f, duration=CLIP_S, seed=i)) for i, (f0, f) in enumerate(VOWELS)]
    if args.recorded:
        inputs += [(name, "recorded", None, x) for name, x in recorded_clips(args.recorded)]
    if args.quick:
        inputs = [inputs[0]] + inputs[len(VOWELS):len(VOWELS) + 1]
    rows = []
    for name, kind, f0_const, x in inputs:
        m_in = measure(x)
        rows.append(dict(input=name, kind=kind, method="input (unedited)", edit="-",
                         nisqa=nisqa(x), voiced=voiced_fraction(x), seconds=0.0))
        for label, (method, options) in table.items():
            edits = list(SCALES.items()) + [("whisper", None)]
            for edit_name, scale in edits:
                if edit_name == "whisper":
                    if method == "psola":
                        continue
                    request = EditRequest(whisper=True)
                elif kind == "vowel":
                    request = EditRequest(f0=f0_const * scale)
                else:
                    request = EditRequest(f0_scale=scale)
                start = time.perf_counter()
                try:
                    y = edit(x, request, method=method, options=options)
                except Exception as exc:  # noqa: BLE001 (a method failing is a result)
                    rows.append(dict(input=name, kind=kind, method=label, edit=edit_name,
                                     error=str(exc)))
                    continue
                row = dict(input=name, kind=kind, method=label, edit=edit_name,
                           seconds=time.perf_counter() - start, nisqa=nisqa(y),
                           voiced=voiced_fraction(y))
                m_out = measure(y)
                for k in ("f1", "f2", "f3"):
                    row[f"d{k}"] = 100 * abs(m_out[k] / m_in[k] - 1)
                if edit_name != "whisper":
                    constant = None if kind == "recorded" else f0_const * scale
                    row["f0_err"], row["f0_ratio"], row["f0_err_medians"] = f0_error(x, y, scale, constant)
                rows.append(row)
            print(f"{name}: {label} done", flush=True)

    args.out.mkdir(parents=True, exist_ok=True)
    keys = sorted({k for r in rows for k in r})
    with open(args.out / "rows.csv", "w", newline="") as fh:
        writer = csv.DictWriter(fh, keys)
        writer.writeheader()
        writer.writerows(rows)
    text = summary(rows, list(table))
    head = (f"command: {' '.join(sys.argv)}\ndate: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}\n"
            f"machine: {platform.machine()}, {os.cpu_count()} CPUs visible, torch threads "
            f"{args.threads}\ngit: {rev}\nNISQA weights: {weights}\n")
    (args.out / "summary.md").write_text(head + "\n" + text)
    print(head + "\n" + text)
    return 0


def _mean(values) -> float:
    values = [v for v in values if v is not None and np.isfinite(v)]
    return float(np.mean(values)) if values else float("nan")


def summary(rows: list[dict], labels: list[str]) -> str:
    out = []
    for kind in ("vowel", "recorded"):
        sub = [r for r in rows if r["kind"] == kind]
        if not sub:
            continue
        n_inputs = len({r["input"] for r in sub})
        out.append(f"### {kind} inputs ({n_inputs})\n")
        out.append("| method | f0 err of the medians %: median / mean | per-frame f0 err %: "
                   "median / mean | octave errors | NISQA f0 edits | ΔF1/F2/F3 % (f0 edits) | "
                   "identity NISQA | identity ΔF1/F2/F3 % | "
                   "whisper NISQA | whisper voiced % | s per edit |")
        out.append("|---|---|---|---|---|---|---|---|---|---|---|")  # 11 columns
        inp = [r for r in sub if r["method"] == "input (unedited)"]
        out.append(f"| input (unedited) | - | - | - | {_mean(r['nisqa'] for r in inp):.2f} | - | - | - | - | "
                   f"{100 * _mean(r['voiced'] for r in inp):.0f} | - |")
        for label in labels:
            rs = [r for r in sub if r["method"] == label and "error" not in r]
            fails = [r for r in sub if r["method"] == label and "error" in r]
            f0e = [r for r in rs if r["edit"] in ("x0.75", "x1.33")]
            ide = [r for r in rs if r["edit"] == "identity"]
            wh = [r for r in rs if r["edit"] == "whisper"]
            errs = [r["f0_err"] for r in f0e + ide]
            meds = [r["f0_err_medians"] for r in f0e + ide]
            octave = sum(1 for r in f0e + ide if not OCTAVE_BAND[0] <= r["f0_ratio"] <= OCTAVE_BAND[1])
            fmt = lambda rr: "/".join(f"{_mean(r[f'd{k}'] for r in rr):.1f}" for k in ("f1", "f2", "f3"))  # noqa: E731
            whisper = (f"{_mean(r['nisqa'] for r in wh):.2f} | {100 * _mean(r['voiced'] for r in wh):.0f}"
                       if wh else "- | -")
            out.append(f"| {label} | {np.nanmedian(meds):.3f} / {_mean(meds):.3f} | "
                       f"{np.nanmedian(errs):.3f} / {_mean(errs):.3f} | {octave} in {len(errs)} | "
                       f"{_mean(r['nisqa'] for r in f0e):.2f} | {fmt(f0e)} | "
                       f"{_mean(r['nisqa'] for r in ide):.2f} | {fmt(ide)} | {whisper} | "
                       f"{_mean(r['seconds'] for r in rs):.2f} |"
                       + (f" ({len(fails)} failed: {fails[0]['error'][:80]})" if fails else ""))
        out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    sys.exit(main())
