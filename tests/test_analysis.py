"""Analysis report: numbers on constructed cases with known answers, files, CLI, reference."""

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from conftest import reference_weights_path

from sfvae.analysis import (
    FactorPoints,
    analyze,
    dot_matrix,
    from_control,
    from_subspace_dir,
    leakage,
    max_abs_dots,
    principal_cosines,
    regression_quality,
    side_by_side,
    summarize,
    write_report,
)
from sfvae.cli import main
from sfvae.control.subspace import Subspace
from sfvae.errors import ArgumentError, InputError

K = 6
RELEASED = reference_weights_path().parent


def _sub(basis, mean=None):
    basis = np.asarray(basis, dtype=float).reshape(K, -1)
    m = basis.shape[1]
    eig = np.r_[np.linspace(2, 1, m), np.full(K - m, 0.1)]
    return Subspace(np.zeros(K) if mean is None else mean, basis, eig, eig / eig.sum())


def _axes(*idx):
    return np.eye(K)[:, list(idx)]


def test_orthogonal_subspaces_give_zero():
    subs = {"f0": _sub(_axes(0, 1)), "f1": _sub(_axes(2, 3, 4)),
            "f2": _sub(_axes(5))}
    assert max_abs_dots(subs) == {"f0-f1": 0.0, "f0-f2": 0.0, "f1-f2": 0.0}
    cos = principal_cosines(subs)
    assert list(cos) == ["f0-f1", "f0-f2", "f1-f2"]
    for pair, n in (("f0-f1", 2), ("f0-f2", 1), ("f1-f2", 1)):
        assert len(cos[pair]) == n and np.allclose(cos[pair], 0.0, atol=1e-12)
    dots, labels = dot_matrix(subs)
    assert labels == ["f0.1", "f0.2", "f1.1", "f1.2", "f1.3", "f2.1"]
    np.testing.assert_allclose(dots, np.eye(6), atol=1e-12)


def test_identical_span_gives_one_whatever_the_basis():
    """A basis rotated by 45 degrees within the same plane: dot products 0.71 (basis-dependent),
    principal-angle cosines exactly 1 (the same subspace)."""
    c = np.sqrt(0.5)
    rotated = np.zeros((K, 2))
    rotated[0] = [c, -c]
    rotated[1] = [c, c]
    subs = {"f0": _sub(_axes(0, 1)), "f1": _sub(rotated)}
    assert max_abs_dots(subs)["f0-f1"] == pytest.approx(c)
    np.testing.assert_allclose(principal_cosines(subs)["f0-f1"], [1.0, 1.0], atol=1e-9)


def test_known_angle():
    theta = np.deg2rad(70)
    v = np.zeros(K)
    v[0], v[3] = np.cos(theta), np.sin(theta)
    subs = {"f0": _sub(_axes(0, 1)), "f2": _sub(v)}
    np.testing.assert_allclose(principal_cosines(subs)["f0-f2"], [np.cos(theta)], atol=1e-9)
    assert max_abs_dots(subs)["f0-f2"] == pytest.approx(np.cos(theta))


def _points(rng, axis, values, noise=0.0, mean=None):
    mu = np.zeros((len(values), K)) if mean is None else np.tile(mean, (len(values), 1))
    mu[:, axis] += (values - values.mean()) / values.std()
    mu += noise * rng.standard_normal(mu.shape)
    return FactorPoints(values, mu)


def test_leakage_and_regression_on_constructed_points():
    rng = np.random.default_rng(0)
    y0, y1 = np.linspace(100, 300, 60), np.linspace(200, 1000, 80)
    subs = {"f0": _sub(_axes(0)), "f1": _sub(_axes(2))}
    # D_f1 also moves axis 0 by 10 % of its spread: a known leak of 0.1^2 into U_f0.
    pts = {"f0": _points(rng, 0, y0), "f1": _points(rng, 2, y1)}
    pts["f1"].mu[:, 0] += 0.1 * pts["f1"].mu[:, 2]
    leak = leakage(subs, pts)
    assert leak["f0"]["f0"] == pytest.approx(1.0) and leak["f1"]["f1"] == pytest.approx(1.0)
    assert leak["f0"]["f1"] == pytest.approx(0.01, rel=1e-6)
    assert leak["f1"]["f0"] == pytest.approx(0.0, abs=1e-12)
    # Coordinates linear in y: the fitted g is exact and inverts to y.
    q = regression_quality(subs["f0"], pts["f0"])
    assert q["origin"] == "fitted by the report"
    assert q["r2"] == pytest.approx(1.0, abs=1e-9)
    assert q["inversion_error_percent"] < 0.05
    # Noise only: nothing to explain.
    noisy = FactorPoints(y0, rng.standard_normal((len(y0), K)))
    assert regression_quality(subs["f0"], noisy)["r2"] < 0.3


def test_write_report_files_and_numbers(tmp_path):
    rng = np.random.default_rng(1)
    subs = {"f0": _sub(_axes(0, 1)), "f1": _sub(_axes(1, 2)), "f2": _sub(_axes(4))}
    pts = {"f0": _points(rng, 0, np.linspace(100, 300, 50), 0.01),
           "f1": _points(rng, 2, np.linspace(200, 1000, 50), 0.01),
           "f2": _points(rng, 4, np.linspace(1000, 2800, 50), 0.01)}
    report = write_report(tmp_path / "rep", subs, pts, title="constructed")
    files = {p.name for p in (tmp_path / "rep").iterdir()}
    assert {"report.md", "summary.json", "variance.png", "dot_products.png",
            "principal_angles.png", "trajectories.png", "regression_f0.png",
            "regression_f1.png", "regression_f2.png"} <= files
    assert not [f for f in files if f.startswith(".")]  # no temporary files left
    for name in files - {"report.md", "summary.json"}:
        assert (tmp_path / "rep" / name).read_bytes()[:4] == b"\x89PNG"
    summary = json.loads((tmp_path / "rep" / "summary.json").read_text())
    # f0 and f1 share axis 1: one principal cosine 1, one 0; f2 is orthogonal to both.
    np.testing.assert_allclose(summary["principal_cosines"]["f0-f1"], [1.0, 0.0], atol=1e-9)
    assert summary["max_abs_dot"]["f0-f1"] == pytest.approx(1.0)
    assert summary["max_abs_dot"]["f0-f2"] == 0.0 and summary["max_abs_dot"]["f1-f2"] == 0.0
    assert summary["max_abs_dot_overall"] == pytest.approx(1.0)
    assert summary["factors"]["f0"]["n_axes"] == 2
    assert summary["factors"]["f0"]["variance_retained"] == pytest.approx(3 / 3.4)
    assert summary["n_points"] == {"f0": 50, "f1": 50, "f2": 50}
    text = report.read_text()
    assert "| f0-f1 | 1.000 | 1.000, 0.000 |" in text and "![trajectories](trajectories.png)" in text
    assert summary == json.loads(json.dumps(summarize(subs, pts) | {"title": "constructed",
                                                                   "notes": []}))
    table = side_by_side({"a": tmp_path / "rep", "b": tmp_path / "rep"})
    assert "| M per factor (f0, f1, f2) | 2, 2, 1 | 2, 2, 1 |" in table
    assert "| f0-f1: max abs dot / cosines | 1.00 / 1.00, 0.00 | 1.00 / 1.00, 0.00 |" in table
    with pytest.raises(InputError, match="no such report summary"):
        side_by_side({"x": tmp_path})


def test_from_control_matches_the_control(tmp_path):
    from sfvae.control.learn import Control, FactorControl
    from sfvae.control.regression import fit_piecewise_linear
    from sfvae.control.subspace import fit_subspace

    rng = np.random.default_rng(2)
    y = np.linspace(100, 300, 80)
    mu = rng.standard_normal((80, K)) * 0.1
    mu[:, 0] += np.sin(y / 60)
    mu[:, 1] += (y - 200) / 50
    sub = fit_subspace(mu, np.full_like(mu, 0.01))
    control = Control({"f0": FactorControl(sub, fit_piecewise_linear(y, sub.project(mu)))})
    path = control.save(tmp_path / "c.npz")
    subs, regressions = from_control(path)
    assert list(subs) == ["f0"] and list(regressions) == ["f0"]
    np.testing.assert_allclose(subs["f0"].basis, sub.basis)
    assert subs["f0"].retained == pytest.approx(float(sub.variance_ratio[:sub.n_axes].sum()))
    q = regression_quality(subs["f0"], FactorPoints(y, mu), regressions["f0"])
    assert q["origin"] == "learned" and q["r2"] > 0.9


def _write_subspace_dir(directory: Path, dim: int = 16, seed: int = 0) -> dict:
    directory.mkdir(parents=True, exist_ok=True)
    q, _ = np.linalg.qr(np.random.default_rng(seed).standard_normal((dim, dim)))
    bases = {"f0": q[:, :3], "f1": q[:, 3:4], "f2": q[:, 4:6], "f3": q[:, 6:9]}
    for i, (_name, basis) in enumerate(bases.items()):
        m = basis.shape[1]
        np.savez(directory / f"subspace_f{i}.npz", U=basis, eigenvalues=np.arange(m, 0, -1.0),
                 variance_ratio=np.arange(m, 0, -1.0) / 10, mean=np.zeros(dim))
    return bases


def test_subspace_dir_round_trip_and_errors(tmp_path):
    bases = _write_subspace_dir(tmp_path / "subs")
    subs = from_subspace_dir(tmp_path / "subs")
    assert list(subs) == ["f0", "f1", "f2", "f3"]
    np.testing.assert_allclose(subs["f2"].basis, bases["f2"])
    assert all(v < 1e-9 for v in max_abs_dots(subs).values())
    with pytest.raises(InputError, match="no subspace_f"):
        from_subspace_dir(tmp_path)
    np.savez(tmp_path / "subs" / "subspace_f1.npz", U=np.ones((16, 2)), eigenvalues=[1, 1],
             variance_ratio=[0.5, 0.5], mean=np.zeros(16))
    with pytest.raises(InputError, match="not orthonormal"):
        from_subspace_dir(tmp_path / "subs")


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    from sfvae.model.io import save_model
    from sfvae.model.vae import VAE

    torch.manual_seed(0)
    return save_model(tmp_path_factory.mktemp("m") / "tiny.pt", VAE())


def test_cli_analyze_with_encoded_datasets(tmp_path, tiny_model):
    """End to end: generated factor datasets (thinned grids) encoded by a model, released-style
    subspace files, a comparison set; exit 0 and a complete report."""
    _write_subspace_dir(tmp_path / "subs")
    rc = main(["analyze", "--model", str(tiny_model), "--subspaces", str(tmp_path / "subs"),
               "--compare", str(tmp_path / "subs"), "--grid-stride", "40",
               "-o", str(tmp_path / "rep")])
    assert rc == 0
    summary = json.loads((tmp_path / "rep" / "summary.json").read_text())
    assert set(summary["regression"]) == {"f0", "f1", "f2", "f3"}
    assert all(n >= 5 for n in summary["n_points"].values())
    # Compared with itself: every principal cosine is 1.
    for values in summary["cosines_to_comparison"].values():
        np.testing.assert_allclose(values, 1.0, atol=1e-9)
    assert (tmp_path / "rep" / "regression_f3.png").exists()


def test_cli_errors(tmp_path, tiny_model, capsys):
    assert main(["analyze", "--model", str(tiny_model), "--subspaces", str(tmp_path / "none"),
                 "--no-points", "-o", str(tmp_path / "rep")]) == 2
    assert "no such directory" in capsys.readouterr().err
    small = tmp_path / "k8"
    _write_subspace_dir(small, dim=8)
    assert main(["analyze", "--model", str(tiny_model), "--subspaces", str(small),
                 "--no-points", "-o", str(tmp_path / "rep")]) == 2
    assert "16-dimensional" in capsys.readouterr().err
    assert not (tmp_path / "rep" / "report.md").exists()


@pytest.mark.skipif(not RELEASED.exists(), reason="../shared/reference/official-sfvae absent")
def test_released_subspaces_numbers(tmp_path):
    """The released files' dot products, as measured independently in the reference README."""
    rc = main(["analyze", "--model", str(RELEASED / "vae_wsj0_state_dict.pt"),
               "--subspaces", str(RELEASED), "--no-points", "-o", str(tmp_path / "rep")])
    assert rc == 0
    dots = json.loads((tmp_path / "rep" / "summary.json").read_text())["max_abs_dot"]
    expected = {"f0-f3": 0.95, "f1-f3": 0.66, "f0-f1": 0.57, "f1-f2": 0.43, "f0-f2": 0.11,
                "f2-f3": 0.13}
    for pair, value in expected.items():
        assert dots[pair] == pytest.approx(value, abs=0.006), pair


def test_control_of_another_model_is_flagged(tmp_path, tiny_model):
    from sfvae.control.learn import Control, FactorControl, model_fingerprint
    from sfvae.control.regression import fit_piecewise_linear
    from sfvae.control.subspace import fit_subspace
    from sfvae.model import load_model

    rng = np.random.default_rng(3)
    y = np.linspace(100, 300, 40)
    mu = rng.standard_normal((40, 16))
    sub = fit_subspace(mu, None, n_axes=2)
    fc = FactorControl(sub, fit_piecewise_linear(y, sub.project(mu), n_segments=2))
    for name, sha in (("other", "0123456789abcdef"), ("same", model_fingerprint(load_model(tiny_model)))):
        path = Control({"f0": fc}, {"model_sha256_16": sha}).save(tmp_path / f"{name}.npz")
        report = analyze(tmp_path / name, model=tiny_model, control=path, with_points=False)
        assert ("WARNING: the control was learned on another model" in report.read_text()) == (name == "other")
    with pytest.raises(ArgumentError, match="different models' latent spaces"):
        analyze(tmp_path / "x", model=tiny_model, control=tmp_path / "same.npz",
                compare=tmp_path / "other.npz", with_points=False)


def test_per_voice_regressions_are_used_for_their_voices():
    """Two voices whose coordinates differ by an offset: one pooled g cannot fit both; each
    voice's own g does (R^2 1, y read back exactly)."""
    from sfvae.control.learn import FactorControl
    from sfvae.control.regression import fit_piecewise_linear

    y = np.tile(np.linspace(100, 300, 41), 2)
    voices = np.repeat(["male", "female"], 41)
    mu = np.zeros((82, K))
    mu[:, 0] = (y - 200) / 50 + np.where(voices == "female", 3.0, 0.0)
    sub = _sub(_axes(0))
    coords = sub.project(mu)
    learned = FactorControl(sub, fit_piecewise_linear(y, coords),
                            {v: fit_piecewise_linear(y[voices == v], coords[voices == v])
                             for v in ("male", "female")})
    q = regression_quality(sub, FactorPoints(y, mu, speakers=voices), learned)
    assert q["r2"] < 0.5 and q["inversion_error_percent"] > 10
    assert q["r2_per_voice_g"] == pytest.approx(1.0, abs=1e-9)
    assert q["inversion_error_percent_per_voice_g"] < 0.05
    # Without voice labels only the pooled numbers exist.
    assert "r2_per_voice_g" not in regression_quality(sub, FactorPoints(y, mu), learned)
