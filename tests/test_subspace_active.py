"""Collapsed latent dimensions stay out of the factor subspaces."""

from __future__ import annotations

import numpy as np

from sfvae.control.subspace import active_units, fit_subspace


def test_a_collapsed_dimension_is_not_taken_into_the_subspace():
    rng = np.random.default_rng(0)
    n, k = 200, 6
    y = np.linspace(0, 1, n)
    mu = 0.05 * rng.standard_normal((n, k))
    mu[:, 1] += 2 * y  # the factor lives on dimension 1
    mu[:, 4] = 0.0  # collapsed: mean never moves...
    var = np.full((n, k), 0.01)
    var[:, 4] = 0.98  # ...and its posterior stays the prior
    plain = fit_subspace(mu, var, threshold=0.8)
    # Without the mask the prior's variance on the dead dimension dominates S.
    assert abs(plain.basis[4, 0]) > 0.9
    masked = fit_subspace(mu, var, threshold=0.8, active=active_units(mu))
    assert np.all(np.abs(masked.basis[4]) < 1e-12)
    assert abs(masked.basis[1, 0]) > 0.99 and masked.n_axes == 1
