"""SFT and reward-model training on fixed toy data, launched by tests/test_distributed.py with and without torchrun.

Usage: python tests/distributed_worker.py <model folder> <out dir>
"""

import sys

import torch

from tests.test_training_reward import keyword_rankings
from training.distributed import close
from training.reward import RewardConfig, train_reward
from training.sft import SFTConfig, train_sft


def main(model: str, out: str) -> None:
    torch.set_num_threads(1)
    pairs = [(f"Q: {w}?\nA:", f" {w} and {w}") for w in ["cat", "dog", "sun", "log", "mat", "red", "hat"]] * 3
    # 8 pairs a step in micro-batches of 3, 3 and 2: under two processes rank 0 runs two of them, rank 1 one
    sft = SFTConfig.preset("tiny", init_from=model, out_dir=out, name="sft", epochs=2, batch_size=8,
                           micro_batch_size=3, resid_pdrop=0.0, threads=1, checkpoint_every=2, ptx_batch_size=5,
                           ptx_block_size=8)
    train_sft(sft, pairs, pairs[:4], log=lambda s, m: None, ptx_texts=[f"the {w} sat on the mat" for w, _ in pairs])
    rm = RewardConfig.preset("tiny", init_from=model, out_dir=out, name="rm", batch_size=8, micro_batch_size=3,
                             threads=1)
    train_reward(rm, keyword_rankings(20, 0), keyword_rankings(6, 1), log=lambda s, m: None)
    close()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
