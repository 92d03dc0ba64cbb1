"""The frame-wise VAE of Sadok et al. (2023): power spectrum frame in, variance frame out.

The layer names (fc1, fc2, fc31, fc32, fc4, fc5, fc6) are those of the released code, so
the released WSJ0 state dict loads unchanged into the default configuration.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import torch
from torch import nn

from ..conventions import N_BINS


@dataclass(frozen=True)
class VAEConfig:
    """Architecture and loss weight. Defaults = the released configuration."""

    n_bins: int = N_BINS
    hidden1: int = 256  # encoder 513 -> hidden1 -> hidden2 -> K; decoder mirrors it
    hidden2: int = 64
    latent_dim: int = 16
    beta: float = 1.0

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> VAEConfig:
        known = {k: d[k] for k in cls.__dataclass_fields__ if k in d}
        return cls(**known)


class VAE(nn.Module):
    """q(z|x) = N(mu(x), diag exp(logvar(x))), p(s|z) = N_c(0, diag v(z)), x = |s|^2."""

    def __init__(self, config: VAEConfig | None = None):
        super().__init__()
        self.config = config = config or VAEConfig()
        self.fc1 = nn.Linear(config.n_bins, config.hidden1)
        self.fc2 = nn.Linear(config.hidden1, config.hidden2)
        self.fc31 = nn.Linear(config.hidden2, config.latent_dim)  # mean head
        self.fc32 = nn.Linear(config.hidden2, config.latent_dim)  # log-variance head
        self.fc4 = nn.Linear(config.latent_dim, config.hidden2)
        self.fc5 = nn.Linear(config.hidden2, config.hidden1)
        self.fc6 = nn.Linear(config.hidden1, config.n_bins)

    def encode(self, power: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Power frames [..., F] -> posterior mean and log-variance [..., K]."""
        h = torch.tanh(self.fc2(torch.tanh(self.fc1(power))))
        return self.fc31(h), self.fc32(h)

    def decode_log(self, z: torch.Tensor) -> torch.Tensor:
        """Latent [..., K] -> log of the variance (power spectrum) [..., F]."""
        return self.fc6(torch.tanh(self.fc5(torch.tanh(self.fc4(z)))))

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Latent [..., K] -> variance v(z), the expected power spectrum [..., F]."""
        return torch.exp(self.decode_log(z))

    def forward(self, power: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """One reparameterised sample: returns (log v, mu, logvar)."""
        mu, logvar = self.encode(power)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        return self.decode_log(z), mu, logvar

    def loss(self, power: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Summed Itakura-Saito divergence and KL over the batch (the released loss)."""
        log_v, mu, logvar = self(power)
        return itakura_saito(power, log_v), kl_divergence(mu, logvar)

    @torch.no_grad()
    def encode_numpy(self, power: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """[T, F] power (numpy) -> posterior mean and variance [T, K] (numpy float64)."""
        p = torch.as_tensor(np.asarray(power, dtype=np.float32))
        mu, logvar = self.encode(p)
        return mu.double().numpy(), logvar.exp().double().numpy()

    @torch.no_grad()
    def decode_numpy(self, z: np.ndarray) -> np.ndarray:
        """[T, K] latent (numpy) -> decoded power spectrum [T, F] (numpy float32)."""
        return self.decode(torch.as_tensor(np.asarray(z, dtype=np.float32))).numpy()


def itakura_saito(power: torch.Tensor, log_v: torch.Tensor) -> torch.Tensor:
    """sum IS(x || v) = sum x/v - ln x + ln v - 1, from log v (no log of a ratio)."""
    return torch.sum(power * torch.exp(-log_v) - torch.log(power) + log_v - 1.0)


def kl_divergence(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """sum KL(N(mu, exp(logvar)) || N(0, I))."""
    return -0.5 * torch.sum(1.0 + logvar - mu.pow(2) - logvar.exp())
