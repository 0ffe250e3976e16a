"""Training throughput on this machine: tokens/s for pretraining, SFT and the reward model, episodes/s for PPO.

    .venv/bin/python bench/train.py [--preset tiny] [--device cpu] [--threads 1]

Runs each stage of ``training/`` on synthetic English-like text (the sample world's generator) in a
temporary folder and divides the tokens (or episodes) it processed by the wall time of the stage,
start-up and saving included. With ``--preset gpt2-124m --device cuda`` it also reports model FLOPs
utilization for pretraining and SFT (6 N tokens / time against the GPU's dense bf16 peak, ``--peak-tflops``).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from training.config import from_dict  # noqa: E402
from training.ppo import PPOConfig, train_ppo  # noqa: E402
from training.pretrain import PretrainConfig, train_lm  # noqa: E402
from training.reward import Ranking, RewardConfig, train_reward  # noqa: E402
from training.sft import SFTConfig, train_sft  # noqa: E402
from training.tokenizer import TokenizerConfig, load_tokenizer, train_tokenizer  # noqa: E402


def corpus(n: int, seed: int = 0) -> list[str]:
    """Articles from the sample world's generator, or plain random sentences where it cannot be imported."""
    try:
        from gpt_assets.sampleworld.text import TextGen
    except ImportError:  # e.g. a GPU machine without the project's data dependencies
        rng = random.Random(seed)
        words = "the a river city people walk science history quiet morning report said new old".split()
        return [" ".join(rng.choice(words) for _ in range(400)) + "." for _ in range(n)]
    g = TextGen(random.Random(seed))
    return ["\n\n".join(g.article("science", (3, 5))[1]) for _ in range(n)]


def quiet(step: int, metrics: dict) -> None:
    pass


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--preset", default="tiny")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--steps", type=int, default=100, help="pretraining steps")
    ap.add_argument("--peak-tflops", type=float, default=989.0, help="dense bf16 peak of the GPU (H100 SXM: 989)")
    args = ap.parse_args()
    texts = corpus(400)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        run = {"device": args.device, "threads": args.threads, "out_dir": tmp, "log_every": 10**9}
        tok_cfg = from_dict(TokenizerConfig, {"preset": "tiny" if args.preset == "tiny" else args.preset,
                                              "out_dir": tmp, "name": "tok"})
        train_tokenizer(tok_cfg, texts)
        tok = load_tokenizer(tok_cfg.final_dir)
        pre = from_dict(PretrainConfig, {"preset": args.preset, **run, "name": "lm", "max_steps": args.steps,
                                         "eval_every": 10**9, "tokenizer": str(tok_cfg.final_dir)})
        t = time.perf_counter()
        lm = train_lm(pre, texts, (), quiet)
        secs = time.perf_counter() - t
        n_params = sum(p.numel() for p in lm.model.parameters())
        tokens = pre.max_steps * pre.batch_size * pre.n_ctx
        rows.append(("pretraining", tokens / secs, "tokens/s", 6 * n_params * tokens / secs))
        pairs = [(f"Write about topic {i}.", t[:400]) for i, t in enumerate(texts)]
        sft = replace(from_dict(SFTConfig, {"preset": args.preset, **run, "name": "sft"}), epochs=1,
                      init_from=str(pre.final_dir))
        t = time.perf_counter()
        train_sft(sft, pairs, (), quiet, ptx_texts=texts)
        secs = time.perf_counter() - t
        sft_tokens = sum(len(tok(p + r)["input_ids"]) for p, r in pairs)
        rows.append(("SFT", sft_tokens / secs, "tokens/s", 6 * n_params * sft_tokens / secs))
        rankings = [Ranking(p, [r, r[:200], r[:50], "no."]) for p, r in pairs[:200]]
        rm = replace(from_dict(RewardConfig, {"preset": args.preset, **run, "name": "rm"}),
                     init_from=str(sft.final_dir))
        t = time.perf_counter()
        train_reward(rm, rankings, (), pairs[:20], quiet)
        secs = time.perf_counter() - t
        rm_tokens = sum(len(tok(r.prompt + x)["input_ids"]) for r in rankings for x in r.responses)
        rows.append(("reward model", rm_tokens / secs, "tokens/s", 6 * n_params * rm_tokens / secs))
        ppo = from_dict(PPOConfig, {"preset": args.preset, **run, "name": "ppo", "policy_init": str(sft.final_dir),
                                    "reward_model": str(rm.final_dir), "episodes": 64 if args.preset == "tiny"
                                    else 512})
        t = time.perf_counter()
        train_ppo(ppo, [p for p, _ in pairs], texts, None, quiet)
        secs = time.perf_counter() - t
        rows.append(("PPO-ptx", ppo.episodes / secs, "episodes/s", 0.0))
    print(f"preset {args.preset}, device {args.device}, threads {args.threads}, {n_params / 1e6:.2f}M parameters\n")
    print("| stage | throughput | unit | MFU |\n|---|---:|---|---:|")
    for name, rate, unit, flops in rows:
        mfu = f"{flops / (args.peak_tflops * 1e12):.1%}" if args.device.startswith("cuda") and flops else "–"
        print(f"| {name} | {rate:,.0f} | {unit} | {mfu} |")


if __name__ == "__main__":
    main()
