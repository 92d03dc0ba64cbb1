"""`sfvae demo`: the main job. Edit a shipped speech example and measure every output.

Edits the example (a recorded female Greek voice held out of training, from the Debian
package tuxpaint-stamps-default, GPL-2; see sfvae/data/README.md): f0 down, up and a
rising ramp, each formant up and down, whisper.
Targets are set relative to the example's own Praat measurements so that they stay inside
the learned ranges. Writes the wav files and ``index.html`` (spectrograms + audio players)
and prints, for every output, the target beside what Praat measures on it.
"""

from __future__ import annotations

import html
import math
import os
import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from . import audio as audio_io
from . import measure
from .conventions import SAMPLE_RATE
from .editing import EditRequest, edit
from .factors import FACTORS
from .fileio import atomic_path, write_text


def example_path() -> Path:
    """The shipped speech example (16 kHz mono wav)."""
    return Path(str(resources.files("sfvae") / "data" / "demo_speech.wav"))


@dataclass
class DemoItem:
    name: str
    description: str
    request: EditRequest | None
    targets: dict[str, float]  # median target per edited factor (for the table)
    measured: dict[str, float] | None = None
    seconds: float = 0.0


def plan_edits(source: dict[str, float]) -> list[DemoItem]:
    """The demo's edits, with targets relative to the source's measured medians."""
    f0, f1, f2, f3 = (source[k] for k in FACTORS)
    r = lambda v: float(round(v))  # noqa: E731  whole-Hz targets read better
    items = [
        DemoItem("original", "the shipped example, unedited", None, {}),
        DemoItem("f0-down", f"f0 set to {r(0.75 * f0):.0f} Hz", EditRequest(f0=r(0.75 * f0)),
                 {"f0": r(0.75 * f0)}),
        DemoItem("f0-up", "f0 contour scaled by 1.4", EditRequest(f0_scale=1.4),
                 {"f0": 1.4 * f0}),
        DemoItem("f0-ramp", f"f0 ramp {r(0.8 * f0):.0f} -> {r(1.5 * f0):.0f} Hz",
                 EditRequest(f0=(r(0.8 * f0), r(1.5 * f0))), {"f0": r(1.15 * f0)}),
    ]
    for name, value, up, down in (("f1", f1, 1.25, 0.8), ("f2", f2, 1.2, 0.85),
                                  ("f3", f3, 1.1, 0.9)):
        for label, ratio in (("up", up), ("down", down)):
            target = r(ratio * value)
            items.append(DemoItem(f"{name}-{label}", f"{name} set to {target:.0f} Hz",
                                  EditRequest(**{name: target}), {name: target}))
    items.append(DemoItem("whisper", "f0 subspace removed", EditRequest(whisper=True), {}))
    return items


def ramp_expectation(y: np.ndarray, ramp: tuple[float, float]) -> float:
    """Median of a linear f0 ramp over the frames Praat finds voiced in the output.

    The output's median f0 is taken over voiced frames only, so the fair target for a ramp
    is the ramp's own median over those same frames, not over the whole file.
    """
    track = measure.pitch_track(y)
    voiced = np.isfinite(track.values)
    times = track.times[voiced] if voiced.any() else track.times
    start, end = ramp
    return float(np.median(start + (end - start) * times / (len(y) / SAMPLE_RATE)))


def _spectrogram_png(path: Path, x: np.ndarray, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    power = audio_io.power_spectrogram(x)
    db = 10 * np.log10(power / power.max())
    fig, ax = plt.subplots(figsize=(6, 2.4), dpi=90)
    ax.imshow(db.T, origin="lower", aspect="auto", vmin=-80, vmax=0, cmap="magma",
              extent=[0, len(x) / SAMPLE_RATE, 0, SAMPLE_RATE / 2000])
    ax.set_xlabel("time (s)")
    ax.set_ylabel("kHz")
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp)
    plt.close(fig)


def _fmt(value: float | None) -> str:
    return "-" if value is None or not math.isfinite(value) else f"{value:.0f}"


def expected(item: DemoItem, source: dict[str, float], factor: str) -> float | None:
    """What a factor should measure on an output: its target if edited, else the source's."""
    if factor in item.targets:
        return item.targets[factor]
    if item.name == "whisper" and factor == "f0":
        return None  # no f0 is expected
    return source[factor]


def table(items: list[DemoItem], source: dict[str, float]) -> str:
    """Plain-text table: expected value beside Praat's measurement, edited factor starred."""
    head = f"{'output':<9} {'edit':<26} " + " ".join(f"{f + ' want':>8} {f + ' got':>7}"
                                                      for f in FACTORS)
    lines = [head, "-" * len(head)]
    for it in items:
        cells = []
        for f in FACTORS:
            want = _fmt(expected(it, source, f)) + ("*" if f in it.targets else " ")
            got = _fmt(it.measured.get(f) if it.measured else None)
            cells.append(f"{want:>8} {got:>7}")
        lines.append(f"{it.name:<9} {it.description[:26]:<26} " + " ".join(cells))
    return "\n".join(lines)


def _html(items: list[DemoItem], source: dict[str, float], text_table: str, info: str) -> str:
    rows = []
    for it in items:
        meas = ", ".join(f"{f} {_fmt(it.measured.get(f))}" for f in FACTORS) if it.measured else ""
        tgt = ", ".join(f"{f} {_fmt(v)}" for f, v in it.targets.items()) or "-"
        rows.append(
            f"<div class='item'><h3>{html.escape(it.name)}</h3>"
            f"<p>{html.escape(it.description)}<br>target: {tgt}<br>Praat: {meas}</p>"
            f"<audio controls src='{it.name}.wav'></audio><br>"
            f"<img src='{it.name}.png' alt='spectrogram of {it.name}'></div>")
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>sfvae demo</title>"
        "<style>body{font-family:sans-serif;max-width:1100px;margin:auto}"
        ".item{display:inline-block;vertical-align:top;margin:8px;width:540px}"
        "pre{background:#f4f4f4;padding:8px;overflow:auto}</style></head><body>"
        "<h1>sfvae demo</h1>"
        f"<p>{html.escape(info)}</p><h2>Targets and Praat measurements (Hz, medians over "
        f"voiced frames)</h2><pre>{html.escape(text_table)}</pre>"
        + "".join(rows) + "</body></html>")


def run_demo(out_dir: str | os.PathLike = "sfvae-demo", input_path: str | os.PathLike | None = None,
             model=None, control=None, phase: str | None = None, verbose: bool = True) -> list[DemoItem]:
    """Run every demo edit on the example; returns the items with their measurements."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    src_path = Path(input_path) if input_path else example_path()
    x = audio_io.load(src_path)
    source = measure.measure(x)
    items = plan_edits(source)
    options = {k: v for k, v in (("model", model), ("control", control), ("phase", phase))
               if v is not None}
    for it in items:
        start = time.perf_counter()
        y = x if it.request is None else edit(x, it.request, method="sfvae", **options)
        it.seconds = time.perf_counter() - start
        audio_io.save(out / f"{it.name}.wav", y)
        _spectrogram_png(out / f"{it.name}.png", y, f"{it.name}: {it.description}")
        it.measured = measure.measure(y)
        if it.request is not None and isinstance(it.request.f0, tuple):
            it.targets["f0"] = ramp_expectation(y, it.request.f0)
    text = table(items, source)
    duration = len(x) / SAMPLE_RATE
    edit_time = sum(it.seconds for it in items if it.request is not None)
    n_edits = sum(1 for it in items if it.request is not None)
    info = (f"Input: {src_path.name}, {duration:.2f} s. {n_edits} edits in {edit_time:.2f} s "
            f"({n_edits * duration / max(edit_time, 1e-9):.0f}x real time).")
    write_text(out / "index.html", _html(items, source, text, info))
    if verbose:
        print(info)
        print(text)
        print(f"\nWrote {len(items)} wav files and {out / 'index.html'}")
    return items


def run_synth_demo(out_dir: str | os.PathLike, verbose: bool = True) -> list[dict]:
    """Fallback when no model/control is installed: synthesize vowels, measure them with Praat."""
    from .synth import synthesize

    out = Path(out_dir)
    rows = []
    # Vowels whose F1 lies well above f0: Praat's Burg analysis mismeasures close-vowel F1/F2
    # (/i/, /u/) on a harmonic source, which would read as a synthesizer error here.
    for name, f0, formants in (("male-a", 110.0, (730.0, 1090.0, 2440.0)),
                               ("female-ae", 220.0, (660.0, 1700.0, 2800.0)),
                               ("ramp-f0", (120.0, 180.0), (600.0, 1500.0, 2500.0))):
        x = synthesize(f0=f0, formants=formants, duration=1.0, seed=0)
        audio_io.save(out / f"{name}.wav", x)
        m = measure.measure(x)
        rows.append({"file": f"{name}.wav", "f0": f0, "formants": formants, "praat": m})
        if verbose:
            print(f"{name:<9} label f0 {f0} F {formants} | Praat f0 {m['f0']:.1f} "
                  f"F1 {m['f1']:.0f} F2 {m['f2']:.0f} F3 {m['f3']:.0f}")
    return rows


def _main(args) -> int:
    import warnings

    from .control.cli import print_warnings
    from .errors import InputError
    from .fileio import check_output

    check_output(args.output, "dir")
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            run_demo(args.output, input_path=args.input, model=args.model, control=args.control,
                     phase=args.phase)
        print_warnings(caught)
    except InputError as exc:
        if args.model is None and "default" in str(exc):
            print(f"sfvae demo: {exc}; running the synthesizer demo instead")
            run_synth_demo(args.output)
            return 0
        raise
    return 0


def register(sub) -> None:
    p = sub.add_parser("demo", help="edit the shipped speech example; write wavs + an HTML page")
    p.add_argument("-o", "--output", default="sfvae-demo", help="output folder (default: sfvae-demo)")
    p.add_argument("--input", default=None, help="another speech file instead of the example")
    p.add_argument("--model", default=None, help="model file (default: the shipped model)")
    p.add_argument("--control", default=None, help="control file (default: the shipped one)")
    p.add_argument("--phase", default=None, help="phase reconstruction method")
    p.set_defaults(func=_main)
