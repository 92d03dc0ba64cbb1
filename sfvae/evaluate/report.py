"""Summaries of results.csv: summary.json, a markdown table shaped like the paper's, plots."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np

from ..factors import FACTORS
from ..fileio import write_text

PAPER_ORDER = ("sfvae", "vae-baseline", "psola", "world")


def read_results(path: str | Path) -> list[dict]:
    def num(v: str):
        try:
            return float(v) if v != "" else float("nan")
        except ValueError:
            return v

    text = {"item", "dataset", "kind", "method", "factor", "status", "error"}
    with open(path, newline="") as fh:
        return [{k: (v if k in text else num(v)) for k, v in r.items()} for r in csv.DictReader(fh)]


def _stats(values) -> dict:
    v = np.asarray([x for x in values if isinstance(x, float) and math.isfinite(x)])
    if v.size == 0:
        return {"mean": None, "std": None, "median": None, "n": 0}
    return {"mean": float(v.mean()), "std": float(v.std()), "median": float(np.median(v)),
            "n": int(v.size)}


def summarize(rows: list[dict]) -> dict:
    """Per method: per edited factor, delta statistics of every measured factor, counts,
    naturalness and speed; plus the scores of the unedited inputs."""
    methods = sorted({r["method"] for r in rows} - {"input"},
                     key=lambda m: (PAPER_ORDER.index(m) if m in PAPER_ORDER else 99, m))
    out = {"methods": {}, "input": {}}
    inputs = [r for r in rows if r["method"] == "input"]
    for s in ("nisqa", "dnsmos_ovrl", "dnsmos_sig", "dnsmos_bak", "dnsmos_p808"):
        out["input"][s] = _stats(r[s] for r in inputs)
    out["input"]["n"] = len(inputs)
    for m in methods:
        mine = [r for r in rows if r["method"] == m]
        entry = {}
        for factor in FACTORS:
            edits = [r for r in mine if r["factor"] == factor]
            if not edits:
                continue
            ok = [r for r in edits if r["status"] == "ok"]
            entry[factor] = {
                "n_edits": len(edits), "n_ok": len(ok),
                "n_unmeasured": sum(r["status"] == "unmeasured" for r in edits),
                "n_error": sum(r["status"] == "error" for r in edits),
                "delta": {f: _stats(r[f"delta_{f}"] for r in ok) for f in FACTORS},
                **{s: _stats(r[s] for r in ok) for s in
                   ("nisqa", "dnsmos_ovrl", "rtf")},
            }
        ok_all = [r for r in mine if r["status"] == "ok"]
        out["methods"][m] = {
            "factors": entry,
            "nisqa": _stats(r["nisqa"] for r in ok_all),
            "dnsmos_ovrl": _stats(r["dnsmos_ovrl"] for r in ok_all),
            "rtf": _stats(r["rtf"] for r in ok_all),
            "edit_s": _stats(r["edit_s"] for r in ok_all),
        }
    return out


def _pm(stat: dict, digits: int = 1) -> str:
    if not stat or stat.get("n", 0) == 0 or stat["mean"] is None:
        return "–"
    return f"{stat['mean']:.{digits}f} ± {stat['std']:.{digits}f}"


def markdown_table(summary: dict, notes: dict | None = None) -> str:
    """Rows: method x edited factor; columns: delta of each measured factor (%; the edited
    factor's own column in bold = accuracy, the others = disentanglement), NISQA, DNSMOS, RTF."""
    notes = notes or {}
    head = ("| method | edited | " + " | ".join(f"Δ{f} (%)" for f in FACTORS)
            + " | NISQA | DNSMOS | RTF | n |")
    lines = [head, "|" + "---|" * (len(FACTORS) + 6)]
    unsupported = notes.get("unsupported", {})
    for method, data in summary["methods"].items():
        for factor in FACTORS:
            if factor in unsupported.get(method, []):
                lines.append(f"| {method} | {factor} | " + " | ".join("n/a" for _ in FACTORS)
                             + f" | n/a | n/a | n/a | {method} cannot edit {factor} |")
                continue
            entry = data["factors"].get(factor)
            if entry is None:
                continue
            cells = []
            for f in FACTORS:
                text = _pm(entry["delta"][f])
                cells.append(f"**{text}**" if f == factor else text)
            n = f"{entry['n_ok']}/{entry['n_edits']}"
            lines.append(f"| {method} | {factor} | " + " | ".join(cells)
                         + f" | {_pm(entry['nisqa'], 2)} | {_pm(entry['dnsmos_ovrl'], 2)}"
                         f" | {_pm(entry['rtf'], 3)} | {n} |")
    inp = summary["input"]
    if inp.get("n"):
        lines.append("| input (unedited) | – | " + " | ".join("–" for _ in FACTORS)
                     + f" | {_pm(inp['nisqa'], 2)} | {_pm(inp['dnsmos_ovrl'], 2)} | – | {inp['n']} |")
    legend = ("\nΔ = |measured − reference| / reference × 100, Praat (autocorrelation pitch, Burg "
              "formants). Bold: the edited factor against its target (accuracy); the others "
              "against the input's own value (disentanglement). mean ± std over edits that Praat "
              "could measure; n = measured/attempted edits. NISQA = NISQA-TTS naturalness, DNSMOS "
              "= P.835 overall; RTF = edit time / audio duration.\n")
    skipped = notes.get("skipped_methods", {})
    extra = "".join(f"\n- {m}: not run ({why})" for m, why in skipped.items())
    if notes.get("nisqa"):
        extra += f"\n- {notes['nisqa']}"
    return "\n".join(lines) + "\n" + legend + (("\nNotes:" + extra + "\n") if extra else "")


def plot_errors(rows: list[dict], out_dir: Path) -> list[Path]:
    """delta_<factor>.png: accuracy and mean disentanglement error against the target."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    paths = []
    methods = sorted({r["method"] for r in rows} - {"input"},
                     key=lambda m: (PAPER_ORDER.index(m) if m in PAPER_ORDER else 99, m))
    for factor in FACTORS:
        edits = [r for r in rows if r["factor"] == factor and r["status"] == "ok"]
        if not edits:
            continue
        others = [f for f in FACTORS if f != factor]
        fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharex=True)
        for m in methods:
            mine = [r for r in edits if r["method"] == m]
            if not mine:
                continue
            t = np.array([r["target"] for r in mine])
            acc = np.array([r[f"delta_{factor}"] for r in mine])
            dis = np.array([np.nanmean([r[f"delta_{f}"] for f in others]) for r in mine])
            for ax, y in ((axes[0], acc), (axes[1], dis)):
                pts = ax.scatter(t, y, s=8, alpha=0.25)
                centres, means = _binned(t, y)
                ax.plot(centres, means, "-o", ms=3, color=pts.get_facecolor()[0][:3], label=m)
        axes[0].set_title(f"accuracy: Δ{factor} against the target")
        axes[1].set_title(f"disentanglement: mean Δ of {', '.join(others)}")
        for ax in axes:
            ax.set_xlabel(f"target {factor} (Hz)")
            ax.set_ylabel("Δ (%)")
            ax.set_yscale("symlog", linthresh=1.0)
            ax.grid(alpha=0.3)
        axes[0].legend()
        fig.tight_layout()
        path = out_dir / f"delta_{factor}.png"
        fig.savefig(path, dpi=110)
        plt.close(fig)
        paths.append(path)
    return paths


def _binned(t: np.ndarray, y: np.ndarray, n_bins: int = 10) -> tuple[np.ndarray, np.ndarray]:
    good = np.isfinite(y)
    t, y = t[good], y[good]
    if t.size == 0:
        return np.array([]), np.array([])
    edges = np.linspace(t.min(), t.max() + 1e-9, min(n_bins, len(np.unique(t))) + 1)
    idx = np.clip(np.digitize(t, edges) - 1, 0, len(edges) - 2)
    keep = [i for i in range(len(edges) - 1) if np.any(idx == i)]
    return (np.array([t[idx == i].mean() for i in keep]),
            np.array([y[idx == i].mean() for i in keep]))


def write_reports(out_dir: str | Path, config=None) -> dict:
    """summary.json, table.md and the plots from ``out_dir``/results.csv; returns the summary."""
    out_dir = Path(out_dir)
    rows = read_results(out_dir / "results.csv")
    summary = summarize(rows)
    notes = getattr(config, "notes", {}) if config is not None else {}
    if config is not None:
        from .harness import config_dict

        summary["config"] = config_dict(config)
    summary["notes"] = notes
    write_text(out_dir / "summary.json", json.dumps(summary, indent=2, default=str) + "\n")
    write_text(out_dir / "table.md", markdown_table(summary, notes))
    summary["plots"] = [str(p) for p in plot_errors(rows, out_dir)]
    return summary
