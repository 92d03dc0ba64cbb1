"""Helpers shared by test_control, test_edit and test_estimate: controls learned once per run."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
REFERENCE_WEIGHTS = REPO.parent / "shared" / "reference" / "official-sfvae" / "vae_wsj0_state_dict.pt"
# Every 2nd value of the released grids: a coarser control, learned in ~10 s.
TEST_GRID_STRIDE = 2


@functools.lru_cache(maxsize=None)
def reference_pair():
    """(reference WSJ0 model, control learned for it here); skips without ../shared."""
    if not REFERENCE_WEIGHTS.exists():
        pytest.skip(f"reference weights not found at {REFERENCE_WEIGHTS} (../shared absent)")
    from sfvae.control import learn
    from sfvae.model import load_model

    model = load_model(REFERENCE_WEIGHTS)
    return model, learn(model, grid_stride=TEST_GRID_STRIDE, command="tests")


@functools.lru_cache(maxsize=None)
def default_pair():
    """(shipped default model, its shipped control); skips when either is not installed yet."""
    from sfvae.control import default_control_path, load_control
    from sfvae.model import default_model_path, load_model

    if not default_model_path().exists() or not default_control_path().exists():
        pytest.skip("the default model or its control file is not in sfvae/data yet")
    return load_model(None), load_control(None)


def pairs():
    """Parameters for tests that run on both models."""
    return [pytest.param(default_pair, id="default"), pytest.param(reference_pair, id="reference")]


def pairs_with_known_gaps(**gaps: str):
    """Like :func:`pairs`, with the named models marked xfail for a measured, reported gap.

    Not strict: the margins are small and float results differ between machines, so an
    unexpected pass is reported (XPASS) without failing the suite. The reasons carry the
    numbers last measured; the gap itself is tracked in the issue notes.
    """
    params = []
    for get_pair, name in ((default_pair, "default"), (reference_pair, "reference")):
        marks = [pytest.mark.xfail(reason=gaps[name], strict=False)] if name in gaps else []
        params.append(pytest.param(get_pair, id=name, marks=marks))
    return params
