"""Disentanglement report of a set of latent subspaces (one per factor), METHOD section 3.

Input: per factor a :class:`sfvae.control.subspace.Subspace` (centre m_i, basis U_i,
eigenvalues) and, when learned, its regressions g_i (a :class:`sfvae.control.learn.FactorControl`),
from a learned control (:func:`from_control`) or from released subspace files
(:func:`from_subspace_dir`, subspaces only); optionally the per-file points used to learn them
(:class:`FactorPoints`: factor values y_n and posterior means mu_n), recomputed by encoding
the factor datasets (:func:`encode_factor_datasets`).

Numbers (:func:`summarize`, written to summary.json): M_i and the variance it retains; the
|dot products| between all unit vectors of all U_i (max per pair); principal-angle cosines
between every pair of subspaces (singular values of U_i^T U_j, basis-free); with points,
the leakage of each dataset D_j into each subspace U_i (variance of U_i^T mu over D_j relative
to that over D_i), the regression fit (R^2) and the error of reading y back by inverting g_i.
Figures (PNG, matplotlib Agg) and report.md: :func:`write_report`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy.linalg import subspace_angles

from ..control.subspace import Subspace
from ..errors import ArgumentError, InputError
from ..factors import FACTORS, factor_grid
from ..fileio import write_text

__all__ = [
    "FactorPoints", "from_control", "from_subspace_dir",
    "encode_factor_datasets", "dot_matrix", "max_abs_dots", "principal_cosines", "leakage",
    "regression_quality", "summarize", "write_report",
]



@dataclass
class FactorPoints:
    """Per labelled file: the factor value (Hz) and the posterior mean [N, K]."""

    values: np.ndarray
    mu: np.ndarray
    contexts: np.ndarray | None = None
    speakers: np.ndarray | None = None  # voice of each file (matches FactorControl.speakers)
    extra: dict = field(default_factory=dict)


def _ordered(names) -> list[str]:
    return sorted(names, key=lambda n: (FACTORS.index(n) if n in FACTORS else 99, n))


def _check_basis(name: str, basis: np.ndarray, mean: np.ndarray, source) -> None:
    if basis.ndim != 2 or mean.ndim != 1 or basis.shape[0] != mean.shape[0]:
        raise InputError(source, f"{name}: basis {basis.shape} does not fit mean {mean.shape}")
    gram = basis.T @ basis
    if not np.allclose(gram, np.eye(basis.shape[1]), atol=1e-4):
        raise InputError(source, f"{name}: basis columns are not orthonormal "
                                 f"(max |U^T U - I| = {np.max(np.abs(gram - np.eye(len(gram)))):.2g})")


def from_control(control) -> tuple[dict[str, Subspace], dict]:
    """Subspaces of a :class:`sfvae.control.learn.Control` (object or path), and per factor
    its learned regressions (the control's ``FactorControl``: ``regression``, ``speakers``)."""
    from ..control.learn import load_control

    control = load_control(control)
    subspaces, regressions = {}, {}
    for name in _ordered(control.factors):
        fc = control.factors[name]
        s = fc.subspace
        subspaces[name] = Subspace(np.asarray(s.mean, float), np.asarray(s.basis, float),
                                   np.asarray(s.eigenvalues, float),
                                   np.asarray(s.variance_ratio, float))
        regressions[name] = fc
    return subspaces, regressions


def from_subspace_dir(directory: str | os.PathLike) -> dict[str, Subspace]:
    """Released subspace files ``subspace_f{0,1,2,3}.npz`` (U, eigenvalues, variance_ratio, mean)."""
    directory = Path(directory)
    if not directory.is_dir():
        raise InputError(directory, "no such directory of subspace files")
    out = {}
    for path in sorted(directory.glob("subspace_f*.npz")):
        name = path.stem.replace("subspace_", "")
        try:
            with np.load(path, allow_pickle=False) as data:
                basis, mean = np.asarray(data["U"], float), np.asarray(data["mean"], float)
                eig = np.asarray(data["eigenvalues"], float)
                ratio = np.asarray(data["variance_ratio"], float)
        except (OSError, ValueError, KeyError) as exc:
            raise InputError(path, f"not a subspace file with U, eigenvalues, variance_ratio, "
                                   f"mean ({str(exc)[:80]})") from None
        _check_basis(name, basis, mean, path)
        out[name] = Subspace(mean, basis, eig, ratio)
    if not out:
        raise InputError(directory, "holds no subspace_f*.npz files")
    return {n: out[n] for n in _ordered(out)}


def encode_factor_datasets(model, factors=None, factor_names=FACTORS, grid_stride: int = 1,
                           seed: int = 0, jobs: int = 1) -> tuple[dict[str, FactorPoints], dict]:
    """Encode the factor datasets with ``model``: one point per file, as `sfvae learn` does.

    ``factors``: None (generate them with sfvae.synth, every ``grid_stride``-th value of the
    default grid set, the human ranges) or a directory written by ``sfvae synth factors``.
    Returns the points and the datasets themselves ({name: FactorDataset}) so that a
    control can be learned on them.
    """
    from ..control.learn import encode_examples
    from ..synth.factors import factor_dataset, load_factor_dataset

    points, datasets = {}, {}
    for name in factor_names:
        if factors is None:
            ds = factor_dataset(name, grid=factor_grid(name, stride=grid_stride), seed=seed, jobs=jobs)
        else:
            ds = load_factor_dataset(factors, name)
        mu, _ = encode_examples(model, ds.audio)
        points[name] = FactorPoints(np.asarray(ds.values, float), mu, ds.column("context"),
                                    ds.column("speaker"))
        datasets[name] = ds
    return points, datasets


# --------------------------------------------------------------------------- numbers

def _pairs(names):
    return [(a, b) for i, a in enumerate(names) for b in names[i + 1:]]


def dot_matrix(subspaces: Mapping[str, Subspace]) -> tuple[np.ndarray, list[str]]:
    """|U^T U| over the concatenated bases [sum M, sum M], and a label per axis ("f0.1")."""
    names = list(subspaces)
    basis = np.concatenate([subspaces[n].basis for n in names], axis=1)
    labels = [f"{n}.{k + 1}" for n in names for k in range(subspaces[n].n_axes)]
    return np.abs(basis.T @ basis), labels


def max_abs_dots(subspaces: Mapping[str, Subspace]) -> dict[str, float]:
    """Largest |u . v| between a unit vector of U_i and one of U_j, per pair "fi-fj"."""
    return {f"{a}-{b}": float(np.max(np.abs(subspaces[a].basis.T @ subspaces[b].basis)))
            for a, b in _pairs(list(subspaces))}


def principal_cosines(subspaces: Mapping[str, Subspace]) -> dict[str, list[float]]:
    """Cosines of the principal angles between U_i and U_j (descending), per pair."""
    out = {}
    for a, b in _pairs(list(subspaces)):
        angles = subspace_angles(subspaces[a].basis, subspaces[b].basis)
        out[f"{a}-{b}"] = sorted((float(c) for c in np.clip(np.cos(angles), 0.0, 1.0)),
                                 reverse=True)
    return out


def cross_principal_cosines(first: Mapping[str, Subspace],
                            second: Mapping[str, Subspace]) -> dict[str, list[float]]:
    """Principal-angle cosines between the same factor's subspace in two sets."""
    out = {}
    for name in first:
        if name in second and first[name].basis.shape[0] == second[name].basis.shape[0]:
            angles = subspace_angles(first[name].basis, second[name].basis)
            out[name] = sorted((float(c) for c in np.clip(np.cos(angles), 0, 1)), reverse=True)
    return out


def leakage(subspaces: Mapping[str, Subspace],
            points: Mapping[str, FactorPoints]) -> dict[str, dict[str, float]]:
    """leak[i][j] = tr Var_{D_j}(U_i^T mu) / tr Var_{D_i}(U_i^T mu).

    How much sweeping factor j moves the coordinates of subspace i, relative to sweeping
    factor i itself (diagonal = 1). Variances are within contexts (each context's own mean
    removed), so that fixed differences between voices do not count as leakage.
    """
    def spread(sub, pts):
        coords = sub.project(pts.mu)
        labels = (np.zeros(len(coords), int) if pts.contexts is None
                  else np.unique(np.asarray(pts.contexts).astype(str), return_inverse=True)[1])
        centred = coords.copy()
        for g in np.unique(labels):
            centred[labels == g] -= coords[labels == g].mean(axis=0)
        return float(np.sum(centred**2) / len(coords))

    out = {}
    for i in subspaces:
        if i not in points:
            continue
        own = spread(subspaces[i], points[i])
        out[i] = {j: spread(subspaces[i], points[j]) / max(own, 1e-300)
                  for j in subspaces if j in points}
    return out


def _regression_for(sub: Subspace, pts: FactorPoints, learned=None):
    """The learned g_i (``learned``: a FactorControl), or one fitted here (released files
    have none)."""
    if learned is not None:
        return learned.regression, "learned"
    from ..control.regression import fit_piecewise_linear

    return fit_piecewise_linear(pts.values, sub.project(pts.mu)), "fitted by the report"


def regression_quality(sub: Subspace, pts: FactorPoints, learned=None) -> dict:
    """R^2 of g_i on the points (all axes pooled and per axis), and the error of y read back
    by inverting g_i (mean |y_hat - y| / y, %). ``learned``: the factor's FactorControl
    (its pooled g and each voice's g); without it g is fitted here."""
    reg, origin = _regression_for(sub, pts, learned)
    voice_regressions = learned.speakers if learned is not None else {}
    coords = sub.project(pts.mu)
    pred = reg(pts.values)
    res = np.sum((coords - pred) ** 2, axis=0)
    tot = np.sum((coords - coords.mean(axis=0)) ** 2, axis=0)
    out = {"origin": origin,
           "r2": float(1.0 - res.sum() / max(tot.sum(), 1e-300)),
           "r2_per_axis": [float(1.0 - r / max(t, 1e-300)) for r, t in zip(res, tot)]}
    if hasattr(reg, "invert"):
        y_hat = reg.invert(coords)
        out["inversion_error_percent"] = float(np.mean(np.abs(y_hat - pts.values) / pts.values) * 100)
    voices = np.asarray(pts.speakers).astype(str) if pts.speakers is not None else None
    if voice_regressions and voices is not None and set(voices) <= set(voice_regressions):
        # Each file read back with its own voice's g (what the control does for a known voice).
        pred = np.empty_like(coords)
        y_hat = np.empty(len(voices))
        for voice, g in voice_regressions.items():
            sel = voices == voice
            if sel.any():
                pred[sel] = g(pts.values[sel])
                y_hat[sel] = g.invert(coords[sel])
        out["r2_per_voice_g"] = float(1.0 - np.sum((coords - pred) ** 2) / max(tot.sum(), 1e-300))
        out["inversion_error_percent_per_voice_g"] = float(
            np.mean(np.abs(y_hat - pts.values) / pts.values) * 100)
    return out


def summarize(subspaces: Mapping[str, Subspace],
              points: Mapping[str, FactorPoints] | None = None,
              compare: Mapping[str, Subspace] | None = None,
              regressions: Mapping | None = None) -> dict:
    """All report numbers as a JSON-able dict. ``regressions``: {factor: FactorControl} of a
    learned control (as :func:`from_control` returns); without, g is fitted here."""
    regressions = regressions or {}
    summary = {
        "factors": {
            n: {"n_axes": s.n_axes, "variance_retained": s.retained,
                "variance_ratio": [float(v) for v in s.variance_ratio],
                "eigenvalues": [float(v) for v in s.eigenvalues]}
            for n, s in subspaces.items()},
        "max_abs_dot": max_abs_dots(subspaces),
        "principal_cosines": principal_cosines(subspaces),
    }
    dots, _ = dot_matrix(subspaces)
    off_block = np.ones_like(dots, dtype=bool)
    start = 0
    for s in subspaces.values():
        off_block[start:start + s.n_axes, start:start + s.n_axes] = False
        start += s.n_axes
    summary["max_abs_dot_overall"] = float(dots[off_block].max()) if off_block.any() else 0.0
    pc = summary["principal_cosines"]
    summary["max_principal_cosine_overall"] = max((v[0] for v in pc.values()), default=0.0)
    if points:
        summary["leakage"] = leakage(subspaces, points)
        summary["regression"] = {n: regression_quality(subspaces[n], points[n], regressions.get(n))
                                 for n in subspaces if n in points}
        summary["n_points"] = {n: int(len(p.values)) for n, p in points.items()}
    if compare:
        summary["cosines_to_comparison"] = cross_principal_cosines(subspaces, compare)
    return summary


# --------------------------------------------------------------------------- figures

def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path: Path) -> None:
    from ..fileio import atomic_path

    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=110)
    _pyplot().close(fig)


def _fig_variance(subspaces, path: Path, threshold: float | None) -> None:
    plt = _pyplot()
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    for name, s in subspaces.items():
        k = np.arange(1, len(s.variance_ratio) + 1)
        (line,) = ax1.plot(k, np.cumsum(s.variance_ratio), "o-", ms=3, label=name)
        ax1.plot([s.n_axes], [s.retained], "s", ms=9, mfc="none", color=line.get_color())
        ax2.semilogy(np.arange(1, len(s.eigenvalues) + 1), np.maximum(s.eigenvalues, 1e-12),
                     "o-", ms=3, label=name)
    if threshold:
        ax1.axhline(threshold, color="grey", ls="--", lw=1)
    ax1.set(xlabel="number of axes M", ylabel="variance retained", ylim=(0, 1.02),
            title="variance retained against M (square: chosen M)")
    ax2.set(xlabel="eigenvalue index", ylabel="eigenvalue", title="eigenvalue spectra")
    for ax in (ax1, ax2):
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    _save(fig, path)


def _fig_dots(subspaces, path: Path) -> None:
    plt = _pyplot()
    dots, labels = dot_matrix(subspaces)
    fig, ax = plt.subplots(figsize=(1.2 + 0.42 * len(labels), 0.8 + 0.42 * len(labels)))
    image = ax.imshow(dots, vmin=0, vmax=1, cmap="viridis")
    for (r, c), v in np.ndenumerate(dots):
        ax.text(c, r, f"{v:.2f}", ha="center", va="center", fontsize=6,
                color="black" if v > 0.6 else "white")
    edge = -0.5
    for s in subspaces.values():
        edge += s.n_axes
        ax.axhline(edge, color="red", lw=1.2)
        ax.axvline(edge, color="red", lw=1.2)
    ax.set_xticks(range(len(labels)), labels, rotation=90, fontsize=7)
    ax.set_yticks(range(len(labels)), labels, fontsize=7)
    ax.set_title("|dot products| between all unit vectors of all U_i")
    fig.colorbar(image, ax=ax, shrink=0.8)
    fig.tight_layout()
    _save(fig, path)


def _fig_cosines(cosines: dict, path: Path) -> None:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(1.5 + 1.1 * len(cosines), 3.6))
    for x, (_pair, values) in enumerate(cosines.items()):
        ax.scatter([x] * len(values), values, s=28, zorder=3)
        ax.vlines(x, 0, values[0] if values else 0, color="lightgrey", zorder=1)
    ax.set_xticks(range(len(cosines)), list(cosines))
    ax.set(ylim=(0, 1.02), ylabel="cos(principal angle)",
           title="principal-angle cosines between subspaces (0 = orthogonal, 1 = shared direction)")
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    _save(fig, path)


def _fig_trajectories(subspaces, points, path: Path) -> None:
    plt = _pyplot()
    names = [n for n in subspaces if n in points]
    fig = plt.figure(figsize=(4.6 * len(names), 4.4))
    for i, name in enumerate(names):
        sub, pts = subspaces[name], points[name]
        coords = sub.project(pts.mu)
        dims = min(3, sub.n_axes)
        if dims == 3:
            ax = fig.add_subplot(1, len(names), i + 1, projection="3d")
            sc = ax.scatter(coords[:, 0], coords[:, 1], coords[:, 2], c=pts.values, s=8,
                            cmap="viridis")
            ax.set(xlabel="axis 1", ylabel="axis 2", zlabel="axis 3")
        else:
            ax = fig.add_subplot(1, len(names), i + 1)
            ys = coords[:, 1] if dims == 2 else pts.values
            sc = ax.scatter(coords[:, 0], ys, c=pts.values, s=8, cmap="viridis")
            ax.set(xlabel="axis 1", ylabel="axis 2" if dims == 2 else f"{name} (Hz)")
        ax.set_title(f"{name}: U^T (mu - m), M = {sub.n_axes}")
        fig.colorbar(sc, ax=ax, shrink=0.6, label=f"{name} (Hz)")
    fig.tight_layout()
    _save(fig, path)


def _fig_regression(name: str, sub: Subspace, pts: FactorPoints, learned, path: Path) -> None:
    plt = _pyplot()
    reg, origin = _regression_for(sub, pts, learned)
    voice_regressions = learned.speakers if learned is not None else {}
    coords = sub.project(pts.mu)
    grid = np.linspace(pts.values.min(), pts.values.max(), 400)
    curve = reg(grid)
    cols = sub.n_axes
    fig, axes = plt.subplots(1, cols, figsize=(3.4 * cols, 3.0), squeeze=False)
    voices = np.asarray(pts.speakers).astype(str) if pts.speakers is not None else None
    groups = ([(v, voices == v) for v in np.unique(voices)] if voices is not None
              else [("files", np.ones(len(coords), bool))])
    for k, ax in enumerate(axes[0]):
        for i, (voice, sel) in enumerate(groups):
            ax.scatter(pts.values[sel], coords[sel, k], s=5, alpha=0.5, color=f"C{i}",
                       label=voice if voices is not None else "files")
            if voice in voice_regressions:
                ax.plot(grid, voice_regressions[voice](grid)[:, k], color=f"C{i}", lw=1,
                        ls="--", label=f"g ({voice})")
        ax.plot(grid, curve[:, k], color="C3", lw=1.5,
                label="g, pooled" if voice_regressions else "g (piecewise linear)")
        if hasattr(reg, "knots"):
            ax.plot(reg.knots, reg(reg.knots)[:, k], "|", color="C3", ms=10)
        ax.set(xlabel=f"{name} (Hz)", ylabel=f"coordinate {k + 1}")
        ax.grid(alpha=0.3)
    axes[0][0].legend(fontsize=7)
    fig.suptitle(f"{name}: regression g ({origin})", fontsize=10)
    fig.tight_layout()
    _save(fig, path)


# --------------------------------------------------------------------------- report

def _fmt_list(values, digits=2) -> str:
    return ", ".join(f"{v:.{digits}f}" for v in values)


def _markdown(summary: dict, subspaces, title: str, notes: list[str], figures: dict) -> str:
    lines = [f"# {title}", ""]
    lines += [f"- {n}" for n in notes] + [""]
    lines += ["## Subspaces", "", "| factor | M | variance retained | leading variance ratios |",
              "|---|---|---|---|"]
    for n, f in summary["factors"].items():
        lines.append(f"| {n} | {f['n_axes']} | {100 * f['variance_retained']:.1f} % | "
                     f"{_fmt_list(f['variance_ratio'][:6], 3)} |")
    lines += ["", f"![variance and eigenvalues]({figures['variance']})", ""]
    lines += ["## Disentanglement", "",
              f"Largest |dot product| between unit vectors of different subspaces: "
              f"**{summary['max_abs_dot_overall']:.3f}**; largest principal-angle cosine: "
              f"**{summary['max_principal_cosine_overall']:.3f}** (0 = orthogonal).", "",
              "| pair | max abs dot | principal-angle cosines |", "|---|---|---|"]
    for pair, value in summary["max_abs_dot"].items():
        lines.append(f"| {pair} | {value:.3f} | {_fmt_list(summary['principal_cosines'][pair], 3)} |")
    lines += ["", f"![dot products]({figures['dots']})", "",
              f"![principal angles]({figures['cosines']})", ""]
    if "leakage" in summary:
        names = list(summary["leakage"])
        cols = list(next(iter(summary["leakage"].values())))
        lines += ["### Leakage", "",
                  "Variance of the subspace's coordinates U_i^T mu over dataset D_j (column), "
                  "relative to that over its own dataset D_i (within contexts). Small "
                  "off-diagonal values: sweeping another factor leaves this subspace still.", "",
                  "| subspace \\ dataset | " + " | ".join(cols) + " |",
                  "|---|" + "---|" * len(cols)]
        for i in names:
            lines.append(f"| {i} | " + " | ".join(f"{summary['leakage'][i][j]:.3f}" for j in cols) + " |")
        lines += ["", "## Trajectories and regressions", "",
                  f"![trajectories]({figures['trajectories']})", "",
                  "| factor | files | g | R^2 (all axes) | R^2 per axis | y read back by inverting g "
                  "(mean error) | with each voice's own g: R^2, error |",
                  "|---|---|---|---|---|---|---|"]
        for n, q in summary["regression"].items():
            inv = f"{q['inversion_error_percent']:.2f} %" if "inversion_error_percent" in q else "-"
            own = (f"{q['r2_per_voice_g']:.3f}, {q['inversion_error_percent_per_voice_g']:.2f} %"
                   if "r2_per_voice_g" in q else "-")
            lines.append(f"| {n} | {summary['n_points'][n]} | {q['origin']} | {q['r2']:.3f} | "
                         f"{_fmt_list(q['r2_per_axis'], 3)} | {inv} | {own} |")
        lines.append("")
        for n in summary["regression"]:
            lines += [f"![regression {n}]({figures['regression_' + n]})", ""]
    if "cosines_to_comparison" in summary:
        lines += ["## Against the comparison subspaces", "",
                  "Principal-angle cosines between each factor's subspace here and in the "
                  "comparison set (1 = the same direction is present in both).", "",
                  "| factor | cosines |", "|---|---|"]
        for n, v in summary["cosines_to_comparison"].items():
            lines.append(f"| {n} | {_fmt_list(v, 3)} |")
        lines.append("")
    return "\n".join(lines)


def write_report(out_dir: str | os.PathLike, subspaces: Mapping[str, Subspace],
                 points: Mapping[str, FactorPoints] | None = None, title: str = "sfvae analysis",
                 notes: list[str] | None = None, threshold: float | None = 0.8,
                 compare: Mapping[str, Subspace] | None = None,
                 regressions: Mapping | None = None) -> Path:
    """Write report.md, summary.json and the PNG figures into ``out_dir``; returns report.md.
    ``regressions``: {factor: FactorControl} of a learned control (see :func:`summarize`)."""
    if not subspaces:
        raise ArgumentError("nothing to analyse: no subspaces")
    dims = {s.basis.shape[0] for s in subspaces.values()}
    if len(dims) != 1:
        raise ArgumentError(f"subspaces live in latent spaces of different sizes {sorted(dims)}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    points = {n: p for n, p in (points or {}).items() if n in subspaces} or None
    regressions = regressions or {}
    summary = summarize(subspaces, points, compare, regressions)
    figures = {"variance": "variance.png", "dots": "dot_products.png",
               "cosines": "principal_angles.png"}
    _fig_variance(subspaces, out / figures["variance"], threshold)
    _fig_dots(subspaces, out / figures["dots"])
    _fig_cosines(summary["principal_cosines"], out / figures["cosines"])
    if points:
        figures["trajectories"] = "trajectories.png"
        _fig_trajectories(subspaces, points, out / figures["trajectories"])
        for n in points:
            figures[f"regression_{n}"] = f"regression_{n}.png"
            _fig_regression(n, subspaces[n], points[n], regressions.get(n),
                            out / figures[f"regression_{n}"])
    summary["title"] = title
    summary["notes"] = list(notes or [])
    write_text(out / "summary.json", json.dumps(summary, indent=2) + "\n")
    report = out / "report.md"
    write_text(report, _markdown(summary, subspaces, title, list(notes or []), figures) + "\n")
    return report


# --------------------------------------------------------------------------- one call

def _load_set(source) -> tuple[dict[str, Subspace], dict, str]:
    """A control file / Control object (subspaces and regressions), or a directory of
    released subspace files (no regressions)."""
    if source is not None and not hasattr(source, "factors") and Path(source).is_dir():
        return from_subspace_dir(source), {}, f"subspace files in {source}"
    subspaces, regressions = from_control(source)
    return subspaces, regressions, f"control {source if source is not None else '(shipped default)'}"


def _fingerprint_notes(control, vae) -> list[str]:
    """A warning when the control records a different model than the one analysed."""
    from ..control.learn import load_control, model_fingerprint

    recorded = load_control(control).metadata.get("model_sha256_16")
    actual = model_fingerprint(vae)
    if recorded and recorded != actual:
        return [f"WARNING: the control was learned on another model (weights {recorded}, this "
                f"model {actual}): the points below do not come from the model it was learned on"]
    return []


def analyze(out_dir: str | os.PathLike, model=None, control=None, subspaces=None, compare=None,
            factors=None, grid_stride: int = 1, seed: int = 0, jobs: int = 1,
            with_points: bool = True, title: str | None = None) -> Path:
    """Report on ``model``'s subspaces: those of ``control`` (file or object), of released
    ``subspaces`` files (a directory), or, when neither is given, the shipped control for the
    default model and a control learned here for any other model. Points: the factor
    datasets (``factors`` directory, or generated) encoded by ``model``."""
    from ..model import load_model
    from ..model.vae import VAE

    if control is not None and subspaces is not None:
        raise ArgumentError("give --control or --subspaces, not both")
    if grid_stride < 1:
        raise ArgumentError(f"grid stride must be >= 1, got {grid_stride}")
    model_name = "object" if isinstance(model, VAE) else (str(model) if model else "shipped default")
    vae = model if isinstance(model, VAE) else load_model(model)
    notes = [f"model: {model_name}"]
    # Inputs are read and checked before the (slow) datasets are generated.
    sets, regressions = None, {}
    if subspaces is not None:
        sets, described = from_subspace_dir(subspaces), f"subspace files in {subspaces}"
    elif control is not None or model is None:
        sets, regressions, described = _load_set(control)
        notes.extend(_fingerprint_notes(control, vae))
    other = None
    if compare is not None:
        other, _, other_described = _load_set(compare)
        if not Path(compare).is_dir() and _fingerprint_notes(compare, vae):
            raise ArgumentError(f"--compare {compare}: that control was learned on another model; "
                                "subspaces of different models' latent spaces cannot be compared")
    latent = vae.config.latent_dim
    for group in (sets, other):
        if group and any(s.basis.shape[0] != latent for s in group.values()):
            raise ArgumentError(f"the subspaces do not live in this model's {latent}-dimensional "
                                "latent space")
    points = datasets = None
    if with_points or sets is None:
        points, datasets = encode_factor_datasets(vae, factors, grid_stride=grid_stride,
                                                  seed=seed, jobs=jobs)
        src = factors if factors is not None else (
            f"generated by sfvae.synth (human grid set, grid stride {grid_stride}, seed {seed})")
        notes.append(f"points: factor datasets {src}, one point per file (posterior means "
                     "averaged over the middle segment, as `sfvae learn`)")
    if sets is None:
        from ..control.learn import learn

        learned = learn(vae, factors=datasets, seed=seed, command="sfvae analyze (learned here)")
        (sets, regressions), described = from_control(learned), ("control learned here by `sfvae learn`'s method "
                                                  "on the same datasets (threshold 0.8)")
    notes.append(f"subspaces: {described}")
    if other is not None:
        notes.append(f"comparison: {other_described}")
    if not with_points:
        points = None
    return write_report(out_dir, sets, points, title=title or "sfvae latent subspace analysis",
                        notes=notes, compare=other, regressions=regressions)


def side_by_side(report_dirs: Mapping[str, str | os.PathLike]) -> str:
    """A markdown table of the key numbers of several reports ({column label: report dir})."""
    summaries = {}
    for label, directory in report_dirs.items():
        path = Path(directory) / "summary.json"
        if not path.exists():
            raise InputError(path, "no such report summary (run `sfvae analyze` first)")
        summaries[label] = json.loads(path.read_text())
    first = next(iter(summaries.values()))
    factors = list(first["factors"])
    rows = [("M per factor (" + ", ".join(factors) + ")",
             lambda s: ", ".join(str(s["factors"][f]["n_axes"]) for f in factors)),
            ("variance retained (%)",
             lambda s: ", ".join(f"{100 * s['factors'][f]['variance_retained']:.0f}" for f in factors)),
            ("max abs dot, all pairs", lambda s: f"{s['max_abs_dot_overall']:.2f}"),
            ("max principal cosine, all pairs", lambda s: f"{s['max_principal_cosine_overall']:.2f}")]
    for pair in first["max_abs_dot"]:
        rows.append((f"{pair}: max abs dot / cosines",
                     lambda s, p=pair: f"{s['max_abs_dot'][p]:.2f} / "
                     + ", ".join(f"{c:.2f}" for c in s["principal_cosines"][p])))
    if all("leakage" in s for s in summaries.values()):
        rows.append(("largest leakage D_j -> U_i (i != j)", lambda s: "{:.2f} ({})".format(*max(
            (v, f"{j}->{i}") for i, d in s["leakage"].items() for j, v in d.items() if i != j))))
        rows.append(("inverting g: mean error (%)", lambda s: ", ".join(
            f"{s['regression'][f].get('inversion_error_percent', float('nan')):.1f}" for f in factors)))
        rows.append(("regression R^2", lambda s: ", ".join(
            f"{s['regression'][f]['r2']:.2f}" for f in factors)))
        rows.append(("inverting each voice's own g: mean error (%)", lambda s: ", ".join(
            f"{s['regression'][f]['inversion_error_percent_per_voice_g']:.1f}" for f in factors)))
    lines = ["| | " + " | ".join(summaries) + " |", "|---|" + "---|" * len(summaries)]
    for name, get in rows:
        cells = []
        for s in summaries.values():
            try:
                cells.append(get(s))
            except (KeyError, ValueError):
                cells.append("-")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
