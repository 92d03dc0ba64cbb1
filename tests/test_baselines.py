"""Baselines behind `sfvae edit --method`: PSOLA, WORLD, vae-baseline, checked with Praat."""

from __future__ import annotations

import functools

import numpy as np
import pytest
from conftest import MODELS, load_pair

from sfvae.editing import EditRequest, edit
from sfvae.errors import ArgumentError
from sfvae.measure import measure
from sfvae.synth import synthesize

# A male /a/-like vowel; Praat measures it close to the synthesis values.
F0, FORMANTS = 120.0, (600.0, 1500.0, 2500.0)


@functools.cache
def vowel(f0: float = F0, formants: tuple = FORMANTS) -> np.ndarray:
    return synthesize(f0, formants, 1.0, seed=3)


@functools.cache
def measured_input() -> dict:
    return measure(vowel())


def rel(a: float, b: float) -> float:
    return abs(a - b) / b


# -- psola --------------------------------------------------------------------------------

@pytest.mark.parametrize("target", [100.0, 180.0, 290.0])
def test_psola_sets_f0_within_2_percent(target):
    y = edit(vowel(), EditRequest(f0=target), method="psola")
    assert y.shape == vowel().shape and y.dtype == np.float32
    assert rel(measure(y)["f0"], target) < 0.02


def test_psola_ramp_and_scale():
    from sfvae.measure import pitch_track

    y = edit(vowel(), EditRequest(f0=(110.0, 220.0)), method="psola")
    track = pitch_track(y)
    voiced = np.isfinite(track.values)
    t, f = track.times[voiced], track.values[voiced]
    expected = 110.0 + (220.0 - 110.0) * t / (len(y) / 16000)
    assert np.median(np.abs(f - expected) / expected) < 0.03
    scaled = edit(vowel(), EditRequest(f0_scale=1.5), method="psola")
    assert rel(measure(scaled)["f0"], 1.5 * measured_input()["f0"]) < 0.02


@pytest.mark.parametrize("request_kwargs", [{"f1": 500.0}, {"f3": 2600.0}, {"whisper": True}])
def test_psola_refuses_formants_and_whisper(request_kwargs):
    with pytest.raises(ArgumentError, match="psola edits f0 only"):
        edit(vowel(), EditRequest(**request_kwargs), method="psola")


def test_psola_formant_target_exits_2_from_cli(tmp_path, capsys):
    from sfvae import audio
    from sfvae.cli import main

    src = tmp_path / "in.wav"
    audio.save(src, vowel())
    out = tmp_path / "out.wav"
    assert main(["edit", str(src), "-o", str(out), "--f1", "500", "--method", "psola"]) == 2
    assert "psola edits f0 only" in capsys.readouterr().err
    assert not out.exists()
    assert main(["edit", str(src), "-o", str(out), "--f0", "200", "--method", "psola"]) == 0
    assert rel(measure(audio.load(out))["f0"], 200.0) < 0.02


# -- world --------------------------------------------------------------------------------

@pytest.mark.parametrize("target", [100.0, 200.0, 280.0])
def test_world_sets_f0_within_2_percent(target):
    y = edit(vowel(), EditRequest(f0=target), method="world")
    assert y.shape == vowel().shape
    out = measure(y)
    assert rel(out["f0"], target) < 0.02
    # The envelope is left alone (Praat reads F1 off sparser harmonics at 280 Hz: 8 %).
    assert rel(out["f1"], measured_input()["f1"]) < 0.08


@pytest.mark.parametrize("factor,target", [("f1", 800.0), ("f1", 450.0), ("f2", 1250.0),
                                           ("f2", 1800.0), ("f3", 2800.0)])
def test_world_formant_shift_moves_the_right_way_by_about_the_right_amount(factor, target):
    before = measured_input()
    out = measure(edit(vowel(), EditRequest(**{factor: target}), method="world"))
    asked = target - before[factor]
    moved = out[factor] - before[factor]
    assert np.sign(moved) == np.sign(asked)
    assert 0.5 * abs(asked) < abs(moved) < 1.5 * abs(asked), (before, out)
    assert rel(out["f0"], before["f0"]) < 0.01  # f0 stays


def test_world_whisper_removes_harmonicity():
    import parselmouth

    def hnr(x):
        harm = parselmouth.Sound(x.astype(np.float64), 16000).to_harmonicity_cc()
        v = harm.values[harm.values > -100]
        return float(np.median(v))

    y = edit(vowel(), EditRequest(whisper=True), method="world")
    assert hnr(vowel()) > 15.0
    assert hnr(y) < 5.0


def test_world_warp_anchors_follow_the_documented_rule():
    from sfvae.baselines.world import MIN_GAP_HZ, warp_anchors, warp_envelope

    source = np.array([600.0, 1500.0, 2500.0, 3500.0])
    # F2 up to 1800: only F2's anchor moves, neighbours F1, F3 stay.
    target = source.copy()
    target[1] = 1800.0
    src, dst = warp_anchors(source, target, np.array([False, True, False, False]), 8000.0)
    assert list(src) == [0.0, 600.0, 1500.0, 2500.0, 3500.0, 8000.0]
    assert list(dst) == [0.0, 600.0, 1800.0, 2500.0, 3500.0, 8000.0]
    # F2 past F3: F3's anchor is dropped, F4 bounds the moved region.
    target[1] = 2600.0
    src, dst = warp_anchors(source, target, np.array([False, True, False, False]), 8000.0)
    assert list(src) == [0.0, 600.0, 1500.0, 3500.0, 8000.0]
    assert list(dst) == [0.0, 600.0, 2600.0, 3500.0, 8000.0]
    assert np.all(np.diff(dst) >= MIN_GAP_HZ / 2)
    # The envelope's peak moves to the target; frequencies below F1 are untouched.
    freqs = np.linspace(0, 8000, 513)
    env = np.exp(-((freqs - 1500.0) / 100.0) ** 2) + 1e-3
    warped = warp_envelope(env, np.array([0.0, 600.0, 1500.0, 2500.0, 8000.0]),
                           np.array([0.0, 600.0, 1800.0, 2500.0, 8000.0]))
    assert abs(freqs[np.argmax(warped)] - 1800.0) <= 16.0
    below = freqs < 600
    assert np.allclose(warped[below], env[below])


# -- vae-baseline -------------------------------------------------------------------------

def _model(name: str):
    return load_pair(name)[0]


@functools.cache
def _vae_edit(model: str, factor: str, target: float) -> dict:
    y = edit(vowel(), EditRequest(**{factor: target}), method="vae-baseline", model=_model(model),
             attribute_stride=5)
    assert y.shape == vowel().shape and np.all(np.isfinite(y))
    return measure(y)


@pytest.mark.parametrize("factor,low,high", [("f0", 100.0, 200.0), ("f1", 450.0, 800.0),
                                             ("f2", 1200.0, 1900.0)])
@pytest.mark.parametrize("model", MODELS)
def test_vae_baseline_moves_the_factor_the_right_way(model, factor, low, high):
    before = measured_input()[factor]
    down, up = _vae_edit(model, factor, low)[factor], _vae_edit(model, factor, high)[factor]
    assert down < before < up
    assert up - down > 0.4 * (high - low)


def test_vae_baseline_refuses_whisper_and_out_of_range_targets():
    model = _model("default")
    with pytest.raises(ArgumentError, match="cannot whisper"):
        edit(vowel(), EditRequest(whisper=True), method="vae-baseline", model=model,
             attribute_stride=5)
    with pytest.raises(ArgumentError, match="outside the range"):
        edit(vowel(), EditRequest(f0=50.0), method="vae-baseline", model=model,
             attribute_stride=5)


def test_attribute_means_average_equal_values_and_interpolate():
    from sfvae.baselines.latent_translation import attribute_means_from

    values = np.array([100.0, 200.0, 100.0, 200.0])
    mu = np.array([[0.0, 2.0], [4.0, 6.0], [2.0, 4.0], [6.0, 8.0]])
    means = attribute_means_from(values, mu, "f0")
    assert list(means.values) == [100.0, 200.0]
    assert np.allclose(means.means, [[1.0, 3.0], [5.0, 7.0]])
    assert np.allclose(means([150.0, 50.0, 300.0]), [[3.0, 5.0], [1.0, 3.0], [5.0, 7.0]])
