"""Decoder-in-the-loop refinement: the spectral formant estimate against Praat, and what the
refinement does to the decoded formants."""

from __future__ import annotations

import numpy as np
import pytest

from sfvae import audio as audio_io
from sfvae.control.input_analysis import analyse_input
from sfvae.control.latent_edit import LatentEdit, edit_latents
from sfvae.control.refine import lpc_formants, refine_latents
from sfvae.editing import EditRequest, target_per_frame
from sfvae.errors import ArgumentError
from sfvae.measure import measure
from sfvae.synth import synthesize

# Vowels Praat measures within 3 % of their synthesis values (f0, F1, F2, F3).
VOWELS = [(120.0, (500.0, 1500.0, 2500.0)), (210.0, (600.0, 1750.0, 2900.0)),
          (250.0, (800.0, 1200.0, 2500.0)), (150.0, (700.0, 1100.0, 2400.0))]


@pytest.mark.parametrize("f0, formants", VOWELS)
def test_spectral_formants_agree_with_praat(f0, formants):
    x = synthesize(f0, formants, duration=0.6, seed=0)
    ours = np.nanmedian(lpc_formants(audio_io.power_spectrogram(x)), axis=0)
    praat = measure(x)
    for i, name in enumerate(("f1", "f2", "f3")):
        assert ours[i] == pytest.approx(praat[name], rel=0.02), (name, ours, praat)


def test_spectral_formants_follow_a_moved_formant():
    low = np.nanmedian(lpc_formants(audio_io.power_spectrogram(
        synthesize(150.0, (600.0, 1400.0, 2600.0), duration=0.5))), axis=0)
    high = np.nanmedian(lpc_formants(audio_io.power_spectrogram(
        synthesize(150.0, (600.0, 1800.0, 2600.0), duration=0.5))), axis=0)
    assert high[1] - low[1] == pytest.approx(400.0, rel=0.1)
    assert abs(high[0] - low[0]) < 15 and abs(high[2] - low[2]) < 40


def _decoded_formants(model, z):
    return np.nanmedian(lpc_formants(model.decode_numpy(z.astype(np.float32))), axis=0)


def test_refinement_puts_the_decoded_formants_on_their_goals(model_pair):
    """An F2 edit: the one-shot edit misses; refined, decoded F2 is on target, F1 and F3 at
    their input values, f0's coordinates where the edit put them, other frames untouched."""
    model, control = model_pair
    x = synthesize(150.0, (550.0, 1600.0, 2600.0), duration=0.6, seed=1)
    analysis = analyse_input(x, model)
    n = analysis.n_frames
    f0_in = analysis.f0
    request = EditRequest(f2=1250.0)
    edit = edit_latents(analysis.z, request, control, f0_in)
    z, weight = edit.z, edit.weight
    power = analysis.power
    frames = np.isfinite(f0_in) & (weight > 0)
    frames[:3] = False   # a few frames left out must come back unchanged
    targets = {"f2": target_per_frame(1250.0, n)}
    refined = refine_latents(z, model, control, power, targets, frames, n_iter=4)

    goal = np.array([np.nanmedian(lpc_formants(power[frames]), axis=0)[0], 1250.0,
                     np.nanmedian(lpc_formants(power[frames]), axis=0)[2]])
    before = np.abs(_decoded_formants(model, z[frames]) / goal - 1)
    after = np.abs(_decoded_formants(model, refined[frames]) / goal - 1)
    assert after.max() < 0.02, (before, after)
    assert after[1] < before[1]
    np.testing.assert_array_equal(refined[~frames], z[~frames])
    np.testing.assert_allclose(control.project("f0", refined[frames]),
                               control.project("f0", z[frames]), atol=0.05)
    assert np.array_equal(refine_latents(z, model, control, power, targets, frames, n_iter=0), z)
    # A formant-only edit can ask for the input's f0 coordinates back (the one-shot step
    # moved them, the subspaces being oblique).
    restored = refine_latents(z, model, control, power, targets, frames, n_iter=2,
                              f0_coords=control.project("f0", analysis.z))
    np.testing.assert_allclose(control.project("f0", restored[frames]),
                               control.project("f0", analysis.z[frames]), atol=0.05)


def test_a_formant_edit_keeps_the_inputs_own_source(model_pair):
    """source="auto": F2 moves, f0 and the waveform's fine structure are the input's."""
    from sfvae.control.editor import edit_audio
    from sfvae.control.render import render_filter_change

    model, control = model_pair
    x = synthesize(130.0, (550.0, 1500.0, 2600.0), duration=0.6, seed=2)
    analysis = analyse_input(x, model, track_f0=False)
    n = analysis.n_frames
    unchanged = LatentEdit(z=analysis.z, weight=np.ones(n), f0=np.full(n, np.nan), changes_source=False)
    same = render_filter_change(model, analysis, unchanged, x.size)
    assert np.max(np.abs(same - x)) < 1e-4 * np.max(np.abs(x))   # no change: the input back
    y = edit_audio(x, EditRequest(f2=1800.0), model=model, control=control)
    m_in, m_out = measure(x), measure(y)
    assert m_out["f0"] == pytest.approx(m_in["f0"], rel=0.005)
    assert m_out["f2"] == pytest.approx(1800.0, rel=0.05)
    decoded = edit_audio(x, EditRequest(f2=1800.0), model=model, control=control, source="decoded")
    assert not np.allclose(decoded, y)
    with pytest.raises(ArgumentError, match="unknown source"):
        edit_audio(x, EditRequest(f2=1800.0), model=model, control=control, source="nonsense")
