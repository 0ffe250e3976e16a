"""training/reward.py: the K-wise loss, one forward pass per response, training on a synthetic preference,
bias normalisation, and a folder that loads with AutoModelForSequenceClassification."""

import math
import random

import pytest
import torch
import torch.nn.functional as F
from transformers import AutoModelForSequenceClassification, AutoTokenizer

from tests.test_training_basics import WORDS, make_lm, sentence
from training.data import model_inputs, pad
from training.reward import (
    Ranking,
    RewardConfig,
    batch_loss,
    encode,
    kwise_loss,
    load_reward_model,
    pairwise_accuracy,
    scores,
    train_reward,
)

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def keyword_rankings(n: int, seed: int, k: int = 3) -> list[Ranking]:
    """Synthetic labels: the response that mentions 'sun' ranks first, the rest in random order."""
    rng = random.Random(seed)
    plain = [w for w in WORDS if w != "sun"]
    out = []
    for _ in range(n):
        responses = [" " + " ".join(rng.choice(plain) for _ in range(5)) for _ in range(k)]
        best = responses[0].split()
        best[rng.randrange(5)] = "sun"
        out.append(Ranking(f"Q: {sentence(rng, 3)}?\nA:", [" " + " ".join(best), *responses[1:]]))
    return out


def test_kwise_loss_matches_a_hand_computation_for_k3():
    s = torch.tensor([2.0, 0.5, -1.0])  # ranked best to worst
    pairs = [(0, 1), (0, 2), (1, 2)]
    by_hand = -sum(math.log(1 / (1 + math.exp(-(s[w] - s[lo]).item()))) for w, lo in pairs) / math.comb(3, 2)
    assert kwise_loss(s).item() == pytest.approx(by_hand, rel=1e-6)
    assert kwise_loss(torch.tensor([1.0, 3.0])).item() == pytest.approx(-F.logsigmoid(torch.tensor(-2.0)).item())
    assert Ranking.from_ranks("p", ["a", "b", "c"], [2, 0, 1]).responses == ["c", "a", "b"]
    assert Ranking.from_comparison("p", "good", "bad").responses == ["good", "bad"]


def test_each_response_goes_through_the_model_once(tmp_path):
    folder = make_lm(tmp_path)
    model = load_reward_model(str(folder))
    tok = AutoTokenizer.from_pretrained(str(folder))
    calls = []
    model.transformer.register_forward_hook(lambda mod, args, kwargs, out: calls.append(args[0].shape[0]),
                                            with_kwargs=True)
    batch = keyword_rankings(2, seed=0, k=4) + keyword_rankings(1, seed=1, k=2)
    loss, _ = batch_loss(model, tok, batch, max_len=64)
    assert calls == [4 + 4 + 2]  # one padded forward pass, one row per response (not per pair)
    s = scores(model, tok, [r.prompt for r in batch for _ in r.responses], [x for r in batch for x in r.responses])
    expected = torch.stack([kwise_loss(c) for c in torch.split(s, [4, 4, 2])]).mean()
    torch.testing.assert_close(loss, expected)


def test_reward_model_learns_a_preference_and_loads_as_sequence_classifier(tmp_path):
    sft = make_lm(tmp_path, "sft")
    train, held_out = keyword_rankings(96, seed=0), keyword_rankings(32, seed=1)
    demos = [(r.prompt, r.responses[1]) for r in keyword_rankings(16, seed=2)]
    tok = AutoTokenizer.from_pretrained(str(sft))
    untrained = pairwise_accuracy(load_reward_model(str(sft)), tok, held_out)
    cfg = RewardConfig.preset("tiny", init_from=str(sft), out_dir=str(tmp_path), name="rm", epochs=2)
    result = train_reward(cfg, train, held_out, demos, log=lambda s, m: None)
    assert result.history[-1]["loss"] < result.history[0]["loss"]
    assert result.metrics["val_accuracy"] > max(0.5, untrained)
    assert result.metrics["val_accuracy"] > 0.7

    model = AutoModelForSequenceClassification.from_pretrained(result.path).eval()
    assert model.config.num_labels == 1 and model.config.pad_token_id == tok.pad_token_id
    assert pairwise_accuracy(model, tok, held_out) == pytest.approx(result.metrics["val_accuracy"])
    # the labelers' demonstrations score mean 0 after the bias is set (§3.5)
    with torch.no_grad():
        demo_scores = scores(model, tok, [p for p, _ in demos], [r for _, r in demos])
    assert abs(demo_scores.mean().item()) < 1e-4
    # plain HF scoring (last non-pad token of right-padded rows) agrees with ours
    ids, mask = pad([encode(tok, p, r, 128) for p, r in demos[:3]], tok.pad_token_id)
    with torch.no_grad():
        plain = model(input_ids=ids, attention_mask=mask).logits[:, 0]
        ours = model(**model_inputs(ids, mask)).logits[:, 0]
    torch.testing.assert_close(plain, demo_scores[:3])
    torch.testing.assert_close(ours, demo_scores[:3])
