"""Frame conventions of sfvae, stated once.

Every stage (STFT, model, control, phase reconstruction, measurement of frame times) reads
these constants; nothing else in the package hard-codes a sample rate, window or hop.
They follow the released configuration of Sadok et al. (2023): 16 kHz, n_fft = window =
1024 (64 ms Hann), hop 256 (16 ms), frames centred with reflect padding of n_fft // 2.
"""

SAMPLE_RATE = 16_000
N_FFT = 1024
WIN_LENGTH = 1024
HOP_LENGTH = 256
WINDOW = "hann"
CENTER = True
PAD_MODE = "reflect"
N_BINS = N_FFT // 2 + 1  # 513
# Power added to every bin so that digital silence gives finite IS divergence and log.
POWER_FLOOR = 1e-10
# Largest f0 a harmonic source may have at this rate while keeping at least 4 harmonics
# below Nyquist is not a convention; the Nyquist limit itself is.
NYQUIST = SAMPLE_RATE / 2


def frame_times(n_frames: int) -> "numpy.ndarray":  # noqa: F821
    """Centre time in seconds of each STFT frame (frame t is centred on sample t * hop)."""
    import numpy as np

    return np.arange(n_frames) * HOP_LENGTH / SAMPLE_RATE


def n_frames(n_samples: int) -> int:
    """Number of centred STFT frames for a signal of n_samples samples."""
    return 1 + n_samples // HOP_LENGTH
