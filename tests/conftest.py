"""Shared test fixtures."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
REFERENCE_WEIGHTS = SHARED / "reference" / "official-sfvae" / "vae_wsj0_state_dict.pt"

# Two cores: keep intra-op threads small so xdist workers do not oversubscribe.
torch.set_num_threads(int(os.environ.get("SFVAE_TEST_THREADS", "1")))


@pytest.fixture(scope="session")
def reference_weights() -> Path:
    if not REFERENCE_WEIGHTS.exists():
        pytest.skip(f"reference weights not found at {REFERENCE_WEIGHTS} (../shared absent)")
    return REFERENCE_WEIGHTS
