"""Baseline editors behind :data:`sfvae.editing.METHODS`: Praat TD-PSOLA, WORLD, and the
latent-translation VAE baseline of Hsu et al. (2017). Each module exposes
``edit_audio(audio, request, **options) -> audio`` (16 kHz mono float32, same length)."""
