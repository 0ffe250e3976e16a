"""Does the tiny base LM copy from its context, and does SFT then copy the prompt's slots? With and without tag lines.

    .venv/bin/python bench/copying.py [--chars 1700000] [--epochs 1 2 3] [--steps 1200] [--out /tmp/copying]

Generates world articles (``genres.article``: 30% genre pages, each answer under its tag line), and the same texts
with the tag lines removed; trains one tokenizer on the latter and the tiny base preset on each; then measures

- copying from context: nats per token of 8 random lexicon words (names, cities, animals, countries) and of the
  same 8 words repeated right after, space- and comma-separated (40 draws); a model that copies pays far less for
  the repeat;
- SFT on 13,000 world prompts (``--sft-prompts``; the Table 1 category mix, the reference answers) for each epoch
  count (tiny preset, no pretraining term), then greedy answers to 300 held-out prompts: the gold score and the
  share of the prompt's slot values (those the reference uses) that the answer holds.

Prints Markdown tables. The two variants train side by side, one torch thread each.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WORDS = 8
PROBES = 40
SFT_TEST = 300


def world_texts(chars: int, seed: int) -> list[str]:
    from gpt_assets.sampleworld import genres
    from gpt_assets.sampleworld import lexicon as lx
    from gpt_assets.sampleworld.text import TextGen

    rng = random.Random(seed)
    g = TextGen(rng)
    texts, n = [], 0
    while n < chars:
        title, paragraphs = genres.article(g, rng.choice(lx.TOPIC_NAMES), (3, 6))
        texts.append(title + "\n\n" + "\n\n".join(paragraphs))
        n += len(texts[-1])
    return texts


def without_tags(text: str) -> str:
    return "\n\n".join(p for p in text.split("\n\n") if not p.startswith("Tags: "))


def sft_data(n_train: int, seed: int) -> list[tuple[str, dict, str]]:
    from gpt_assets.sampleworld.prompts import CATEGORY_SHARES, TEMPLATES, Builders

    rng = random.Random(seed)
    build = Builders(rng)
    cats, shares = zip(*CATEGORY_SHARES, strict=True)
    return [getattr(build, rng.choice(TEMPLATES[rng.choices(cats, shares)[0]]))() for _ in range(n_train + SFT_TEST)]


def copy_probe(model, tokenizer) -> dict[str, tuple[float, float]]:
    """Mean nats per token of the first and of the repeated copy of WORDS random words, per separator."""
    import torch

    from gpt_assets.sampleworld import lexicon as lx

    pool = [*lx.FIRST_NAMES, *lx.CITIES, *lx.ANIMALS, *lx.COUNTRIES]
    out = {}
    for label, sep in (("space", " "), ("comma", ", ")):
        rng = random.Random(1)
        first_sum = second_sum = 0.0
        for _ in range(PROBES):
            words = rng.sample(pool, WORDS)
            words_ids = tokenizer(" " + sep.join(words), add_special_tokens=False)["input_ids"]
            sep_ids = tokenizer(sep.rstrip(), add_special_tokens=False)["input_ids"]  # none for a space
            ids = torch.tensor([[tokenizer.eos_token_id, *words_ids, *sep_ids, *words_ids]])
            with torch.no_grad():
                logp = torch.log_softmax(model(ids).logits[0, :-1].float(), -1)
            nll = -logp.gather(1, ids[0, 1:, None])[:, 0]  # nll[j] is the cost of token j + 1
            first_sum += nll[:len(words_ids)].mean().item()
            second_sum += nll[len(words_ids) + len(sep_ids):].mean().item()
        out[label] = (first_sum / PROBES, second_sum / PROBES)
    return out


def variant(name: str, texts: list[str], tokenizer_dir: str, out: str, steps: int, epochs: list[int],
            sft_prompts: int, seed: int) -> dict:
    import torch
    from transformers import AutoModelForCausalLM

    from gpt_assets.prompts.labeler import gold_score
    from training.generation import encode_prompts, sample
    from training.pretrain import PretrainConfig, train_lm
    from training.sft import SFTConfig, train_sft
    from training.tokenizer import load_tokenizer

    torch.set_num_threads(1)
    quiet = lambda *_: None  # noqa: E731
    t0 = time.time()
    cfg = PretrainConfig.preset("tiny", tokenizer=tokenizer_dir, out_dir=out, name=f"base_{name}", threads=1,
                                max_steps=steps, seed=seed)
    n_val = min(200, len(texts) // 10)  # held-out articles for the base's perplexity
    base = train_lm(cfg, texts[:-n_val], texts[-n_val:], log=quiet)
    row = {"variant": name, "val_ppl": base.metrics["val_ppl"], "base_s": time.time() - t0,
           "probe": copy_probe(base.model.eval(), load_tokenizer(tokenizer_dir)), "sft": {}}
    data = sft_data(sft_prompts, seed + 7)
    train, test = [(p, r) for p, _, r in data[:sft_prompts]], data[sft_prompts:]
    for n in epochs:
        t1 = time.time()
        scfg = SFTConfig.preset("tiny", init_from=str(cfg.final_dir), out_dir=out, name=f"sft_{name}_{n}",
                                threads=1, ptx_coef=0.0, epochs=n, seed=seed)
        train_sft(scfg, train, [(p, r) for p, _, r in test[:100]], log=quiet)
        tok = load_tokenizer(scfg.final_dir)
        model = AutoModelForCausalLM.from_pretrained(scfg.final_dir).eval()
        golds, recall = [], []
        for i in range(0, len(test), 50):
            chunk = test[i:i + 50]
            s = sample(model, encode_prompts(tok, [p for p, _, _ in chunk], 128 - 48), max_new_tokens=48,
                       eos_id=tok.eos_token_id, pad_id=tok.pad_token_id, temperature=0.0)
            for (_, slots, ref), ids in zip(chunk, s.responses(drop_eos=tok.eos_token_id), strict=True):
                text = tok.decode(ids)
                golds.append(gold_score(ref, text))
                values = [v for v in slots.values() if isinstance(v, str) and v and v in ref]
                if values:
                    recall.append(sum(v in text for v in values) / len(values))
        row["sft"][n] = (statistics.mean(golds), statistics.mean(recall), len(recall), time.time() - t1)
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--chars", type=int, default=1_700_000)
    ap.add_argument("--steps", type=int, default=1200)
    ap.add_argument("--epochs", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--sft-prompts", type=int, default=13_000)  # InstructGPT's SFT split: 13k prompts
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default="/tmp/copying")
    args = ap.parse_args()

    from training.tokenizer import TokenizerConfig, train_tokenizer

    tagged = world_texts(args.chars, args.seed)
    plain = [without_tags(t) for t in tagged]
    tok_cfg = TokenizerConfig.preset("tiny", out_dir=args.out, name="tokenizer")
    train_tokenizer(tok_cfg, plain)
    print(f"{len(tagged):,} articles, {sum(map(len, tagged)):,} characters with tag lines, "
          f"{sum(map(len, plain)):,} without")
    with ProcessPoolExecutor(2) as pool:
        jobs = [pool.submit(variant, name, texts, str(tok_cfg.final_dir), args.out, args.steps, args.epochs,
                            args.sft_prompts, args.seed)
                for name, texts in (("no tag lines", plain), ("tag lines", tagged))]
        rows = [j.result() for j in jobs]
    print("\n| pretraining text | base val ppl | space: first / repeat (nats) | comma: first / repeat |"
          "\n|---|---|---|---|")
    for r in rows:
        (s1, s2), (c1, c2) = r["probe"]["space"], r["probe"]["comma"]
        print(f"| {r['variant']} | {r['val_ppl']:.2f} | {s1:.2f} / {s2:.2f} | {c1:.2f} / {c2:.2f} |")
    print("\n| pretraining text | SFT epochs | gold mean | slot recall | prompts with slots | SFT + eval s |"
          "\n|---|---|---|---|---|---|")
    for r in rows:
        for n, (gold, rec, k, secs) in r["sft"].items():
            print(f"| {r['variant']} | {n} | {gold:.3f} | {rec:.3f} | {k} | {secs:.0f} |")


if __name__ == "__main__":
    main()
