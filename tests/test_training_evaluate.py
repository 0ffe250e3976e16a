"""training/evaluate.py: best-of-n by a scoring function on a tiny random LM."""

import random

import pytest
from transformers import AutoModelForCausalLM, AutoTokenizer

from tests.test_training_basics import make_lm, sentence
from training.evaluate import best_of_n, generate


def shorter(prompt: str, response: str) -> float:
    """A toy reward model: shorter responses score higher."""
    return -float(len(response))


@pytest.fixture(scope="module")
def lm(tmp_path_factory):
    path = make_lm(tmp_path_factory.mktemp("evaluate"), "sft")
    return AutoModelForCausalLM.from_pretrained(path), AutoTokenizer.from_pretrained(str(path))


def test_best_of_n_picks_the_top_scored_of_n_samples_per_prompt(lm):
    model, tok = lm
    rng = random.Random(0)
    prompts = [f"Q: {sentence(rng, 3)}?\nA:" for _ in range(8)]
    kw = {"max_new_tokens": 8, "seed": 3, "batch_size": 16}
    single = generate(model, tok, prompts, **kw)
    assert best_of_n(model, tok, prompts, 1, shorter, **kw) == single  # n = 1: one sample, as generate
    picks = best_of_n(model, tok, prompts, 4, shorter, **kw)
    assert picks == best_of_n(model, tok, prompts, 4, shorter, **kw)  # seeded
    samples = generate(model, tok, [p for p in prompts for _ in range(4)], **kw)
    assert picks == [min(samples[4 * i:4 * i + 4], key=len) for i in range(len(prompts))]
    assert sum(map(len, picks)) <= sum(map(len, single))
    assert len(set(samples)) > len(prompts)  # the n samples of a prompt differ
    with pytest.raises(ValueError):
        best_of_n(model, tok, prompts, 0, shorter, **kw)


def o_count(prompt: str, response: str) -> float:
    """The toy gold preference: how often the response uses the letter 'o'."""
    return float(response.count("o"))


def test_best_of_n_by_a_trained_reward_model_beats_a_single_sample_by_gold(lm, tmp_path):
    """The chain best-of-n stands for: samples ranked by a gold preference, a reward model trained on the rankings,
    and the reward model's pick of n samples scoring higher by the gold than one sample."""
    from training.reward import Ranking, RewardConfig, load_reward_model, reward_judge, train_reward
    from training.sample import sample_k

    model, tok = lm
    rng = random.Random(1)
    prompts = [f"Q: {sentence(rng, 3)}?\nA:" for _ in range(256)]
    rows = sample_k(model, tok, prompts[:128], 4, max_new_tokens=8, seed=0, batch_size=64)
    rankings = [Ranking(r["prompt"], sorted(r["responses"], key=lambda x: -o_count("", x))) for r in rows]
    cfg = RewardConfig.preset("tiny", init_from=str(make_lm(tmp_path, "sft")), out_dir=str(tmp_path), name="rm",
                              epochs=3, lr=3e-3, normalize=False)
    train_reward(cfg, rankings, log=lambda s, m: None)
    rm = load_reward_model(str(cfg.final_dir))
    judge = reward_judge(rm, tok)
    test = prompts[128:]
    kw = {"max_new_tokens": 16, "seed": 5, "batch_size": 64}  # 128 prompts x 16 tokens: enough 'o's for a ratio
    single = sum(o_count(p, r) for p, r in zip(test, generate(model, tok, test, **kw), strict=True))
    best = sum(o_count(p, r) for p, r in zip(test, best_of_n(model, tok, test, 8, judge, **kw), strict=True))
    assert best > 1.2 * single, (best, single)
