"""Learning the control: subspaces, regressions, the control file and `sfvae learn`."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import model_params

from sfvae.cli import main
from sfvae.control import Control, learn
from sfvae.control.learn import encode_examples, segment_frames
from sfvae.control.regression import SpeakerBlend, fit_piecewise_linear
from sfvae.control.subspace import aggregated_covariance, fit_subspace
from sfvae.errors import ArgumentError, InputError
from sfvae.factors import FACTORS, HUMAN_RANGES


def test_segment_frames_lie_inside_the_middle_segment():
    frames = segment_frames()
    starts, stops = frames * 256 - 512, frames * 256 + 512
    assert starts.min() >= 3000 and stops.max() <= 6000
    assert (frames[0] - 1) * 256 - 512 < 3000 and (frames[-1] + 1) * 256 + 512 > 6000


def test_aggregated_covariance_matches_samples_of_the_mixture():
    rng = np.random.default_rng(0)
    mu = rng.normal(size=(40, 5)) * [3, 1, 0.5, 0.2, 0.1]
    var = rng.uniform(0.05, 0.5, size=(40, 5))
    m, cov = aggregated_covariance(mu, var)
    idx = rng.integers(0, 40, 400_000)
    samples = mu[idx] + rng.normal(size=(idx.size, 5)) * np.sqrt(var[idx])
    np.testing.assert_allclose(m, samples.mean(axis=0), atol=0.02)
    np.testing.assert_allclose(cov, np.cov(samples.T), atol=0.03)


def test_threshold_picks_the_fewest_axes_reaching_it():
    rng = np.random.default_rng(1)
    scales = np.array([4.0, 2.0, 1.0, 0.5, 0.25, 0.1])
    mu = rng.normal(size=(5000, 6)) * scales
    sub = fit_subspace(mu, np.zeros_like(mu), threshold=0.8)
    cum = np.cumsum(sub.variance_ratio)
    assert cum[sub.n_axes - 1] >= 0.8 > cum[sub.n_axes - 2]
    np.testing.assert_allclose(sub.basis.T @ sub.basis, np.eye(sub.n_axes), atol=1e-12)
    # The first axis is the direction of largest variance (coordinate 0).
    assert abs(sub.basis[0, 0]) > 0.99
    assert fit_subspace(mu, np.zeros_like(mu), n_axes=3).n_axes == 3
    with pytest.raises(ArgumentError):
        fit_subspace(mu, np.zeros_like(mu), threshold=1.5)


def test_pooling_within_contexts_ignores_offsets_between_contexts():
    rng = np.random.default_rng(2)
    y = rng.uniform(-1, 1, 400)
    contexts = np.repeat([0, 1], 200)
    mu = np.zeros((400, 4))
    mu[:, 1] = y                          # the factor moves axis 1
    mu[:, 0] = 5.0 * contexts             # the contexts differ (much more) along axis 0
    pooled = fit_subspace(mu, np.full_like(mu, 1e-4), n_axes=1, groups=contexts)
    plain = fit_subspace(mu, np.full_like(mu, 1e-4), n_axes=1)
    assert abs(pooled.basis[1, 0]) > 0.999
    assert abs(plain.basis[0, 0]) > 0.999


def _curve(y):
    return np.stack([np.sin(y / 40.0), np.cos(y / 55.0), 0.01 * y], axis=1)


def test_regression_fits_a_curve_and_chooses_segments_by_held_out_error():
    rng = np.random.default_rng(3)
    y = np.linspace(100, 300, 201)
    linear = fit_piecewise_linear(y, 0.02 * y[:, None] + rng.normal(0, 0.01, (201, 1)))
    curved_coords = _curve(y) + rng.normal(0, 0.01, (201, 3))
    curved = fit_piecewise_linear(y, curved_coords)
    assert linear.n_segments <= 3 < curved.n_segments
    assert np.sqrt(np.mean((curved(y) - _curve(y)) ** 2)) < 0.01


def test_regression_is_as_good_as_pwlf_with_the_same_segment_count():
    import pwlf

    rng = np.random.default_rng(4)
    y = np.linspace(100, 300, 201)
    truth = np.sin(y / 30.0)
    c = truth + rng.normal(0, 0.02, y.size)
    ours = fit_piecewise_linear(y, c[:, None], n_segments=8)
    ref = pwlf.PiecewiseLinFit(y, c, seed=0)
    ref.fitfast(8, pop=3)
    err_ours = np.sqrt(np.mean((ours(y)[:, 0] - truth) ** 2))
    err_ref = np.sqrt(np.mean((ref.predict(y) - truth) ** 2))
    # Fixed breakpoints against optimised ones: within 50 % (a sine, nothing to align to).
    assert err_ours < 1.5 * err_ref + 1e-3


def test_inversion_recovers_the_value():
    y = np.linspace(100, 300, 201)
    g = fit_piecewise_linear(y, _curve(y), n_segments=20)
    probe = np.random.default_rng(5).uniform(100, 300, 500)
    np.testing.assert_allclose(g.invert(g(probe)), probe, atol=0.5)
    # Beyond the range: the nearest end.
    assert g.invert(g(np.array([100.0]))[0] + 0.0) == pytest.approx(100.0, abs=0.5)


def _grid_set(control) -> str:
    """The grid set a control was learned on (controls from before grid sets: the paper's)."""
    return control.metadata["factors"].get("grid_set") or "paper"


def test_learned_control_round_trips_through_its_file(tmp_path, model_pair):
    _, control = model_pair
    path = control.save(tmp_path / "control.npz")
    with np.load(path, allow_pickle=False) as data:  # plain arrays only
        assert "f0.basis" in data.files
    back = Control.load(path)
    assert back.metadata == control.metadata
    z = np.random.default_rng(6).normal(size=(7, 16))
    for name in ("f0", "f1", "f2", "f3"):
        np.testing.assert_array_equal(back.factors[name].subspace.basis, control.factors[name].subspace.basis)
        np.testing.assert_array_equal(back.project(name, z), control.project(name, z))
        y = np.linspace(*HUMAN_RANGES[name], 7)
        np.testing.assert_array_equal(back.coordinates_for(name, y), control.coordinates_for(name, y))
        assert back.range(name) == control.range(name)
        assert set(back.factors[name].speakers) == set(control.factors[name].speakers)
        np.testing.assert_array_equal(back.coordinates_for(name, y, voice_f0=180.0),
                                      control.coordinates_for(name, y, voice_f0=180.0))
    assert back.speaker_f0 == control.speaker_f0


def test_bad_control_files_are_refused(tmp_path, model_pair):
    _, control = model_pair
    good = control.save(tmp_path / "good.npz")
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(good.read_bytes()[:500])
    foreign = tmp_path / "foreign.npz"
    np.savez(foreign, x=np.zeros(3))
    for path in (truncated, foreign, tmp_path / "missing.npz"):
        with pytest.raises(InputError, match=str(path.name)):
            Control.load(path)


@pytest.mark.parametrize("model_pair", model_params(
    default="measured 2026-12-03: f0 read back from its subspace 8.4 % off on the f0 dataset "
            "(tolerance 5 %)"), indirect=True)
def test_learned_subspaces_describe_the_factors(model_pair):
    """Self-consistency on the training data: g_i^-1 of each file's projection finds its value."""
    from sfvae.synth.factors import factor_dataset

    model, control = model_pair
    assert control.metadata["n_contexts"]["f0"] > 1
    for name, grid, tol in (("f0", [110, 170, 230, 290], 5.0), ("f3", [2100, 2500, 2900], 10.0)):
        ds = factor_dataset(name, grid=grid, grid_set=_grid_set(control))
        mu, _ = encode_examples(model, ds.audio)
        estimate = control.invert(name, control.project(name, mu))
        error = 100 * np.mean(np.abs(estimate - ds.values) / ds.values)
        assert error < tol, (name, error)


def test_learn_cli_with_a_factor_folder(tmp_path, capsys):
    from sfvae.synth.factors import write_factor_datasets

    grids = {"f0": np.arange(100, 301, 20.0), "f1": np.arange(200, 1001, 80.0),
             "f2": np.arange(1000, 2801, 180.0), "f3": np.arange(2000, 3201, 120.0)}
    folder = tmp_path / "factors"
    write_factor_datasets(folder, grids=grids, jobs=1)
    out = tmp_path / "control.npz"
    code = main(["learn", "--model", str(model_path()), "--factors", str(folder),
                 "--axes", "4,3,3,4", "-o", str(out)])
    assert code == 0
    control = Control.load(out)
    assert [control.factors[n].subspace.n_axes for n in ("f0", "f1", "f2", "f3")] == [4, 3, 3, 4]
    assert control.range("f1") == (200.0, 1000.0)
    assert control.metadata["command"].startswith("sfvae learn")
    assert control.metadata["factors"]["grid_set"] == "human"
    assert control.metadata["git_revision"]
    assert "f0: 4 axes" in capsys.readouterr().out


def model_path():
    from sfvae.model import default_model_path

    return default_model_path()


@pytest.mark.parametrize("args, message", [
    (["--axes", "4,3"], "--axes needs 4 numbers"),
    (["--axes", "a,b,c,d"], "--axes: expected comma-separated integers"),
    (["--axes", "4,0,3,4"], "axes must be >= 1"),
    (["--threshold", "1.5"], "threshold must be in (0, 1]"),
    ([], "manifest.csv"),  # a folder without datasets
    (["--grids", "paper"], "--grids applies to the datasets sfvae learn generates"),
])
def test_learn_cli_rejects_bad_options(tmp_path, capsys, args, message):
    folder = tmp_path / "empty"
    folder.mkdir()
    code = main(["learn", "--model", str(model_path()), "--factors", str(folder), *args,
                 "-o", str(tmp_path / "c.npz")])
    assert code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "c.npz").exists()


def test_speaker_regressions_are_interpolated_in_log_f0(model_pair):
    """Between the two voices nearest in f0, linearly in log f0; clamped beyond the lowest
    and the highest voice; a value only one voice sweeps takes that voice's regression."""
    _, control = model_pair
    voices = sorted(control.speaker_f0, key=control.speaker_f0.get)
    expected = {"human": ["low-male", "male", "female", "child"], "paper": ["male", "female"]}
    assert voices == expected[_grid_set(control)]
    y = np.array([350.0, 600.0, 700.0])  # inside every voice's F1 sweep
    regs = {n: control.factors["f1"].speakers[n](y) for n in voices}
    low, high = control.speaker_f0[voices[0]], control.speaker_f0[voices[-1]]
    np.testing.assert_allclose(control.coordinates_for("f1", y, voice_f0=115.0), regs["male"])
    np.testing.assert_allclose(control.coordinates_for("f1", y, voice_f0=low * 0.8),
                               regs[voices[0]])      # clamped
    np.testing.assert_allclose(control.coordinates_for("f1", y, voice_f0=high * 1.5),
                               regs[voices[-1]])     # clamped
    middle = float(np.exp(0.5 * (np.log(115.0) + np.log(210.0))))
    np.testing.assert_allclose(control.coordinates_for("f1", y, voice_f0=middle),
                               0.5 * (regs["male"] + regs["female"]))
    np.testing.assert_allclose(control.coordinates_for("f1", y),
                               control.factors["f1"].regression(y))
    # Inverting a speaker's own curve gives the value back.
    np.testing.assert_allclose(control.invert("f1", regs["female"], voice_f0=210.0), y, atol=2.0)
    if "child" in voices:  # F1 = 1100 Hz lies in the child's sweep only
        np.testing.assert_allclose(control.coordinates_for("f1", [1100.0], voice_f0=85.0),
                                   control.factors["f1"].speakers["child"]([1100.0]))


def _line(lo, hi, slope):
    y = np.linspace(lo, hi, 30)
    return fit_piecewise_linear(y, slope * y[:, None], n_segments=2)


def test_speaker_blend_uses_the_voices_that_cover_each_value():
    low, mid, high = _line(0, 10, 1.0), _line(2, 12, 2.0), _line(5, 20, 3.0)
    blend = SpeakerBlend([high, low, mid], [300.0, 100.0, 200.0], voice_f0=150.0)
    np.testing.assert_array_equal(blend.y_range, [0.0, 20.0])
    w = blend.weights(np.array([1.0, 3.0, 6.0, 11.0, 15.0, 25.0]))
    t = np.log(1.5) / np.log(2.0)                  # 150 Hz between 100 and 200 in log f0
    np.testing.assert_allclose(w, [[1, 0, 0],          # 1: only the low voice covers it
                                   [1 - t, t, 0],      # 3: low and mid, interpolated
                                   [1 - t, t, 0],      # 6: all three; the two nearest
                                   [0, 1, 0],          # 11: mid and high: clamped to mid
                                   [0, 0, 1],          # 15: only the high voice
                                   [0, 0, 1]])         # 25: beyond all: the nearest range
    np.testing.assert_allclose(blend([3.0])[0], (1 - t) * 3.0 + t * 6.0)
    np.testing.assert_allclose(blend.invert(blend(np.array([1.0, 15.0]))), [1.0, 15.0], atol=0.02)
    # all voices covering a value: the two-voice interpolation of the nearest pair
    everywhere = SpeakerBlend([_line(0, 20, 1.0), _line(0, 20, 2.0)], [100.0, 200.0], 150.0)
    np.testing.assert_allclose(everywhere([7.0])[0], (1 - t) * 7.0 + t * 14.0)


@pytest.fixture(scope="module")
def human_control_file(tmp_path_factory, default_pair):
    """A coarse human-range control for the shipped default model (every 12th grid value)."""
    model, _ = default_pair
    control = learn(model, grid_stride=12, command="tests")
    return control.save(tmp_path_factory.mktemp("control") / "human.npz")


def test_a_control_learned_on_the_human_grids_spans_the_human_ranges(human_control_file):
    control = Control.load(human_control_file)
    assert control.metadata["factors"]["grid_set"] == "human"
    assert len(control.speaker_f0) >= 4
    for name in FACTORS:
        assert control.range(name) == HUMAN_RANGES[name]
        spans = [fc.y_range for fc in control.factors[name].speakers.values()]
        assert min(s[0] for s in spans) == HUMAN_RANGES[name][0]
        assert max(s[1] for s in spans) == HUMAN_RANGES[name][1]


def test_the_paper_grids_stay_learnable(default_pair):
    """`sfvae learn --grids paper`: the paper's path, its ranges and at most 20 segments."""
    from sfvae.factors import PAPER_GRIDS

    model, _ = default_pair
    control = learn(model, grid_stride=16, command="tests", grid_set="paper")
    assert _grid_set(control) == "paper"
    assert sorted(control.speaker_f0) == ["female", "male"]
    for name in FACTORS:
        assert control.range(name) == PAPER_GRIDS[name][:2]
        assert control.factors[name].regression.candidates.max() == 20


@pytest.mark.xfail(strict=True, reason=(
    "measured 2026-12-03: re-learned on the human grids (sfvae learn --grids human) for the "
    "current default model, estimation against Praat gets worse (test_estimate: f0 34.6 %, "
    "f1 12.5 %, f2 21.6 %, f3 32.7 %; measured 13.3 / 5.2 / 12.0 / 8.0 % with the paper-grid "
    "control), so the paper-grid control stays shipped until the new default model"))
def test_the_shipped_control_spans_the_human_ranges(default_pair):
    _, control = default_pair
    for name in FACTORS:
        assert control.range(name) == HUMAN_RANGES[name], name
    assert "--grids human" in control.metadata["command"]
    assert control.metadata["factors"]["grid_set"] == "human"


@pytest.fixture(scope="module")
def vowel_file(tmp_path_factory):
    import soundfile as sf

    from sfvae.synth import synthesize

    path = tmp_path_factory.mktemp("vowel") / "vowel.wav"
    sf.write(path, synthesize(120.0, (600.0, 1200.0, 2500.0), duration=0.5), 16000)
    return path


@pytest.mark.parametrize("factor", FACTORS)
def test_edit_targets_at_the_range_ends_are_accepted_and_beyond_refused(
        factor, human_control_file, vowel_file, tmp_path, capsys):
    lo, hi = HUMAN_RANGES[factor]
    # F2's range ends lie beyond this vowel's own F1 (612 Hz) and F3 (2500 Hz): its
    # neighbours are set too, so that F1 < F2 < F3 holds (issue 12).
    order = ["--f1", "300", "--f3", "3500"] if factor == "f2" else []
    base = ["edit", str(vowel_file), "--control", str(human_control_file), "--refine", "0",
            *order]
    for value in (lo, hi):
        out = tmp_path / f"{value:g}.wav"
        assert main([*base, "-o", str(out), f"--{factor}", f"{value:g}"]) == 0, value
        assert out.exists()
    capsys.readouterr()
    for value in (lo - 1, hi + 1):
        out = tmp_path / f"bad{value:g}.wav"
        assert main([*base, "-o", str(out), f"--{factor}", f"{value:g}"]) == 2, value
        err = capsys.readouterr().err
        assert err.startswith("sfvae: error: ") and f"({lo:g}-{hi:g} Hz)" in err, err
        assert not out.exists()
