"""The README's Python example runs as written."""

from __future__ import annotations

import re

import numpy as np
from conftest import REPO


def test_readme_python_example_runs(tmp_path, monkeypatch):
    import soundfile as sf

    from sfvae.synth import synthesize

    blocks = re.findall(r"```python\n(.*?)```", (REPO / "README.md").read_text(), re.S)
    assert blocks, "README.md has no Python example"
    monkeypatch.chdir(tmp_path)
    sf.write("speech.flac", synthesize(140.0, (600.0, 1500.0, 2500.0), duration=1.0), 16000)
    namespace: dict = {}
    exec(compile(blocks[0], "README.md", "exec"), namespace)
    y, x = namespace["y"], namespace["x"]
    assert y.shape == x.shape and np.all(np.isfinite(y))
    for name in ("edited.wav", "whisper.wav"):
        assert sf.info(name).frames == x.size
    assert namespace["table"]["f0"].shape == namespace["table"]["time"].shape
