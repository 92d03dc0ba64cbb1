"""DistributedDataParallel: two CPU processes (gloo) under torchrun keep identical weights.

Run by pytest, this file launches itself under ``torch.distributed.run`` with two ranks;
each rank trains through the library API and dumps its weights for the test to compare.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch


def _rank_main(corpus: str, out: str, dump: str) -> None:
    from sfvae.model import VAE
    from sfvae.model.train import TrainConfig, train

    torch.set_num_threads(1)
    rank = int(os.environ["RANK"])
    torch.manual_seed(0)  # the initial weights train() draws from seed 0
    start = VAE().state_dict()
    result = train(TrainConfig(corpus=corpus, output=out, epochs=2, batch_size=32, seed=0,
                               workers=0, threads=1, progress=False, command=["test_ddp"]))
    torch.save({"state": result.model.state_dict(), "history": result.history,
                "start": start}, Path(dump) / f"rank{rank}.pt")


@pytest.mark.slow
def test_two_cpu_ranks_keep_identical_weights(tmp_path):
    sys.path.insert(0, str(Path(__file__).parent))
    from test_train import write_toy_corpus

    corpus = write_toy_corpus(tmp_path / "corpus", n_files=10, seconds=0.8)
    out, dump = tmp_path / "run" / "model.pt", tmp_path / "dump"
    dump.mkdir()
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=str(Path(__file__).parents[1]))
    proc = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2",
         __file__, str(corpus), str(out), str(dump)],
        capture_output=True, text=True, timeout=240, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    ranks = [torch.load(dump / f"rank{r}.pt", weights_only=True) for r in (0, 1)]
    for name, tensor in ranks[0]["state"].items():
        assert torch.equal(tensor, ranks[1]["state"][name]), name
    # The steps did move the weights, and both ranks saw the same (all-reduced) losses.
    moved = [not torch.equal(ranks[0]["state"][k], ranks[0]["start"][k]) for k in ranks[0]["start"]]
    assert all(moved)
    h0, h1 = ranks[0]["history"], ranks[1]["history"]
    assert len(h0) == 2 and [h["val_loss"] for h in h0] == [h["val_loss"] for h in h1]
    assert h0[1]["val_loss"] < h0[0]["val_loss"]
    # Only rank 0 wrote the model, checkpoint and history; its model is the ranks' model.
    written = sorted(p.name for p in out.parent.iterdir() if p.is_file())
    assert written == ["model.ckpt.pt", "model.curves.png", "model.history.json", "model.pt"]
    from sfvae.model import load_model

    saved = load_model(out)
    assert saved.metadata["world_size"] == 2
    for name, tensor in saved.state_dict().items():
        assert torch.equal(tensor, ranks[0]["state"][name]), name


if __name__ == "__main__":  # one rank, launched by the test above through torchrun
    _rank_main(*sys.argv[1:4])
