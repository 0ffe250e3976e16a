"""GPT-1 fine-tuning (training.task_finetune, gpt_assets.finetune_stage): Figure 1's input transformations, L3 =
L2 + λ·L1 on real torch, checkpoints that load with stock transformers, real HellaSwag."""

import random
from pathlib import Path

import polars as pl
import pytest
from transformers import GPT2DoubleHeadsModel

from gpt_assets.finetune_stage import finetune_sets
from gpt_assets.ingest.tasks import read_tasks
from tests.test_training_basics import make_lm
from training.task_finetune import (
    DELIM,
    EXTRACT,
    START,
    TaskExample,
    TaskFinetuneConfig,
    accuracy,
    add_task_tokens,
    finetune,
    load_task_model,
    transform,
)
from training.tokenizer import load_tokenizer

REAL = Path(__file__).resolve().parents[2] / "shared" / "real-samples"


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def lm(tmp_path_factory) -> Path:
    return make_lm(tmp_path_factory.mktemp("lm"))


def test_inputs_are_transformed_as_gpt1_figure_1(lm):
    tok = load_tokenizer(lm)
    model = GPT2DoubleHeadsModel.from_pretrained(lm)
    special = add_task_tokens(tok, model)
    assert model.get_input_embeddings().num_embeddings == len(tok) and len(set(special.values())) == 3
    s, d, e = special[START], special[DELIM], special[EXTRACT]

    def enc(text):
        return tok(text, add_special_tokens=False)["input_ids"]

    a, b = enc("the cat"), enc("a dog")
    assert transform(TaskExample("classification", ["the cat"], 0), enc, special, 128) == [[s, *a, e]]
    assert transform(TaskExample("entailment", ["the cat", "a dog"], 0), enc, special, 128) == [[s, *a, d, *b, e]]
    assert transform(TaskExample("similarity", ["the cat", "a dog"], 0), enc, special, 128) == [
        [s, *a, d, *b, e], [s, *b, d, *a, e]]  # both orders (their states are added before the head)
    mc = transform(TaskExample("multiple_choice", ["the cat"], 1, ["a dog", "the sun"]), enc, special, 128)
    assert mc == [[s, *a, d, *b, e], [s, *a, d, *enc("the sun"), e]]
    long = transform(TaskExample("multiple_choice", ["the cat sat " * 80], 0, ["a dog"]), enc, special, 32)
    assert len(long[0]) == 32 and long[0][0] == s and long[0][-1] == e and long[0][-len(b) - 1:-1] == b


def _red_task(n: int, seed: int) -> list[TaskExample]:
    """The right answer is the one that says "red" (a bag-of-words head learns it in a few steps)."""
    rng = random.Random(seed)
    words = "the cat dog sat ran on under a mat log big small blue bird sun".split()
    out = []
    for _ in range(n):
        choices = [" ".join(rng.sample(words, 3)) for _ in range(4)]
        label = rng.randrange(4)
        choices[label] = choices[label].rsplit(" ", 1)[0] + " red"
        out.append(TaskExample("multiple_choice", [" ".join(rng.sample(words, 5))], label, choices))
    return out


def test_fine_tuning_with_and_without_the_lm_objective_learns_and_reloads(lm, tmp_path):
    train, test = _red_task(160, 0), _red_task(60, 1)
    results = {}
    for coef in (0.5, 0.0):
        cfg = TaskFinetuneConfig.preset("tiny", init_from=str(lm), lm_coef=coef, out_dir=str(tmp_path),
                                        name=f"lm{coef}", epochs=3, batch_size=16)
        result = finetune(cfg, train, test, log=lambda *_: None)
        results[coef] = result
        assert result.metrics["chance"] == 0.25 and result.metrics["lm_coef"] == coef
        assert result.metrics["test_accuracy"] > 0.6 > result.metrics["untrained_head_accuracy"]
    assert all(row["lm_loss"] > 0 for row in results[0.5].history)  # L1 is in the loss with λ = 0.5 ...
    assert all(row["lm_loss"] != row["lm_loss"] for row in results[0.0].history)  # ... and absent (nan) without
    folder = results[0.5].path
    assert (folder / "config.json").exists() and START in load_tokenizer(folder).get_vocab()
    reloaded = load_task_model(str(folder))  # stock GPT2DoubleHeadsModel.from_pretrained underneath
    assert accuracy(reloaded, test) == pytest.approx(results[0.5].metrics["test_accuracy"])


def test_only_multiple_choice_is_fine_tuned(lm, tmp_path):
    cfg = TaskFinetuneConfig.preset("tiny", init_from=str(lm), out_dir=str(tmp_path))
    with pytest.raises(ValueError, match="multiple-choice"):
        finetune(cfg, [TaskExample("entailment", ["a", "b"], 0)], [], log=lambda *_: None)


@pytest.mark.skipif(not REAL.exists(), reason="../shared/real-samples/ is absent")
def test_real_hellaswag_is_cut_by_id_into_train_and_test_and_fine_tunes(lm, tmp_path):
    rows = [r for r in read_tasks(REAL / "bench_hellaswag_val_1000.jsonl", "hellaswag", "validation")
            if isinstance(r, dict)]
    rows += [r for r in read_tasks(REAL / "bench_lambada_openai_test.jsonl", "lambada", "test") if isinstance(r, dict)]
    frame = pl.DataFrame(rows, schema_overrides={"label": pl.Int64})
    sets = finetune_sets(frame, [], 0.2)
    assert list(sets) == ["hellaswag"]  # LAMBADA has no classes to fine-tune a head on
    train, test, how = sets["hellaswag"]
    assert len(train) + len(test) == 1000 and 150 < len(test) < 250 and "id hash" in how
    cfg = TaskFinetuneConfig.preset("tiny", init_from=str(lm), out_dir=str(tmp_path), name="hs", epochs=1)
    result = finetune(cfg, train[:64], test[:40], log=lambda *_: None, save=False)
    assert 0 <= result.metrics["test_accuracy"] <= 1 and result.metrics["chance"] == 0.25 and result.path is None


def test_task_models_asset_fine_tunes_every_multiple_choice_world_task_with_and_without_l1(lineage):
    frame = lineage.lake.scan("task_models").collect()
    assert set(frame["task"]) == {"world_hellaswag", "world_arc", "world_winogrande"}  # LAMBADA has no classes
    assert frame.height == 6 and frame.group_by("task").agg(pl.col("lm_coef").sort())["lm_coef"].to_list() == [
        [0.0, 0.5]] * 3
    assert frame["split"].str.starts_with("train on train").all() and frame["test_accuracy"].is_between(0, 1).all()
    model = GPT2DoubleHeadsModel.from_pretrained(frame["path"][0])  # a stock class loads the checkpoint
    assert model.config.num_labels == 1 and START in load_tokenizer(frame["path"][0]).get_vocab()
    assert ("task_models", "fine_tuning_learns", "") in lineage.checks
    listed = lineage.sql("select count(*) from checkpoints where asset = 'task_models'")[0][0]
    assert listed == 6 and "auxiliary_effect" in lineage.metadata["task_models"]
