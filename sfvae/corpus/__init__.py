"""Training corpus: MBROLA voices rendered with espeak-ng, plus recorded speech from Debian packages."""

from .build import MANIFEST_NAME, build_corpus, manifest_hash, read_manifest
from .voices import MissingToolError, Voice, available_voices

__all__ = ["build_corpus", "available_voices", "manifest_hash", "read_manifest", "Voice",
           "MissingToolError", "MANIFEST_NAME"]
