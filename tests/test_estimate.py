"""Estimation of f0 and f1-f3 from the latent space, against Praat on synthesized vowels."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import MODELS, load_pair, model_params

from sfvae import audio as audio_io
from sfvae.cli import main
from sfvae.control.estimate import COLUMNS, estimate
from sfvae.conventions import frame_times
from sfvae.factors import FACTORS
from sfvae.measure import measure
from sfvae.synth import synthesize

# Mean |estimate - Praat| in % of Praat over the vowels (medians over the middle frames).
TOLERANCE_PCT = {"f0": 5.0, "f1": 10.0, "f2": 10.0, "f3": 10.0}
# Praat is the reference only where it measures the known value within this (%).
TRUST_PCT = 3.0


def _vowels(n: int = 10, seed: int = 0):
    """Vowels of known values spread over the learned ranges, formants kept apart."""
    rng = np.random.default_rng(seed)
    for i in range(n):
        f0 = rng.uniform(110, 290)
        f1 = rng.uniform(300, 900)
        f2 = rng.uniform(max(1100, 1.3 * f1), 2500)
        f3 = rng.uniform(max(2100, 1.2 * f2), 3100)
        yield (f0, f1, f2, f3), synthesize(f0, (f1, f2, f3), duration=0.6, seed=i)


def _errors_against_praat(model, control) -> dict[str, list[float]]:
    """|estimate - Praat| in % of Praat per factor, over the vowels Praat measures faithfully."""
    errors = {k: [] for k in FACTORS}
    for truth, x in _vowels():
        table = estimate(x, model=model, control=control)
        n = table["time"].size
        middle = slice(n // 4, 3 * n // 4)
        praat = measure(x)
        for k, value in zip(FACTORS, truth):
            if abs(praat[k] - value) / value * 100 <= TRUST_PCT:
                est = float(np.median(table[k][middle]))
                errors[k].append(100 * abs(est - praat[k]) / praat[k])
    return errors


@pytest.mark.parametrize("model_pair", model_params(
    default="measured 2026-11-24 (fine-tuned default model): mean error vs Praat f0 13.3 %, "
            "f1 5.2 %, f2 12.0 %, f3 8.0 % (tolerance 5 / 10 / 10 / 10 %)",
    reference="measured 2026-11-24: f0 5.7 %, f1 30.0 %, f2 11.1 %, f3 7.5 %"), indirect=True)
def test_estimates_agree_with_praat_on_synthesized_vowels(model_pair):
    """The goal: estimation within 5 % of Praat on f0 and 10 % on f1-f3."""
    errors = _errors_against_praat(*model_pair)
    means = {k: float(np.mean(v)) for k, v in errors.items()}
    for k in FACTORS:
        assert len(errors[k]) >= 5, errors
        assert means[k] <= TOLERANCE_PCT[k], means


# Each model's measured accuracy (2026-11-24, numbers in the xfail above) plus a margin of
# a quarter: a guard against regressions while the goal above is not met.
MEASURED_PCT = {"default": {"f0": 13.3, "f1": 5.2, "f2": 12.0, "f3": 8.0},
                "reference": {"f0": 5.7, "f1": 30.0, "f2": 11.1, "f3": 7.5}}


@pytest.mark.parametrize("name", MODELS)
def test_estimates_do_not_get_worse_than_measured(name):
    errors = _errors_against_praat(*load_pair(name))
    means = {k: float(np.mean(v)) for k, v in errors.items()}
    for k in FACTORS:
        assert means[k] <= 1.25 * MEASURED_PCT[name][k], means


def test_estimate_table_has_one_row_per_frame_within_the_learned_ranges(model_pair):
    model, control = model_pair
    x = synthesize(150.0, (600.0, 1500.0, 2500.0), duration=0.5)
    table = estimate(x, model=model, control=control)
    n = audio_io.stft(x).shape[0]
    np.testing.assert_array_equal(table["time"], frame_times(n))
    for k in FACTORS:
        lo, hi = control.range(k)
        assert table[k].shape == (n,) and np.all((table[k] >= lo) & (table[k] <= hi))


def test_estimate_cli_prints_or_writes_csv(tmp_path, capsys, default_pair):
    model, control = default_pair
    from sfvae.model import save_model

    wav = tmp_path / "in.wav"
    audio_io.save(wav, synthesize(180.0, (700.0, 1200.0, 2600.0), duration=0.5))
    weights = save_model(tmp_path / "m.pt", model)
    ctl = control.save(tmp_path / "c.npz")
    pair = ["--model", str(weights), "--control", str(ctl)]
    assert main(["estimate", str(wav), *pair]) == 0
    printed = capsys.readouterr().out.strip().splitlines()
    assert printed[0] == ",".join(COLUMNS)
    out = tmp_path / "est.csv"
    assert main(["estimate", str(wav), "--csv", str(out), *pair]) == 0
    data = np.genfromtxt(out, delimiter=",", names=True)
    assert list(data.dtype.names) == list(COLUMNS)
    assert len(data) == len(printed) - 1 == 1 + 8000 // 256
    assert np.median(data["f0"]) == pytest.approx(180.0, rel=0.05)


def test_estimate_cli_rejects_a_bad_input(tmp_path, capsys, default_pair):
    model, control = default_pair
    bad = tmp_path / "x.wav"
    bad.write_text("not audio")
    ctl = control.save(tmp_path / "c.npz")
    assert main(["estimate", str(bad), "--control", str(ctl)]) == 2
    assert "x.wav: not a readable audio file" in capsys.readouterr().err
    good = tmp_path / "v.wav"
    audio_io.save(good, synthesize(150.0, (600.0, 1500.0, 2500.0), duration=0.3))
    assert main(["estimate", str(good), "--control", str(ctl),
                 "--model", str(tmp_path / "missing.pt")]) == 2
    assert "missing.pt: no such model file" in capsys.readouterr().err
