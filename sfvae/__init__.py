"""sfvae: learn and control the source-filter structure of speech inside a VAE.

Sadok, Leglaive, Girin, Alameda-Pineda, Seguier, "Learning and controlling the
source-filter representation of speech with a variational autoencoder",
Speech Communication 148 (2023).
"""

__version__ = "0.1.0"
