"""Editing with method sfvae: accuracy on synthesized vowels (Praat), policies, CLI errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from conftest import model_params

from sfvae import audio as audio_io
from sfvae.cli import main
from sfvae.control.editor import edit_audio
from sfvae.control.input_analysis import frame_f0
from sfvae.control.latent_edit import RangeWarning
from sfvae.editing import EditRequest, edit
from sfvae.errors import ArgumentError
from sfvae.evaluate.acceptance import edit_accuracy, format_summary
from sfvae.measure import measure, pitch_track
from sfvae.synth import synthesize

# The acceptance criterion.
MAX_F0_ERROR_PCT = 2.0
MAX_FORMANT_ERROR_PCT = 8.0
MAX_OTHER_CHANGE_PCT = 5.0


def test_edits_reach_their_targets_and_leave_the_other_factors(model_pair):
    """f0 across 100-300 Hz and f1-f3 across their grids, on a male- and a female-like vowel.

    The other factors must move less than 5 % both against Praat on the input and against
    Praat on the target vowel synthesized directly (see sfvae.evaluate.acceptance).
    """
    model, control = model_pair
    result = edit_accuracy(model, control, n_targets={"f0": 4, "f1": 5, "f2": 5, "f3": 5},
                           duration=0.6)
    summary = result["summary"]
    report = format_summary(summary)
    for factor, s in summary.items():
        limit = MAX_F0_ERROR_PCT if factor == "f0" else MAX_FORMANT_ERROR_PCT
        assert s["n"] >= 4, report  # enough targets Praat can measure on the truth
        assert s["failed"] == 0, report
        assert s["error_pct"] <= limit, report
        for key in ("others_vs_input_pct", "others_vs_truth_pct"):
            for _other, change in s[key].items():
                assert change < MAX_OTHER_CHANGE_PCT, report


@pytest.mark.parametrize("model_pair", model_params(
    default="the default model (63 + 20 epochs) draws harmonics on this narrow-bandwidth vowel "
            "only for f0 near 140-160 Hz (20 dB; 1.2 dB at 120 Hz, 1.7 at 200 Hz); with wider "
            "bandwidths and on held-out MBROLA speech it does (10-20 dB)"), indirect=True)
def test_the_decoder_draws_harmonics(model_pair):
    """Precondition of f0 control: decoded voiced spectra show the harmonics of f0."""
    from sfvae.evaluate.acceptance import decoded_harmonic_contrast

    model, _ = model_pair
    for f0 in (120.0, 210.0):
        x = synthesize(f0, (600.0, 1500.0, 2500.0), duration=0.6)
        decoded, original = decoded_harmonic_contrast(model, x)
        assert original > 25 and decoded > 10, (f0, decoded, original)


@pytest.fixture(scope="module")
def vowel():
    return synthesize(150.0, (600.0, 1500.0, 2500.0), duration=0.8, seed=3)


@pytest.mark.parametrize("n_samples", [12_345, 12_800])
def test_output_has_the_input_length(vowel, n_samples, model_pair):
    model, control = model_pair
    x = vowel[:n_samples]
    y = edit(x, EditRequest(f1=500.0), model=model, control=control)
    assert y.shape == x.shape and y.dtype == np.float32 and np.all(np.isfinite(y))


def test_ramp_and_scale_follow_the_target(vowel, model_pair):
    model, control = model_pair
    y = edit_audio(vowel, EditRequest(f0=(120.0, 240.0)), model=model, control=control)
    track = pitch_track(y)
    t, f = track.times, track.values
    early = np.nanmedian(f[(t > 0.15) & (t < 0.25)])
    late = np.nanmedian(f[(t > 0.55) & (t < 0.65)])
    # The ramp's value at 0.2 s and 0.6 s of 0.8 s.
    assert early == pytest.approx(120 + 120 * 0.2 / 0.8, rel=0.05)
    assert late == pytest.approx(120 + 120 * 0.6 / 0.8, rel=0.05)
    scaled = edit_audio(vowel, EditRequest(f0_scale=1.3), model=model, control=control)
    assert measure(scaled)["f0"] == pytest.approx(1.3 * measure(vowel)["f0"], rel=0.03)


def _hnr_db(x: np.ndarray) -> float:
    """Praat's mean harmonics-to-noise ratio (cross-correlation method) over voiced frames."""
    import parselmouth

    values = parselmouth.Sound(x.astype(np.float64), 16000).to_harmonicity_cc().values[0]
    return float(np.mean(values[values > -200]))


def test_whisper_removes_the_harmonics(vowel, model_pair):
    """Whisper lowers Praat's HNR far below that of an edit that keeps f0 (same resynthesis)."""
    model, control = model_pair
    whispered = edit_audio(vowel, EditRequest(whisper=True), model=model, control=control)
    kept = edit_audio(vowel, EditRequest(f0=150.0), model=model, control=control)
    assert _hnr_db(vowel) > 30
    assert _hnr_db(whispered) < 5 and _hnr_db(whispered) < _hnr_db(kept) - 6


def test_f0_edit_leaves_unvoiced_frames_untouched(model_pair):
    """Voiced policy: a noise burst between two vowels keeps its spectrum under an f0 edit."""
    model, control = model_pair
    rng = np.random.default_rng(0)
    v = synthesize(130.0, (550.0, 1600.0, 2600.0), duration=0.5, seed=1)
    noise = (0.3 * rng.standard_normal(8000)).astype(np.float32)
    x = np.concatenate([v, noise, v])
    n = audio_io.stft(x).shape[0]
    f0_in = frame_f0(x, n)
    unvoiced = np.flatnonzero(~np.isfinite(f0_in))
    inner = unvoiced[(unvoiced > 40) & (unvoiced < n - 40)]  # inside the burst
    inner = inner[(inner > inner.min() + 4) & (inner < inner.max() - 4)]  # past the cross-fade
    spectra = {}
    for voicing in ("voiced", "all"):
        y = edit_audio(x, EditRequest(f0=200.0), model=model, control=control, voicing=voicing)
        a = 10 * np.log10(np.abs(audio_io.stft(x)[inner]) ** 2 + 1e-10)
        b = 10 * np.log10(np.abs(audio_io.stft(y)[inner]) ** 2 + 1e-10)
        spectra[voicing] = float(np.mean(np.abs(a.mean(0) - b.mean(0))))  # long-term spectrum
    assert spectra["voiced"] < 1.0 < spectra["all"], spectra
    assert measure(y)["f0"] == pytest.approx(200.0, rel=0.03)


def test_explicit_target_outside_the_learned_range_is_an_error(vowel, model_pair):
    model, control = model_pair
    lo, hi = control.range("f2")
    with pytest.raises(ArgumentError, match=f"outside the range.*{lo:g}-{hi:g} Hz"):
        edit_audio(vowel, EditRequest(f2=hi * 1.2), model=model, control=control)


def test_scaled_contour_outside_the_range_is_clamped_with_a_warning(vowel, model_pair):
    """The latent edit clamps the contour to the learned range (RangeWarning); the default
    renderer still renders the requested f0, the paper's renderer at most the clamped one."""
    model, control = model_pair
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        y = edit_audio(vowel, EditRequest(f0_scale=2.5), model=model, control=control)
    assert any(issubclass(w.category, RangeWarning) for w in caught)
    assert measure(y)["f0"] == pytest.approx(2.5 * measure(vowel)["f0"], rel=0.005)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        decoded = edit_audio(vowel, EditRequest(f0_scale=2.5), model=model, control=control,
                             renderer="decoded")
    assert measure(decoded)["f0"] <= 1.03 * control.range("f0")[1]


def test_a_control_of_another_model_is_refused(vowel, model_pair):
    from sfvae.model import VAE

    _, control = model_pair
    with pytest.raises(ArgumentError, match="learned for another model"):
        edit_audio(vowel, EditRequest(f1=500.0), model=VAE(), control=control)


# -- CLI ----------------------------------------------------------------------------------

@pytest.fixture()
def files(tmp_path, vowel, default_pair):
    model, control = default_pair
    wav = tmp_path / "in.wav"
    audio_io.save(wav, vowel)
    ctl = control.save(tmp_path / "control.npz")
    weights = tmp_path / "model.pt"
    from sfvae.model import save_model

    save_model(weights, model)
    return tmp_path, wav, ["--model", str(weights), "--control", str(ctl)]


def test_cli_edit_writes_the_edited_file(files):
    tmp, wav, pair = files
    out = tmp / "out.wav"
    assert main(["edit", str(wav), "-o", str(out), "--f0", "220", "--f3", "2800", *pair]) == 0
    m = measure(audio_io.load(out))
    assert m["f0"] == pytest.approx(220, rel=0.03)


@pytest.mark.parametrize("args, message", [
    (["--f0", "220", "--method", "nonsense"], "unknown method 'nonsense'"),
    (["--f0", "220", "--phase", "nonsense"], "unknown phase reconstruction method 'nonsense'"),
    (["--f1", "5000"], "outside the range"),
    (["--f0", "abc"], "--f0: expected HZ or START:END"),
    (["--f0", "200", "--f0-scale", "1.2"], "cannot be combined"),
    ([], "nothing to edit"),
    (["--f1", "600", "--refine", "-1"], "refine (iterations) must be a whole number >= 0, not -1"),
    (["--f0", "200", "--method", "psola", "--refine", "2"],
     "method psola has no option 'model', 'control', 'refine'"),
    (["--f0", "200", "--method", "world", "--source", "decoded"],
     "method world has no option 'model', 'control', 'source'"),
    (["--f0", "200", "--renderer", "nonsense"], "unknown renderer 'nonsense'"),
    (["--f0", "200", "--source", "decoded", "--renderer", "world"], "cannot be combined with renderer"),
])
def test_cli_edit_rejects_bad_options(files, capsys, args, message):
    tmp, wav, pair = files
    out = tmp / "out.wav"
    assert main(["edit", str(wav), "-o", str(out), *args, *pair]) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_cli_edit_rejects_a_bad_input_file(files, capsys):
    tmp, _, pair = files
    bad = tmp / "bad.wav"
    bad.write_bytes(b"RIFF but not really a wave file")
    assert main(["edit", str(bad), "-o", str(tmp / "o.wav"), "--f0", "200", *pair]) == 2
    assert "bad.wav: not a readable audio file" in capsys.readouterr().err
    assert main(["edit", str(tmp / "missing.wav"), "-o", str(tmp / "o.wav"), "--f0", "200", *pair]) == 2


def test_cli_edit_warns_when_it_clamps(files, capsys):
    tmp, wav, pair = files
    assert main(["edit", str(wav), "-o", str(tmp / "o.wav"), "--f0-scale", "3", *pair]) == 0
    assert "sfvae: warning: f0:" in capsys.readouterr().err


def test_joint_step_is_the_method_formula_for_one_factor_and_meets_several_targets(model_pair):
    from sfvae.control.latent_edit import joint_step

    _, control = model_pair
    z = np.random.default_rng(7).normal(size=(6, 16))
    sub = control.factors["f2"].subspace
    target = control.coordinates_for("f2", np.linspace(1200, 2400, 6))
    method = z - (z - sub.mean) @ sub.basis @ sub.basis.T + target @ sub.basis.T
    got = joint_step(z, control, {"f2": target}, {"f2": np.ones(6)})
    np.testing.assert_allclose(got, method, atol=1e-9)
    # Two factors at once: both coordinate sets are reached (they are jointly satisfiable
    # as long as the stacked bases have full row rank, true for f1 + f3 here).
    both = {"f1": control.coordinates_for("f1", np.full(6, 700.0)),
            "f3": control.coordinates_for("f3", np.full(6, 2700.0))}
    out = joint_step(z, control, both, {k: np.ones(6) for k in both})
    for name, coords in both.items():
        np.testing.assert_allclose(control.project(name, out), coords, atol=1e-6)


@pytest.mark.parametrize("model_pair", model_params(
    default="measured 2026-12-03 (renderer world): 49.4 % of frames voiced after a 180 Hz "
            "target on a whispered vowel (wanted > 50 %): Praat finds spurious voicing on the "
            "input's resonances, and the voiced policy edits only those frames"), indirect=True)
def test_f0_target_revoices_a_whispered_vowel(model_pair):
    model, control = model_pair
    whispered = synthesize(None, (600.0, 1500.0, 2500.0), duration=0.8, voiced=False, seed=2)
    before = pitch_track(whispered).values
    # Praat finds at most a spurious "f0" (a resonance of the noise), nowhere near 180 Hz.
    assert not np.any(np.abs(before[np.isfinite(before)] - 180.0) < 40.0)
    y = edit_audio(whispered, EditRequest(f0=180.0), model=model, control=control)
    assert np.mean(np.isfinite(pitch_track(y).values)) > 0.5
    assert measure(y)["f0"] == pytest.approx(180.0, rel=0.05)


def test_harmonic_contrast_tells_an_octave_down_spectrum():
    from sfvae.control.render import harmonic_contrast_db

    low = audio_io.power_spectrogram(synthesize(150.0, (600.0, 1500.0, 2500.0), duration=0.5))
    high = audio_io.power_spectrogram(synthesize(300.0, (600.0, 1500.0, 2500.0), duration=0.5))
    t = np.full(low.shape[0], 300.0)
    margin_low = harmonic_contrast_db(low, t) - harmonic_contrast_db(low, t / 2)
    margin_high = harmonic_contrast_db(high, t) - harmonic_contrast_db(high, t / 2)
    assert np.median(margin_low) < -10 < 10 < np.median(margin_high)


def test_an_octave_low_decoded_target_is_not_lowered(default_pair):
    """The default model decodes 300 Hz on a 120 Hz voice as 150 Hz harmonics: the paper's
    renderer says so (OctaveWarning) and keeps the target as asked; the default renderer
    renders it at 300 Hz; 200 Hz with the paper's one-shot edit draws no warning (Praat: 200
    Hz; after refinement the decoded 200 Hz is an octave low too: margin -14 dB, Praat 100 Hz)."""
    from sfvae.control.render import OctaveWarning

    model, control = default_pair
    x = synthesize(120.0, (500.0, 1500.0, 2500.0), duration=0.6, seed=0)
    with pytest.warns(OctaveWarning, match="octave low"):
        decoded = edit_audio(x, EditRequest(f0=300.0), model=model, control=control,
                             renderer="decoded")
    assert measure(decoded)["f0"] < 200.0   # the octave error, reported, not hidden
    y = edit_audio(x, EditRequest(f0=300.0), model=model, control=control)
    assert measure(y)["f0"] == pytest.approx(300.0, rel=0.005)
    with warnings.catch_warnings():
        warnings.simplefilter("error", OctaveWarning)
        paper = edit_audio(x, EditRequest(f0=200.0), model=model, control=control,
                           source="decoded", refine=0)
    assert measure(paper)["f0"] == pytest.approx(200.0, rel=0.03)
