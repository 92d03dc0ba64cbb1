"""Latent subspace of one factor: centre, principal axes of the aggregated posterior.

METHOD §3: S = (1/N) sum_n (mu_n mu_n^T + diag sigma^2_n) - m m^T, U = top-M eigenvectors,
M the smallest number of axes whose eigenvalues retain ``threshold`` of the total variance
(or fixed by the caller).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import ArgumentError


@dataclass
class Subspace:
    mean: np.ndarray          # [K] centre m_i
    basis: np.ndarray         # [K, M] orthonormal columns U_i
    # Eigenvalues of S_i, descending, and each over their total (so cumsum[M-1] = retained):
    # all K when learned here; released subspace files keep only the leading ones.
    eigenvalues: np.ndarray
    variance_ratio: np.ndarray

    @property
    def n_axes(self) -> int:
        return int(self.basis.shape[1])

    @property
    def retained(self) -> float:
        """Share of the total variance the M axes retain."""
        return float(np.sum(self.variance_ratio[:self.n_axes]))

    def project(self, z: np.ndarray) -> np.ndarray:
        """Coordinates U^T (z - m) of latent vectors [..., K] -> [..., M]."""
        return (np.asarray(z, dtype=np.float64) - self.mean) @ self.basis

    def remove(self, z: np.ndarray) -> np.ndarray:
        """z - U U^T (z - m): the part of z outside the subspace (centred on m)."""
        z = np.asarray(z, dtype=np.float64)
        return z - self.project(z) @ self.basis.T

    def with_coordinates(self, z: np.ndarray, coords: np.ndarray) -> np.ndarray:
        """Replace the subspace coordinates of z by ``coords``: z - U U^T (z - m) + U coords."""
        return self.remove(z) + np.asarray(coords, dtype=np.float64) @ self.basis.T


def aggregated_covariance(mu: np.ndarray, var: np.ndarray | None,
                          groups=None) -> tuple[np.ndarray, np.ndarray]:
    """Mean and covariance of the aggregated posterior of N diagonal Gaussians [N, K].

    With ``groups`` (a context label per example) the covariance is pooled within groups:
    (1/N) sum_c sum_{n in c} ((mu_n - m_c)(mu_n - m_c)^T + diag sigma^2_n); one group gives
    METHOD's S_i exactly. The returned mean is always the overall mean m_i.
    """
    mu = np.asarray(mu, dtype=np.float64)
    m = mu.mean(axis=0)
    labels = np.zeros(len(mu), dtype=int) if groups is None else np.unique(
        np.asarray(groups).astype(str), return_inverse=True)[1]
    centred = mu.copy()
    for g in np.unique(labels):
        centred[labels == g] -= mu[labels == g].mean(axis=0)
    cov = (centred.T @ centred) / mu.shape[0]
    if var is not None:
        cov = cov + np.diag(np.asarray(var, dtype=np.float64).mean(axis=0))
    return m, 0.5 * (cov + cov.T)


ACTIVE_UNIT_VARIANCE = 0.01  # Burda et al. (2016): Var_x(E_q[z_k]) above this = active unit


def active_units(mu: np.ndarray) -> np.ndarray:
    """Mask [K] of the latent dimensions whose posterior mean varies across the examples."""
    return np.var(np.asarray(mu, dtype=np.float64), axis=0) > ACTIVE_UNIT_VARIANCE


def fit_subspace(mu: np.ndarray, var: np.ndarray | None, threshold: float = 0.8,
                 n_axes: int | None = None, groups=None,
                 active: np.ndarray | None = None) -> Subspace:
    """Principal subspace of the aggregated posterior; M by ``threshold`` unless ``n_axes``.

    ``active`` (mask [K]) restricts S to the model's active units. An inactive (collapsed)
    dimension has sigma^2 near 1 for every input, so its diag sigma^2 term alone would put it
    in every factor's subspace although it carries nothing.
    """
    m, cov = aggregated_covariance(mu, var, groups)
    if active is not None:
        keep = np.asarray(active, dtype=bool)
        cov = cov * np.outer(keep, keep)
    eigenvalues, vectors = np.linalg.eigh(cov)
    order = np.argsort(eigenvalues)[::-1]
    eigenvalues = np.clip(eigenvalues[order], 0.0, None)
    vectors = vectors[:, order]
    # A deterministic sign: the largest-magnitude entry of each axis is positive.
    signs = np.sign(vectors[np.argmax(np.abs(vectors), axis=0), np.arange(vectors.shape[1])])
    vectors = vectors * np.where(signs == 0, 1.0, signs)
    ratio = eigenvalues / eigenvalues.sum()
    if n_axes is None:
        if not 0.0 < threshold <= 1.0:
            raise ArgumentError(f"variance threshold must be in (0, 1], got {threshold}")
        n_axes = int(np.searchsorted(np.cumsum(ratio), threshold - 1e-12) + 1)
    if not 1 <= n_axes <= len(m):
        raise ArgumentError(f"number of axes must be between 1 and {len(m)}, got {n_axes}")
    return Subspace(mean=m, basis=vectors[:, :n_axes].copy(), eigenvalues=eigenvalues,
                    variance_ratio=ratio)
