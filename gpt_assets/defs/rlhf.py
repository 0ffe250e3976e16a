"""RLHF assets (InstructGPT §3.5-3.6): ``rm_rankings`` / ``rm_comparisons``, ``reward_model``, ``ppo_policy``,
``policy_evaluation``.

Thin, like the other training assets: they gather inputs from the lake and call ``training/`` in-process; the
checkpoints follow ``gpt_assets.defs.checkpoints``. The CPU budgets (how many RM and test prompts are sampled on
the ``tiny`` preset) are ours: the paper's 33k RM prompts times K samples do not fit two CPU cores in minutes.

With labeler kind ``imported`` (real human feedback, no labeler) nothing is sampled or ranked: ``rm_comparisons`` is
the imported comparisons, held out by prompt; the reward model trains on their ``train`` part and is validated on
``val``; the evaluation also scores SFT and PPO on those held-out human pairs.
"""

# No `from __future__ import annotations`: Dagster reads the annotations.

import math
from dataclasses import replace
from itertools import combinations
from typing import Any

import dagster as dg
import polars as pl
from pydantic import Field

from gpt_assets.defs.checkpoints import (
    GROUP,
    POOL,
    TrainingConfig,
    fingerprint,
    heldout,
    latest,
    numeric,
    pretraining_texts,
    record,
    resolve_preset,
    resolved_table,
    saved_run,
    step_logger,
    version_of,
)
from gpt_assets.defs.common import (
    check_result,
    curve_metadata,
    image_md,
    md_dict,
    md_table,
    table_metadata,
    write_drops,
)
from gpt_assets.defs.launch import train_or_reuse
from gpt_assets.defs.params import PPOParams, RewardParams
from gpt_assets.defs.prompts import LabelerResource
from gpt_assets.prompts.labeler import Prompt, SimulatedLabeler, gold_score
from gpt_assets.prompts.rankings import (
    COMPARISON_SCHEMA,
    IDENTICAL,
    RANKING_SCHEMA,
    SAMPLED_SOURCES,
    comparisons,
    rank_samples,
)
from gpt_assets.resources import Compute, DataRoot

# Prompts sampled per preset where the config says -1 (ours: a CPU budget; 0 = the whole split).
RM_PROMPTS = {"tiny": 1500, "gpt2-124m": 0}
RM_VAL_PROMPTS = {"tiny": 300, "gpt2-124m": 2000}
EVAL_PROMPTS = {"tiny": 400, "gpt2-124m": 2000}


def _part_prompts(data: DataRoot, asset: str, key: str, text: str, split: str, limit: int,
                  seed: int) -> list[Prompt]:
    """One split of a splits table as prompts, in key order; at most ``limit`` (0 = all), a seeded sample."""
    frame = data.lake.scan(asset).filter(pl.col("split") == split).select(key, text).collect().sort(key)
    if limit and frame.height > limit:
        frame = frame.sample(limit, seed=seed).sort(key)
    return [Prompt(k, t) for k, t in frame.iter_rows()]


def _split_prompts(data: DataRoot, split: str, limit: int, seed: int) -> list[Prompt]:
    return _part_prompts(data, "prompt_splits", "prompt_id", "text", split, limit, seed)


def _split_dialogues(data: DataRoot, split: str, limit: int, seed: int) -> list[Prompt]:
    """A dialogue_splits part as prompts: the conversation's id and its context in the chat template."""
    if not data.lake.parts("dialogue_splits"):
        return []
    return _part_prompts(data, "dialogue_splits", "conversation_id", "prompt", split, limit, seed)


def _budget(value: int, table: dict[str, int], preset: str) -> int:
    return table.get(preset, 0) if value < 0 else value


def _load_policy(path: str, device: str):
    from transformers import AutoModelForCausalLM

    from training.tokenizer import load_tokenizer

    return AutoModelForCausalLM.from_pretrained(path).to(device), load_tokenizer(path)


class RMDataConfig(TrainingConfig):
    """Sampling for the RM dataset; ``overrides`` go to ``training.sample.SampleConfig``."""

    k: int = Field(default=4, description="InstructGPT §3.5: labelers rank K = 4 to 9 SFT samples per prompt.")
    rm_prompts: int = Field(default=-1, description="RM-split prompts to sample; -1 = the preset's budget (tiny "
                            "1,500), 0 = all (InstructGPT §3.2: 33k).")
    val_prompts: int = Field(default=-1, description="Val-split prompts for the held-out accuracy; -1 = the "
                             "preset's budget (tiny 300, gpt2-124m 2,000).")
    max_unranked_share: float = Field(default=0.05, description="The unranked_share check: at most this share of "
                                      "sampled prompts left unranked for want of a label (ours).")
    max_identical_share: float = Field(default=0.2, description="The unranked_share check: at most this share of "
                                       "sampled prompts whose K samples are all one text. A fine-tuned model gives a "
                                       "closed prompt (a refusal, a label) the same answer every time, and that "
                                       "leaves nothing to rank; far above it the sampling is too cold or SFT has "
                                       "collapsed (ours: the demo's 2-epoch SFT leaves 7.4%, refusals and spam "
                                       "labels; bench/RESULTS.md).")
    rm_dialogues: int = Field(default=0, description="Conversations of dialogue_splits' rm (and val) part whose "
                              "context is sampled K times and ranked (ChatGPT: comparisons rank alternative "
                              "assistant turns); 0 = all.")


@dg.multi_asset(
    group_name=GROUP, pool=POOL,
    specs=[dg.AssetSpec("rm_rankings", kinds={"pytorch", "parquet"},
                        deps=["sft_model", "prompt_splits", "dialogue_splits"],
                        description="K responses sampled from sft_model per RM prompt and per RM conversation's "
                                    "context (kind dialogue), ranked by the labeler (none with labeler kind "
                                    "imported)."),
           dg.AssetSpec("rm_comparisons", kinds={"polars", "parquet"}, deps=["rm_rankings", "imported_comparisons"],
                        description="All C(K,2) pairs of every ranking, plus imported human comparisons held out "
                                    "by prompt into train/val.")],
    check_specs=[
        dg.AssetCheckSpec("rankings_valid", asset="rm_rankings", blocking=True,
                          description="Each ranking a permutation of 2..K distinct responses. Labeler kind imported: "
                                      "each human comparison a valid K = 2 ranking (both sides non-empty, distinct)."),
        dg.AssetCheckSpec("unranked_share", asset="rm_rankings", blocking=True,
                          description="At most max_unranked_share of the sampled prompts left unranked for want of "
                                      "a label, and at most max_identical_share with K identical samples. Labeler "
                                      "kind imported: human comparisons in both the train and the val (held-out) "
                                      "part."),
        dg.AssetCheckSpec("pairs_reconcile", asset="rm_comparisons", blocking=True,
                          description="Pairs = sum of C(K,2) over rankings + imported comparisons; no chosen == "
                                      "rejected; no prompt in both train and val.")],
)
def rm_data(context: dg.AssetExecutionContext, config: RMDataConfig, data: DataRoot, compute: Compute,
            labeler: LabelerResource):
    from training.config import from_dict
    from training.sample import SampleConfig, sample_k

    if labeler.imported:
        yield from _imported_rm_data(config, data)
        return
    if not 2 <= config.k <= 9:
        raise dg.Failure(f"k={config.k}: InstructGPT ranks K = 4 to 9 responses (2 is the least that ranks)")
    preset, device = resolve_preset(config, compute)
    scfg = from_dict(SampleConfig, {"preset": preset, "device": device, "k": config.k, **config.overrides})
    sft = latest(data, "sft_model")
    model, tokenizer = _load_policy(sft, device)
    who = labeler.labeler(data)
    policy = f"sft_model/{sft.rsplit('/', 1)[-1]}"
    frames, unranked, sampled = [], [], {}
    for kind, split, budget, offset in (("prompt", "rm", _budget(config.rm_prompts, RM_PROMPTS, preset), 0),
                                        ("prompt", "val", _budget(config.val_prompts, RM_VAL_PROMPTS, preset), 1),
                                        ("dialogue", "rm", config.rm_dialogues, 2),
                                        ("dialogue", "val", config.rm_dialogues, 3)):
        prompts = _split_prompts(data, split, budget, scfg.seed) if kind == "prompt" \
            else _split_dialogues(data, split, budget, scfg.seed)
        if not prompts:
            continue
        rows = sample_k(model, tokenizer, [p.text for p in prompts], scfg.k, max_new_tokens=scfg.max_new_tokens,
                        temperature=scfg.temperature, top_k=scfg.top_k, seed=scfg.seed + offset,
                        batch_size=scfg.batch_size, max_prompt_len=scfg.max_prompt_len)
        ranked, left = rank_samples(prompts, rows, who, "train" if split == "rm" else "val", policy, kind)
        frames.append(ranked)
        unranked.append(left)
        sampled[split if kind == "prompt" else f"dialogue_{split}"] = len(prompts)
        context.log.info(f"{kind} {split}: {len(prompts)} contexts x {scfg.k} samples, {ranked.height} ranked")
    rankings, left = pl.concat(frames), pl.concat(unranked)
    data.lake.drop_parts("rm_rankings")
    for split in ("train", "val"):
        data.lake.write_frame("rm_rankings", rankings.filter(pl.col("split") == split), split)
    write_drops(data, "rm_rankings", left.select(pl.col("prompt_id").alias("doc_id"), "reason"), "prompts")

    pairs = pl.concat([comparisons(rankings.filter(pl.col("kind") == kind), source)
                       for kind, source in SAMPLED_SOURCES.items()])
    imported = _imported_comparisons(data, config.heldout_share)
    all_pairs = pl.concat([pairs, imported])
    data.lake.write_frame("rm_comparisons", all_pairs)
    data.publish("rm_rankings", "rm_comparisons", "document_drops")

    ks = rankings["k"]
    eos = rankings["ended"].list.mean().mean() if rankings.height else 0.0
    reasons = dict(left.group_by("reason").len().iter_rows()) if left.height else {}
    ceiling = _gold_ceiling(who, rankings.filter((pl.col("split") == "val") & (pl.col("kind") == "prompt")))
    dialogue_ceiling = _gold_ceiling(who, rankings.filter((pl.col("split") == "val") & (pl.col("kind") == "dialogue")))
    yield dg.MaterializeResult(asset_key="rm_rankings", metadata=table_metadata(
        rankings, data, "rm_rankings", policy=policy, labeler=labeler.kind, k_sampled=scfg.k,
        prompts_sampled=dg.MetadataValue.json(sampled), unranked=dg.MetadataValue.json(reasons),
        mean_k=round(float(ks.mean() or 0), 2), eos_rate=round(float(eos or 0), 3),
        **({"val_gold_agreement": round(ceiling, 4)} if ceiling is not None else {}),
        **({"val_dialogue_gold_agreement": round(dialogue_ceiling, 4)} if dialogue_ceiling is not None else {}),
        rankings_by_kind=dg.MetadataValue.json(dict(rankings.group_by("kind").len().iter_rows())
                                               if rankings.height else {}),
        max_new_tokens=scfg.max_new_tokens))
    by_source = dict(all_pairs.group_by("source").len().iter_rows()) if all_pairs.height else {}
    yield dg.MaterializeResult(asset_key="rm_comparisons", metadata=table_metadata(
        all_pairs, data, "rm_comparisons", by_source=dg.MetadataValue.json(by_source)))

    bad = rankings.filter((pl.col("k") < 2) | (pl.col("k") > scfg.k)
                          | (pl.col("ranking").list.sort() != pl.int_ranges(0, pl.col("k")))).height
    yield check_result("rankings_valid", bad == 0,
                 f"{bad} rankings are not a permutation of 2..{scfg.k} distinct responses (should be 0): a labeler "
                 "returned a bad order; fix its rankings file", invalid_rows=bad, asset="rm_rankings")
    n_sampled, n_identical = max(1, sum(sampled.values())), reasons.get(IDENTICAL, 0)
    identical, share = n_identical / n_sampled, (left.height - n_identical) / n_sampled
    yield check_result("unranked_share", share <= config.max_unranked_share
                 and identical <= config.max_identical_share and rankings.height > 0,
                 f"of {n_sampled} sampled prompts {share:.1%} were left unranked for want of a label (at most "
                 f"max_unranked_share={config.max_unranked_share:.0%}) and {identical:.1%} had {scfg.k} identical "
                 f"samples (at most max_identical_share={config.max_identical_share:.0%}; {reasons}), "
                 f"{rankings.height} ranked: give the labeler rankings for the unlabeled (kind files, or labeler "
                 "kind imported for real human comparisons), and for identical samples sample warmer "
                 "(rm_data.overrides.temperature) or fine-tune SFT for fewer epochs",
                 unranked_share=round(share, 4), identical_share=round(identical, 4), ranked=rankings.height,
                 asset="rm_rankings")
    expected = int(sum(math.comb(k, 2) for k in ks)) + imported.height
    yield from _reconcile(all_pairs, expected)


def _reconcile(pairs: pl.DataFrame, expected: int):
    same = pairs.filter(pl.col("chosen") == pl.col("rejected")).height
    both = pairs.group_by("prompt_id").agg(pl.col("split").n_unique().alias("n")).filter(pl.col("n") > 1).height
    yield check_result("pairs_reconcile", expected == pairs.height and not same and not both,
                 f"rm_comparisons has {pairs.height} pairs against {expected} expected, {same} with chosen == "
                 f"rejected and {both} prompts in both train and val (should be 0 and 0): a bug in the pairing or "
                 "the hold-out", expected=expected, rows=pairs.height, chosen_is_rejected=same,
                 prompts_in_both_splits=both, asset="rm_comparisons")


def _imported_rm_data(config: RMDataConfig, data: DataRoot):
    """Labeler kind imported: no SFT samples drawn or ranked; rm_comparisons is the imported human comparisons,
    held out by prompt (a prompt's pairs all in train or all in val)."""
    imported = _imported_comparisons(data, config.heldout_share)
    data.lake.drop_parts("rm_rankings")  # no stale sampled rankings from an earlier run stay behind
    empty = pl.DataFrame(schema=RANKING_SCHEMA)
    for split in ("train", "val"):
        data.lake.write_frame("rm_rankings", empty, split)
    write_drops(data, "rm_rankings", pl.DataFrame(schema={"doc_id": pl.String, "reason": pl.String}), "prompts")
    data.lake.write_frame("rm_comparisons", imported)
    data.publish("rm_rankings", "rm_comparisons", "document_drops")
    parts = {s: imported.filter(pl.col("split") == s) for s in ("train", "val")}
    counts = {s: f.height for s, f in parts.items()}
    prompts = {s: f["prompt_id"].n_unique() for s, f in parts.items()}
    yield dg.MaterializeResult(asset_key="rm_rankings", metadata=table_metadata(
        empty, data, "rm_rankings", labeler="imported", skipped=dg.MetadataValue.md(
            "Labeler kind `imported`: no SFT samples drawn or ranked. The reward model trains on the imported "
            "human comparisons (`rm_comparisons`, split `train`) and is validated on the held-out ones (`val`)."),
        human_comparisons=dg.MetadataValue.json(counts), human_prompts=dg.MetadataValue.json(prompts)))
    by_source = dict(imported.group_by("source").len().sort("source").iter_rows()) if imported.height else {}
    yield dg.MaterializeResult(asset_key="rm_comparisons", metadata=table_metadata(
        imported, data, "rm_comparisons", by_source=dg.MetadataValue.json(by_source),
        pairs_by_split=dg.MetadataValue.json(counts), heldout="by prompt_id hash (a prompt's pairs in one split)"))
    bad = imported.filter((pl.col("prompt").str.strip_chars() == "") | (pl.col("chosen").str.strip_chars() == "")
                          | (pl.col("rejected").str.strip_chars() == "") | (pl.col("chosen") == pl.col("rejected")))
    yield check_result("rankings_valid", bad.height == 0,
                 f"{bad.height} of {imported.height} imported comparisons are not a valid K = 2 ranking (an empty "
                 "side or chosen == rejected; should be 0): fix the file under raw/feedback/",
                 invalid_rows=bad.height, comparisons=imported.height, asset="rm_rankings")
    yield check_result("unranked_share", counts["train"] > 0 and counts["val"] > 0,
                 f"labeler kind imported: {counts['train']} train and {counts['val']} held-out (val) human "
                 "comparisons; the reward model needs both: add HH-RLHF or OpenAssistant files under raw/feedback/ "
                 "(more prompts give a val part) and materialize imported_comparisons",
                 train_comparisons=counts["train"], val_comparisons=counts["val"], val_prompts=prompts["val"],
                 asset="rm_rankings")
    yield from _reconcile(imported, data.lake.scan("imported_comparisons").select(pl.len()).collect().item()
                          if data.lake.parts("imported_comparisons") else 0)


def wilson_interval(p: float, n: int, z: float = 1.96) -> tuple[float, float]:
    """The Wilson score interval of a proportion ``p`` measured on ``n`` trials (95% for z = 1.96)."""
    if n <= 0 or not math.isfinite(p):
        return 0.0, 1.0
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def _gold_ceiling(who, rankings: pl.DataFrame) -> float | None:
    """Share of ranked pairs whose order the noise-free gold preference shares (ties half): the most a reward model
    can score against these rankings. Only the simulated labeler knows the gold."""
    if not isinstance(who, SimulatedLabeler) or rankings.height == 0:
        return None
    agree = pairs = 0.0
    for pid, prompt, responses, ranking in rankings.select("prompt_id", "prompt", "responses", "ranking").iter_rows():
        gold = who.gold(Prompt(pid, prompt), responses)
        for a, b in combinations(ranking, 2):
            agree += 1.0 if gold[a] > gold[b] else 0.5 if gold[a] == gold[b] else 0.0
            pairs += 1
    return agree / pairs


def _imported_comparisons(data: DataRoot, heldout_share: float) -> pl.DataFrame:
    if not data.lake.parts("imported_comparisons"):
        return pl.DataFrame(schema=COMPARISON_SCHEMA)
    frame = data.lake.scan("imported_comparisons").collect()
    held = heldout(frame["prompt_id"], max(heldout_share, 0.05))
    return frame.with_columns(pl.lit(0, pl.Int64).alias("chosen_rank"), pl.lit(1, pl.Int64).alias("rejected_rank"),
                              pl.when(held).then(pl.lit("val")).otherwise(pl.lit("train")).alias("split")) \
        .select(list(COMPARISON_SCHEMA))


def _bias_demonstrations(data: DataRoot) -> pl.DataFrame:
    """The demonstrations that set the reward bias (§3.5: labeler demonstrations score mean 0): the labeler's, or with
    none (labeler kind imported) the imported human ones."""
    for asset in ("demonstrations", "imported_demonstrations"):
        if data.lake.parts(asset):
            frame = data.lake.scan(asset).select("prompt_id", "prompt", "response").collect().sort("prompt_id")
            if frame.height:
                return frame
    return pl.DataFrame(schema={"prompt_id": pl.String, "prompt": pl.String, "response": pl.String})


def _rankings(data: DataRoot, split: str, kind: str | None = "prompt") -> list:
    """The sampled rankings of one split: of single-turn prompts, of dialogue contexts, or (None) both."""
    from training.reward import Ranking

    rows = data.lake.scan("rm_rankings").filter(pl.col("split") == split)
    rows = rows if kind is None else rows.filter(pl.col("kind") == kind)
    return [Ranking.from_ranks(p, r, o) for p, r, o in rows.select("prompt", "responses", "ranking").collect()
            .iter_rows()]


def _ranking_frame(rankings) -> pl.DataFrame:
    """Rankings as rows ``{prompt, responses}`` (best first), the reward CLI's input."""
    return pl.DataFrame({"prompt": [r.prompt for r in rankings], "responses": [r.responses for r in rankings]},
                        schema={"prompt": pl.String, "responses": pl.List(pl.String)})


class RewardModelConfig(RewardParams):
    min_val_accuracy: float = Field(default=0.68, description="The val_accuracy check (warns): held-out pairwise "
                                    "accuracy against the labeler at least this (ours; the noise-free gold ceiling "
                                    "is reported beside it: labelers agree 72.6%, InstructGPT App. B).")
    # the `better_than_chance` check (blocks PPO): a reward model at chance teaches nothing. It blocks when the held-out
    # pairs show it: the upper end of accuracy's 95% Wilson interval at or below this (100 pairs cannot tell 0.55
    # from 0.5; a point estimate would block a coin flip's worth of good models)
    block_below: float = Field(default=0.5, description="The better_than_chance check (blocks PPO): blocks when "
                               "the upper end of held-out accuracy's 95% interval is at or below this.")
    bias_demonstrations: int = Field(default=512, description="Demonstrations scored to set the bias (InstructGPT "
                                     "§3.5: mean 0); ours: a sample.")


@dg.asset(group_name=GROUP, kinds={"pytorch"},
          deps=["rm_rankings", "rm_comparisons", "sft_model", "demonstrations", "imported_demonstrations"], pool=POOL,
          check_specs=[dg.AssetCheckSpec("better_than_chance", asset="reward_model", blocking=True,
                                         description="Blocks when held-out pairwise accuracy is shown no better "
                                                     "than block_below (the 95% interval's upper end at or below "
                                                     "it): on the sampled val rankings, else on the held-out human "
                                                     "comparisons."),
                       dg.AssetCheckSpec("val_accuracy", asset="reward_model",
                                         description="The same held-out accuracy at least min_val_accuracy.")],
          description="The SFT model with a scalar head, trained 1 epoch on K-wise rankings and imported human "
                      "comparisons; bias: demos mean 0.")
def reward_model(context: dg.AssetExecutionContext, config: RewardModelConfig, data: DataRoot, compute: Compute,
                 labeler: LabelerResource):
    from training.config import from_dict
    from training.reward import Ranking, RewardConfig, train_reward

    preset, device = resolve_preset(config, compute)
    train, val = _rankings(data, "train", None), _rankings(data, "val")
    val_dialogue = _rankings(data, "val", "dialogue")
    comps = data.lake.scan("rm_comparisons").select("prompt_id", "prompt", "chosen", "rejected", "source", "split") \
        .collect()
    imported = comps.filter(~pl.col("source").is_in(list(SAMPLED_SOURCES.values()))) \
        .select("prompt", "chosen", "rejected", "split")
    train += [Ranking.from_comparison(p, c, r) for p, c, r, s in imported.iter_rows() if s == "train"]
    val_imported = [Ranking.from_comparison(p, c, r) for p, c, r, s in imported.iter_rows() if s == "val"]
    demos = _bias_demonstrations(data)
    demos = demos.sample(min(config.bias_demonstrations, demos.height), seed=0) if demos.height else demos
    cfg = from_dict(RewardConfig, config.training_config(preset, device=device))
    cfg = replace(cfg, init_from=latest(data, "sft_model"))
    version = version_of(cfg, fingerprint(comps, "prompt_id", "chosen", "rejected"), fingerprint(demos, "prompt_id"))
    cfg = replace(cfg, out_dir=str(data.lake.checkpoints / "reward_model"), name=version)
    extra = {"imported": val_imported, "dialogue": val_dialogue}
    metrics = train_or_reuse(
        context, cfg, config.nproc_per_node, "training.reward",
        lambda: {"data_path": _ranking_frame(train), "val_path": _ranking_frame(val),
                 "demonstrations_path": demos.select("prompt", "response"),
                 "extra_val_paths": {name: _ranking_frame(rows) for name, rows in extra.items() if rows}},
        lambda: train_reward(cfg, train, val, list(demos.select("prompt", "response").iter_rows()),
                             step_logger(context), extra_val=extra).metrics)
    record(context, data, "reward_model", version, metrics)
    human = metrics.get("val_accuracy_imported")
    ceiling = _gold_ceiling(labeler.labeler(data), data.lake.scan("rm_rankings").filter(
        (pl.col("split") == "val") & (pl.col("kind") == "prompt"))
                            .collect()) if labeler.kind == "simulated" and val else None
    yield dg.MaterializeResult(metadata={
        **({"val_gold_ceiling": round(ceiling, 4)} if ceiling is not None else {}),
        **numeric(metrics), "version": version, "preset": preset, "device": device,
        "train_rankings": len(train), "val_rankings": len(val), "human_val_pairs": len(val_imported),
        "val_dialogue_rankings": len(val_dialogue),
        **({"heldout_human_accuracy": human} if human is not None else {}),
        "metrics": dg.MetadataValue.md(md_table([metrics])), "path": dg.MetadataValue.path(str(cfg.final_dir)),
        "config": resolved_table(cfg), **curve_metadata(cfg.final_dir)})
    # the sampled val rankings when there are any (simulated / files labeler), else the held-out human comparisons
    on = "sampled val rankings" if val else "held-out human comparisons"
    acc = metrics.get("val_accuracy" if val else "val_accuracy_imported", math.nan)
    meta = {"val_accuracy": acc, "measured_on": on, "pairs": len(val) if val else len(val_imported),
            **({"gold_ceiling": round(ceiling, 4)} if ceiling is not None else {})}
    lo, hi = wilson_interval(acc, meta["pairs"])
    meta = {**meta, "interval_95": f"{lo:.3f}-{hi:.3f}"}
    yield check_result("better_than_chance", math.isfinite(acc) and hi > config.block_below,
                 f"held-out accuracy {acc:.3f} on {meta['pairs']} {on} (95% interval {lo:.3f}-{hi:.3f}) shows the "
                 f"reward model no better than block_below={config.block_below} (chance): PPO would learn nothing "
                 "from it; train on more comparisons or a larger preset, or check that the comparisons' chosen "
                 "side is the better one", above=config.block_below, **meta, asset="reward_model")
    yield dg.AssetCheckResult(
        check_name="val_accuracy", passed=bool(acc >= config.min_val_accuracy), severity=dg.AssetCheckSeverity.WARN,
        metadata={**meta, "min": config.min_val_accuracy},
        description=None if acc >= config.min_val_accuracy else
        f"held-out accuracy {acc:.3f} on the {on}"
        + (f" (the noise-free gold preference scores {ceiling:.3f} on them)" if ceiling is not None else "")
        + f" is below min_val_accuracy={config.min_val_accuracy}: more comparisons (rm_prompts, k), a larger preset "
        "or more SFT steps raise it")


@dg.asset(group_name=GROUP, kinds={"pytorch"}, deps=["reward_model", "sft_model", "prompt_splits", "training_mixture"],
          pool=POOL, check_specs=[dg.AssetCheckSpec("reward_rose", asset="ppo_policy",
                                                    description="Mean reward of the last third of iterations above "
                                                                "the first third's.")],
          description="PPO-ptx from the SFT model against the reward model (KL to SFT, pretraining mix).")
def ppo_policy(context: dg.AssetExecutionContext, config: PPOParams, data: DataRoot, compute: Compute,
               labeler: LabelerResource):
    from training.config import from_dict
    from training.ppo import PPOConfig, train_ppo

    preset, device = resolve_preset(config, compute)
    prompts = data.lake.scan("prompt_splits").filter(pl.col("split") == "ppo").select("prompt_id", "text") \
        .collect().sort("prompt_id")
    gold = _gold_judge(labeler, data, [Prompt(p, t) for p, t in prompts.iter_rows()])
    if config.reward == "gold" and gold is None:
        raise dg.Failure("reward gold (the oracle run) needs the sample world's gold preference: the simulated labeler "
                         "and prompts it generated; with other labelers PPO trains against the reward model")
    ptx = pretraining_texts(data, config.heldout_share)
    cfg = from_dict(PPOConfig, config.training_config(preset, device=device))
    oracle = config.reward == "gold"
    # the oracle trains on the gold, its value function still starts from the reward model (C.4): from the policy's
    # fresh head it gained 0.519 against 0.551 (960 episodes, bench/RESULTS.md)
    rm = latest(data, "reward_model")
    cfg = replace(cfg, policy_init=latest(data, "sft_model"), reward_model="" if oracle else rm,
                  value_init=rm if oracle and not cfg.value_init else cfg.value_init)
    version = version_of(cfg, fingerprint(prompts, "prompt_id"), fingerprint(ptx, "doc_id") if cfg.ptx_coef else "",
                         "oracle" if oracle else "")
    cfg = replace(cfg, out_dir=str(data.lake.checkpoints / "ppo_policy"), name=version)
    saved = saved_run(cfg.final_dir)
    if saved:
        metrics, history = saved["metrics"], saved["history"]
    else:
        result = train_ppo(cfg, prompts["text"].to_list(), ptx["text"].to_list() if cfg.ptx_coef else (),
                           reward_fn=gold if oracle else None, log=step_logger(context), monitor_fn=gold)
        metrics, history = result.metrics, result.history
    first, last = _thirds([h["reward"] for h in history])
    metrics = {**metrics, "reward_first_third": first, "reward_last_third": last,
               "iterations": len(history), "episodes": len(history) * cfg.batch_size, "ptx_coef": cfg.ptx_coef}
    if history and "gold" in history[0]:
        metrics["gold_first_third"], metrics["gold_last_third"] = _thirds([h["gold"] for h in history])
    record(context, data, "ppo_policy", version, metrics)
    curve = cfg.final_dir / "curve.png"
    yield dg.MaterializeResult(metadata={  # gamma_ptx is in the objective and the config table, not a plot
        **numeric({k: v for k, v in metrics.items() if k != "ptx_coef"}), "version": version, "preset": preset,
        "device": device,
        "objective": (f"PPO-ptx (gamma_ptx {cfg.ptx_coef:g})" if cfg.ptx_coef else "PPO")
        + (" against the gold preference" if oracle else ""),
        "history": dg.MetadataValue.md(md_table([{k: round(v, 4) for k, v in h.items()
                                                  if k in ("step", "reward", "gold", "kl", "total_reward",
                                                           "response_len", "eos_rate", "ptx_loss")} for h in history],
                                                limit=30)),
        "config": resolved_table(cfg), **curve_metadata(curve.parent),
        **({"overoptimization": image_md(curve.parent / "overoptimization.png", "gold and RM score against KL")}
           if (curve.parent / "overoptimization.png").exists() else {}),
        "path": dg.MetadataValue.path(str(cfg.final_dir))})
    yield dg.AssetCheckResult(check_name="reward_rose", passed=last > first,
                              severity=dg.AssetCheckSeverity.WARN,
                              metadata={"first_third": first, "last_third": last},
                              description=None if last > first else
                              f"mean reward over the last third of PPO iterations ({last:.4g}) is not above the "
                              f"first third's ({first:.4g}): the policy did not improve; run more episodes "
                              "(overrides episodes) or check the reward model's held-out accuracy")


class EvaluationConfig(TrainingConfig):
    """``overrides`` go to ``training.evaluate.EvaluateConfig`` (max_new_tokens, temperature, batch_size, seed)."""

    test_prompts: int = Field(default=-1, description="Test-split prompts (InstructGPT §3.6: held-out users); -1 = "
                              "the preset's budget (tiny 400, gpt2-124m 2,000), 0 = all.")
    min_win_rate: float = Field(default=0.60, description="The ppo_beats_sft check (warns): PPO's win rate against "
                                "SFT by the gold preference (or the RM's), ties half, at least this (issue 12's "
                                "target), and its 95% Wilson interval above 0.5.")
    min_sft_gain: float = Field(default=2.0, description="The sft_beats_base check (warns): SFT's mean gold score on "
                                "the test prompts at least this many times base_lm's (target 2x: InstructGPT §4, "
                                "issue 12).")
    best_of: list[int] = Field(default=[4, 16], description="n of best-of-n from the SFT model by the reward model, "
                               "judged by gold: the reference point PPO should approach (Gao et al. 2022 / "
                               "InstructGPT); one draw of max(n) samples per prompt, best-of-m from its first m.")
    best_of_prompts: int = Field(default=200, description="Test prompts for best-of-n (the first of the sampled "
                                 "ones); ours: a CPU budget.")
    perplexity_docs: int = Field(default=200, description="Held-out mixture documents for the alignment tax "
                                 "(perplexity of base, SFT and PPO); ours: a CPU budget.")
    test_dialogues: int = Field(default=0, description="Test conversations of dialogue_splits whose context SFT "
                                "and PPO answer (ChatGPT); 0 = all.")
    min_in_template: float = Field(default=0.9, description="The sft_answers_in_template check (warns): SFT's "
                                   "replies to test conversations that write no role token, at least this share "
                                   "(ours).")
    human_pairs: int = Field(
        default=2000, description="Held-out human comparisons (rm_comparisons, split val, not sampled) on which SFT "
                                  "and PPO are scored by log p(chosen) - log p(rejected) per token; 0 = all (ours: "
                                  "a budget; InstructGPT §4.1 also reports held-out labelers' preferences)")


@dg.asset(group_name=GROUP, kinds={"pytorch", "parquet"},
          deps=["ppo_policy", "sft_model", "reward_model", "base_lm", "dialogue_splits"],
          pool=POOL, check_specs=[dg.AssetCheckSpec("ppo_beats_sft", asset="policy_evaluation",
                                                    description="Win rate of PPO over SFT on test prompts (ties "
                                                                "half; gold judge where known, else the RM) at "
                                                                "least min_win_rate, the lower end of its 95% "
                                                                "Wilson interval above 0.5."),
                                  dg.AssetCheckSpec("sft_answers_in_template", asset="policy_evaluation",
                                                    description="SFT's replies to the test conversations' contexts "
                                                                "stay in their turn (no role token written) at "
                                                                "least min_in_template of the time; passes "
                                                                "unmeasured without test conversations."),
                                  dg.AssetCheckSpec("sft_beats_base", asset="policy_evaluation",
                                                    description="SFT's mean gold score on the test prompts at least "
                                                                "min_sft_gain times base_lm's, both sampled alike; "
                                                                "passes unmeasured without a gold judge.")],
          description="PPO vs SFT on held-out test prompts: win rates (gold, RM) with 95% intervals, KL, perplexity "
                      "(alignment tax); gold means of base, SFT and PPO; best-of-n from SFT by the RM; and how SFT "
                      "and PPO order held-out human comparisons.")
def policy_evaluation(context: dg.AssetExecutionContext, config: EvaluationConfig, data: DataRoot,
                      compute: Compute, labeler: LabelerResource):
    from transformers import AutoModelForCausalLM

    from training.config import from_dict
    from training.evaluate import (
        EvaluateConfig,
        compare,
        generate,
        human_preference,
        kl_to_reference,
        perplexity,
        summarize,
    )
    from training.reward import load_reward_model, reward_judge
    from training.runtime import setup
    from training.tokenizer import load_tokenizer

    preset, device = resolve_preset(config, compute)
    ecfg = from_dict(EvaluateConfig, {"preset": preset, "device": device, **config.overrides})
    setup(ecfg)
    paths = {a: latest(data, a) for a in ("ppo_policy", "sft_model", "reward_model", "base_lm")}
    policy, tokenizer = _load_policy(paths["ppo_policy"], device)
    baseline = AutoModelForCausalLM.from_pretrained(paths["sft_model"]).to(device)
    rm = load_reward_model(paths["reward_model"]).to(device)
    prompts = _split_prompts(data, "test", _budget(config.test_prompts, EVAL_PROMPTS, preset), ecfg.seed)
    texts = [p.text for p in prompts]
    judges: dict[str, Any] = {"rm": reward_judge(rm, load_tokenizer(paths["reward_model"]))}
    gold_judge = _gold_judge(labeler, data, prompts)
    if gold_judge is not None:
        judges = {"gold": gold_judge, **judges}
    kw = {"max_new_tokens": ecfg.max_new_tokens, "temperature": ecfg.temperature, "seed": ecfg.seed,
          "batch_size": ecfg.batch_size}
    rows = compare(policy, baseline, tokenizer, texts, judges, **kw)
    summary = {f"{j}_{k}": v for j in judges for k, v in summarize(rows, j).items()}
    intervals = {j: wilson_interval(summary[f"{j}_win_rate"], len(rows)) for j in judges}
    for j, (lo, hi) in intervals.items():
        summary[f"{j}_win_rate_lo"], summary[f"{j}_win_rate_hi"] = lo, hi
    summary["kl_to_sft"] = kl_to_reference(policy, baseline, tokenizer, texts, **kw)
    held = _heldout_docs(data, config)
    gold = judges.get("gold")
    base = AutoModelForCausalLM.from_pretrained(paths["base_lm"]).to(device) if held or gold else None
    skipped: dict[str, str] = {}
    if gold:
        base_responses = generate(base, tokenizer, texts, **kw)
        summary["gold_mean_base_lm"] = _mean([gold(p, r) for p, r in zip(texts, base_responses, strict=True)])
        summary["gold_mean_sft_model"] = summary["gold_mean_baseline"]
        summary["gold_mean_ppo_policy"] = summary["gold_mean_policy"]
        summary.update(_best_of(baseline, tokenizer, rows[:config.best_of_prompts], gold, judges["rm"],
                                config.best_of, kw))
    else:
        skipped["best_of"] = skipped["gold_means"] = NO_GOLD
    if held:
        for name, model in (("base_lm", base), ("sft_model", baseline), ("ppo_policy", policy)):
            summary[f"perplexity_{name}"] = perplexity(model, tokenizer, held, ecfg.batch_size)
        summary["alignment_tax_ppl"] = summary["perplexity_ppo_policy"] - summary["perplexity_sft_model"]
    human = _heldout_human_pairs(data, config.human_pairs)
    if human:
        for name, model in (("sft_model", baseline), ("ppo_policy", policy)):
            pref = human_preference(model, tokenizer, human, ecfg.batch_size)
            summary[f"human_margin_{name}"], summary[f"human_agreement_{name}"] = pref["margin"], pref["agreement"]
        summary["human_pairs"] = float(len(human))
        summary["human_margin_gain"] = summary["human_margin_ppo_policy"] - summary["human_margin_sft_model"]
    refusals, sensitive_by = _refusal_rates(data, labeler, prompts, rows)
    summary.update(refusals)
    dialogue, dialogue_examples = _dialogue_evaluation(data, labeler, policy, baseline, tokenizer, judges["rm"],
                                                       config.test_dialogues, ecfg.seed, kw)
    summary.update(dialogue)
    frame = pl.DataFrame([{"prompt_id": p.prompt_id, **r} for p, r in zip(prompts, rows, strict=True)])
    data.lake.write_frame("policy_evaluation", frame)
    data.publish("policy_evaluation")
    judge = "gold" if "gold" in judges else "rm"
    win = summary[f"{judge}_win_rate"]
    lo, hi = intervals[judge]
    versions = {a: p.rsplit("/", 1)[-1] for a, p in paths.items()}
    examples = [{"prompt": r["prompt"][-80:], "sft": r["baseline_response"], "ppo": r["policy_response"],
                 **({"gold_sft": round(r["gold_baseline"], 2), "gold_ppo": round(r["gold_policy"], 2)}
                    if gold else {})} for r in rows[:8]]
    yield dg.MaterializeResult(metadata=table_metadata(
        frame, data, "policy_evaluation", **{k: round(v, 4) for k, v in numeric(summary).items()},
        **{f"{j}_win_rate_ci95": f"{a:.3f}-{b:.3f}" for j, (a, b) in intervals.items()},
        ties="counted as half a win", **skipped, sensitive_prompts_by=sensitive_by,
        judge=judge, versions=md_dict(versions, "asset", "version"), examples=dg.MetadataValue.md(md_table(examples)),
        **({"dialogue_examples": dg.MetadataValue.md(md_table(dialogue_examples))} if dialogue_examples else {})))
    ok = win >= config.min_win_rate and lo > 0.5
    yield dg.AssetCheckResult(check_name="ppo_beats_sft", passed=bool(ok), severity=dg.AssetCheckSeverity.WARN,
                              metadata={"judge": judge, "win_rate": win, "ci95": f"{lo:.3f}-{hi:.3f}",
                                        "min": config.min_win_rate, "prompts": len(rows),
                                        "ties": "counted as half a win", "kl_to_sft": summary["kl_to_sft"]},
                              description=None if ok else
                              f"PPO wins {win:.1%} of {len(rows)} test prompts against SFT by the {judge} judge "
                              f"(ties half; 95% interval {lo:.3f}-{hi:.3f}), short of min_win_rate="
                              f"{config.min_win_rate:.0%} with the interval above 0.5: run PPO longer (overrides "
                              "episodes), improve the reward model first, or evaluate on more test prompts")
    yield _sft_beats_base(summary, config.min_sft_gain, len(rows))
    yield _in_template(summary, config.min_in_template)


def _dialogue_evaluation(data: DataRoot, labeler: LabelerResource, policy, baseline, tokenizer, rm_judge,
                         limit: int, seed: int, kw: dict) -> tuple[dict[str, float], list[dict]]:
    """SFT and PPO replies to the test conversations' contexts (ChatGPT): how many stay in their turn (no role
    token written), their gold and RM scores, and PPO's win rate; a few side by side."""
    from training.chat import ROLE_TOKENS, in_template
    from training.evaluate import compare, summarize

    prompts = _split_dialogues(data, "test", limit, seed)
    if not prompts:
        return {}, []
    judges: dict[str, Any] = {"rm": rm_judge}
    gold = _gold_judge(labeler, data, prompts)
    if gold is not None:
        judges = {"gold": gold, **judges}
    rows = compare(policy, baseline, tokenizer, [p.text for p in prompts], judges, **kw)
    out = {"dialogue_test_contexts": float(len(rows))}
    for name, key in (("sft_model", "baseline_response"), ("ppo_policy", "policy_response")):
        out[f"dialogue_in_template_{name}"] = sum(in_template(r[key]) for r in rows) / len(rows)
    for j in judges:
        stats = summarize(rows, j)
        out[f"dialogue_{j}_win_rate"] = stats["win_rate"]
        out[f"dialogue_{j}_mean_sft_model"], out[f"dialogue_{j}_mean_ppo_policy"] = (stats["mean_baseline"],
                                                                                    stats["mean_policy"])

    def shown(text: str) -> str:
        for role, tok in ROLE_TOKENS.items():
            text = text.replace(tok, f" [{role}] ")
        return text.replace(tokenizer.eos_token, "").strip()

    examples = [{"context": shown(r["prompt"])[-160:], "sft": shown(r["baseline_response"]),
                 "ppo": shown(r["policy_response"]),
                 **({"gold_sft": round(r["gold_baseline"], 2), "gold_ppo": round(r["gold_policy"], 2)}
                    if gold is not None else {})} for r in rows[:8]]
    return out, examples


def _in_template(summary: dict, minimum: float) -> dg.AssetCheckResult:
    share = summary.get("dialogue_in_template_sft_model")
    if share is None:
        return dg.AssetCheckResult(check_name="sft_answers_in_template", passed=True,
                                   metadata={"measured": "no: dialogue_splits has no test conversations"})
    n = int(summary["dialogue_test_contexts"])
    ok = share >= minimum
    return dg.AssetCheckResult(
        check_name="sft_answers_in_template", passed=bool(ok), severity=dg.AssetCheckSeverity.WARN,
        metadata={"share": share, "contexts": n, "min": minimum},
        description=None if ok else f"SFT's replies to {n} test conversations stay in their turn (no role token "
        f"written) {share:.1%} of the time, below min_in_template={minimum:.0%}: train SFT on more conversations "
        "(raw/dialogues/) or longer")


def _refusal_rates(data: DataRoot, labeler: LabelerResource, prompts: list[Prompt], rows: list[dict]
                   ) -> tuple[dict[str, float], str]:
    """How often SFT and PPO refuse sensitive and ordinary test prompts (GPT-4 §6); which prompts are sensitive: the
    sample world's truth where the labeler knows it, else the sensitive-prompt classifier's flag."""
    from gpt_assets.prompts.sensitive import is_refusal

    who = labeler.labeler(data) if labeler.kind == "simulated" else None
    if isinstance(who, SimulatedLabeler) and who.sensitive:
        sensitive, by = who.sensitive, "the sample world's truth"
    else:
        sensitive = set(data.lake.scan("prompt_splits").filter(pl.col("flagged")).select("prompt_id").collect()
                        ["prompt_id"])
        by = "the sensitive-prompt classifier's flag"
    out: dict[str, float] = {}
    for group in ("sensitive", "ordinary"):
        chosen = [r for p, r in zip(prompts, rows, strict=True) if (p.prompt_id in sensitive) == (group == "sensitive")]
        out[f"{group}_test_prompts"] = float(len(chosen))
        for name, key in (("sft_model", "baseline_response"), ("ppo_policy", "policy_response")):
            if chosen:
                out[f"refusal_rate_{group}_{name}"] = sum(is_refusal(r[key]) for r in chosen) / len(chosen)
    return out, by


def _thirds(values: list[float]) -> tuple[float, float]:
    """Means of the first and the last third of a series."""
    third = max(1, len(values) // 3)
    return sum(values[:third]) / third, sum(values[-third:]) / third


def _gold_judge(labeler: LabelerResource, data: DataRoot, prompts: list[Prompt]):
    """(prompt text, response) -> the gold preference, when the simulated labeler knows every prompt; else None."""
    who = labeler.labeler(data) if labeler.kind == "simulated" else None
    if not isinstance(who, SimulatedLabeler) or not all(who.knows(p) for p in prompts):
        return None
    reference = {p.text: who.reference[p.prompt_id] for p in prompts}
    return lambda prompt, response: gold_score(reference[prompt], response)


def _heldout_human_pairs(data: DataRoot, limit: int) -> list[tuple[str, str, str]]:
    """(prompt, chosen, rejected) of the held-out human comparisons (rm_comparisons' val split, imported, never
    trained on: the reward model validated on them, and SFT held out the same prompts by the same hash rule at the
    default heldout_share)."""
    if not data.lake.parts("rm_comparisons"):
        return []
    frame = data.lake.scan("rm_comparisons").filter(
        (pl.col("split") == "val") & ~pl.col("source").is_in(list(SAMPLED_SOURCES.values()))) \
        .select("prompt_id", "prompt", "chosen", "rejected").collect().sort("prompt_id", "chosen", "rejected")
    if limit and frame.height > limit:
        frame = frame.sample(limit, seed=0).sort("prompt_id", "chosen", "rejected")
    return list(frame.select("prompt", "chosen", "rejected").iter_rows())


def _heldout_docs(data: DataRoot, config: EvaluationConfig) -> list[str]:
    """Mixture documents that base_lm and PPO-ptx held out (the same hash rule), for the alignment tax."""
    mix = data.lake.scan("training_mixture").filter(pl.col("copy") == 0).select("doc_id", "text").collect()
    held = mix.filter(heldout(mix["doc_id"], config.heldout_share)).sort("doc_id")
    return held["text"].head(config.perplexity_docs).to_list()


NO_GOLD = "not measured: no gold judge (the labeler is not simulated, or it does not know every test prompt)"


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else math.nan


def _best_of(sft, tokenizer, rows: list[dict], gold, rm, ns: list[int], kw: dict) -> dict[str, float]:
    """Best-of-n from SFT by the reward model on the rows' prompts, judged by gold: ``best_of_<n>_gold_mean`` and
    ``best_of_<n>_gold_win_rate`` against the rows' single SFT sample (ties half)."""
    from training.evaluate import best_of_ns

    texts, single = [r["prompt"] for r in rows], [r["gold_baseline"] for r in rows]
    out = {"best_of_prompts": float(len(rows))}
    if not ns:
        return out
    picked = best_of_ns(sft, tokenizer, texts, ns, rm, **{**kw, "seed": kw["seed"] + max(ns)})  # not SFT's sample
    for n in ns:
        picks = picked[n]
        scores = [gold(p, r) for p, r in zip(texts, picks, strict=True)]
        out[f"best_of_{n}_gold_mean"] = _mean(scores)
        out[f"best_of_{n}_gold_win_rate"] = _mean([1.0 if a > b else 0.5 if a == b else 0.0
                                                   for a, b in zip(scores, single, strict=True)])
    return out


def _sft_beats_base(summary: dict, min_gain: float, prompts: int) -> dg.AssetCheckResult:
    """SFT's mean gold score at least ``min_gain`` times base_lm's; passes, saying so, when gold was not measured."""
    if "gold_mean_base_lm" not in summary:
        return dg.AssetCheckResult(check_name="sft_beats_base", passed=True, severity=dg.AssetCheckSeverity.WARN,
                                   metadata={"measured": NO_GOLD, "min_gain": min_gain})
    sft, base = summary["gold_mean_sft_model"], summary["gold_mean_base_lm"]
    ok = sft >= min_gain * base
    meta = {"gold_mean_sft_model": sft, "gold_mean_base_lm": base, "min_gain": min_gain, "prompts": prompts,
            **({"gain": sft / base} if base > 0 else {})}
    return dg.AssetCheckResult(
        check_name="sft_beats_base", passed=bool(ok), severity=dg.AssetCheckSeverity.WARN, metadata=meta,
        description=None if ok else
        f"SFT's mean gold score {sft:.3f} on {prompts} test prompts is below min_sft_gain={min_gain:g} times "
        f"base_lm's {base:.3f} (both sampled alike): train SFT longer or on more demonstrations (sft_model "
        "overrides), or start from a better base_lm")


RLHF_ASSETS = [rm_data, reward_model, ppo_policy, policy_evaluation]
