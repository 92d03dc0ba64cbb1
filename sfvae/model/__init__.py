"""Model and training: the frame-wise VAE, its file format, the frames pipeline, training."""

from .io import default_model_path, load_model, read_model_file, save_model
from .vae import VAE, VAEConfig, itakura_saito, kl_divergence

__all__ = ["VAE", "VAEConfig", "itakura_saito", "kl_divergence", "load_model", "save_model",
           "read_model_file", "default_model_path"]
