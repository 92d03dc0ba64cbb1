"""The main job: `sfvae demo` writes every edit, the page, and a table Praat filled in."""

from __future__ import annotations

import numpy as np
import pytest

from sfvae import measure
from sfvae.demo import example_path, plan_edits, run_demo


@pytest.mark.slow
def test_demo_writes_every_edit_and_the_page(tmp_path):
    items = run_demo(tmp_path / "demo", verbose=False)
    names = [it.name for it in items]
    assert names[0] == "original" and "whisper" in names and "f0-ramp" in names
    for factor in ("f1", "f2", "f3"):
        assert f"{factor}-up" in names and f"{factor}-down" in names
    page = (tmp_path / "demo" / "index.html").read_text()
    for name in names:
        assert (tmp_path / "demo" / f"{name}.wav").stat().st_size > 10_000
        assert (tmp_path / "demo" / f"{name}.png").exists()
        assert f"src='{name}.wav'" in page
    # The table holds Praat's measurements, and f0 edits move f0 the right way.
    by_name = {it.name: it for it in items}
    source_f0 = by_name["original"].measured["f0"]
    assert by_name["f0-down"].measured["f0"] < 0.9 * source_f0
    assert by_name["f0-up"].measured["f0"] > 1.2 * source_f0
    assert abs(by_name["f0-down"].measured["f0"] / by_name["f0-down"].targets["f0"] - 1) < 0.05


def test_plan_targets_follow_the_source():
    source = {"f0": 200.0, "f1": 500.0, "f2": 1500.0, "f3": 2500.0}
    items = {it.name: it for it in plan_edits(source)}
    assert items["f0-down"].targets["f0"] == 150.0
    assert items["f1-up"].targets["f1"] == 625.0 and items["f2-down"].targets["f2"] == 1275.0


@pytest.mark.slow
def test_demo_cli_prints_the_table(tmp_path, capsys):
    from sfvae.cli import main

    out = tmp_path / "d"
    code = main(["demo", "-o", str(out)])
    printed = capsys.readouterr()
    assert code == 0, printed.err
    assert "f0 want" in printed.out and "whisper" in printed.out
    assert (out / "index.html").exists()


def test_example_is_speech_at_16k():
    from sfvae import audio

    x = audio.load(example_path())
    assert 2.0 < len(x) / 16000 < 6.0
    assert 120 < measure.measure_f0(x) < 260 and np.max(np.abs(x)) <= 1.0


def test_synth_fallback_measures_close_to_its_labels(tmp_path):
    from sfvae.demo import run_synth_demo

    rows = run_synth_demo(tmp_path, verbose=False)
    for row in rows:
        assert (tmp_path / row["file"]).exists()
        if isinstance(row["f0"], float):
            assert abs(row["praat"]["f0"] / row["f0"] - 1) < 0.01
        for k, label in zip(("f1", "f2"), row["formants"][:2]):
            assert abs(row["praat"][k] / label - 1) < 0.06, (row, k)
