"""Iterated RLHF (InstructGPT §3.5 / Bai et al. 2022, as ChatGPT's training repeated it): the reward model and the
policy updated in rounds, partitioned by ``rlhf_round``.

Round 0 is the lineage's own ``rm_rankings`` (SFT samples), ``reward_model`` and ``ppo_policy``. Round n >= 1:

1. ``round_rankings``: K samples of the round n-1 policy per fresh RM prompt (another draw of the RM split) and val
   prompt, ranked by the labeler, so the comparisons describe the policy being steered;
2. ``round_reward_model``: the SFT model with a scalar head retrained (1 epoch, as ``reward_model``) on the
   comparisons of every round so far, validated on this round's val rankings;
3. ``round_policy``: PPO(-ptx) continued from the round n-1 policy against the new reward model, the KL penalty still
   to SFT;
4. ``round_evaluation``: the round's policy against SFT and against the round n-1 policy on the test prompts, by the
   gold preference where the world knows it (else the reward model), ties half, with 95% intervals; the win rate
   against SFT of every round so far as a plot.

Each round's reward model and policy are checkpoints of their own (``round_reward_model/<n>``, ``round_policy/<n>``
in the ``checkpoints`` view). A round reads round n-1's policy from the lake; run rounds in order (``gpt-assets run``
does; in the UI, materialize round n after n-1).
"""

# No `from __future__ import annotations`: Dagster reads the annotations.

import math
from dataclasses import replace

import dagster as dg
import polars as pl
from pydantic import Field

from gpt_assets.defs.checkpoints import (
    GROUP,
    POOL,
    TrainingConfig,
    fingerprint,
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
from gpt_assets.defs.common import check_result, image_md, md_table, table_metadata
from gpt_assets.defs.prompts import LabelerResource
from gpt_assets.defs.rlhf import (
    EVAL_PROMPTS,
    RM_VAL_PROMPTS,
    _bias_demonstrations,
    _budget,
    _gold_judge,
    _load_policy,
    _rankings,
    _split_prompts,
    _thirds,
    wilson_interval,
)
from gpt_assets.partitions import rlhf_rounds
from gpt_assets.prompts.labeler import Prompt
from gpt_assets.prompts.rankings import RANKING_SCHEMA, rank_samples
from gpt_assets.resources import Compute, DataRoot

ROUND_RM_PROMPTS = {"tiny": 750, "gpt2-124m": 0}  # fresh RM prompts a round samples (tiny: half of rm_data's)


class RoundConfig(TrainingConfig):
    """``overrides`` are not used; ``rm_overrides`` and ``ppo_overrides`` go to the round's reward-model and PPO
    configs (training.reward.RewardConfig, training.ppo.PPOConfig) over the preset."""

    k: int = Field(default=4, description="InstructGPT §3.5: K = 4 to 9 samples ranked per prompt.")
    rm_prompts: int = Field(default=-1, description="Fresh RM-split prompts sampled from the round n-1 policy; -1 = "
                            "the preset's budget (tiny 750, half of rm_data's: the round's reward model also trains "
                            "on every earlier round's comparisons), 0 = all.")
    val_prompts: int = Field(default=-1, description="Val-split prompts for this round's held-out accuracy; -1 = "
                             "the preset's budget (tiny 300).")
    test_prompts: int = Field(default=-1, description="Test prompts for the evaluation; -1 = the preset's budget "
                              "(tiny 400).")
    rm_overrides: dict = Field(default={}, description="Fields of the round's RewardConfig (training/reward.py).")
    ppo_overrides: dict = Field(default={}, description="Fields of the round's PPOConfig (training/ppo.py), e.g. "
                                "{\"episodes\": 320}.")
    block_below: float = Field(default=0.5, description="round_reward_model's better_than_chance check blocks "
                               "the round's PPO when the upper end of held-out accuracy's 95% interval is at or "
                               "below this.")


def _previous_policy(data: DataRoot, n: int) -> str:
    if n == 1:
        return latest(data, "ppo_policy")
    pointer = data.lake.checkpoints / "round_policy" / str(n - 1) / "LATEST"
    if not pointer.exists():
        raise dg.Failure(f"round {n} continues round {n - 1}'s policy, which is not materialized: materialize "
                         f"rlhf_round partition {n - 1} first (rounds run in order)")
    return str(pointer.parent / pointer.read_text().strip())


def _round_rankings(data: DataRoot, split: str, upto: int) -> list:
    """Rankings of rounds 1..upto (split train or val)."""
    from training.reward import Ranking

    if upto < 1 or not data.lake.parts("round_rankings"):
        return []
    rows = data.lake.scan("round_rankings").filter((pl.col("split") == split) & (pl.col("round") <= upto))
    return [Ranking.from_ranks(p, r, o) for p, r, o in rows.select("prompt", "responses", "ranking").collect()
            .iter_rows()]


@dg.multi_asset(
    group_name=GROUP, pool=POOL, partitions_def=rlhf_rounds, can_subset=True,
    specs=[dg.AssetSpec("round_rankings", kinds={"pytorch", "parquet"},
                        deps=["ppo_policy", "prompt_splits", "rm_rankings", "reward_model"],
                        description="K samples of the previous round's policy per fresh RM prompt and val prompt, "
                                    "ranked by the labeler (round 1 samples ppo_policy)."),
           dg.AssetSpec("round_reward_model", kinds={"pytorch"}, deps=["round_rankings", "sft_model"], skippable=True,
                        description="The reward model retrained from SFT on the comparisons of every round so far."),
           dg.AssetSpec("round_policy", kinds={"pytorch"}, deps=["round_reward_model"], skippable=True,
                        description="PPO continued from the previous round's policy against this round's reward "
                                    "model; KL to SFT."),
           dg.AssetSpec("round_evaluation", kinds={"pytorch", "parquet"}, deps=["round_policy", "policy_evaluation"],
                        skippable=True,
                        description="The round's policy against SFT and against the previous round by the gold "
                                    "preference (else the RM), ties half, 95% intervals; win rate per round.")],
    check_specs=[
        dg.AssetCheckSpec("rankings_valid", asset="round_rankings", blocking=True,
                          description="Each ranking a permutation of 2..K distinct responses, and some ranked."),
        dg.AssetCheckSpec("better_than_chance", asset="round_reward_model", blocking=True,
                          description="Blocks when this round's held-out accuracy is shown no better than "
                                      "block_below (the 95% interval's upper end at or below it)."),
        dg.AssetCheckSpec("reward_rose", asset="round_policy",
                          description="Mean reward of the last third of iterations above the first third's."),
        dg.AssetCheckSpec("not_worse_than_previous", asset="round_evaluation",
                          description="The round's policy is not shown to lose to the previous round's: the upper "
                                      "end of its win rate's 95% interval is at least 0.5."),
    ],
)
def rlhf_round(context: dg.AssetExecutionContext, config: RoundConfig, data: DataRoot, compute: Compute,
               labeler: LabelerResource):
    """One round; what a blocking failure or a missing labeler leaves undone is not materialized. A round is one
    unit of work (the policy needs the reward model it trains against), so every step runs whatever is selected,
    and only the selected assets and checks are reported."""
    assets, checks = context.selected_asset_keys, context.selected_asset_check_keys
    for result in _round(context, config, data, compute, labeler):
        if isinstance(result, dg.MaterializeResult) and result.asset_key in assets:
            yield result
        elif isinstance(result, dg.AssetCheckResult) and \
                dg.AssetCheckKey(result.asset_key, result.check_name) in checks:
            yield result


def _round(context: dg.AssetExecutionContext, config: RoundConfig, data: DataRoot, compute: Compute,
           labeler: LabelerResource):
    from transformers import AutoModelForCausalLM

    from training.config import from_dict
    from training.evaluate import EvaluateConfig, generate, kl_to_reference, score_pairs, summarize
    from training.ppo import PPOConfig, train_ppo
    from training.reward import Ranking, RewardConfig, load_reward_model, reward_judge, train_reward
    from training.sample import SampleConfig, sample_k
    from training.tokenizer import load_tokenizer

    n = int(context.partition_key)
    if labeler.imported:  # real human feedback imported once: nobody ranks the new policy's samples
        yield from _no_labeler(data, n)
        return
    preset, device = resolve_preset(config, compute)
    prev = _previous_policy(data, n)
    label = ("ppo_policy/" if n == 1 else f"round_policy/{n - 1}/") + prev.rsplit("/", 1)[-1]
    sft = latest(data, "sft_model")
    who = labeler.labeler(data)

    # 1. comparisons on the current policy's samples
    scfg = from_dict(SampleConfig, {"preset": preset, "device": device, "k": config.k})
    model, tokenizer = _load_policy(prev, device)
    frames = []
    for split, budget, offset in (("rm", _budget(config.rm_prompts, ROUND_RM_PROMPTS, preset), 0),
                                  ("val", _budget(config.val_prompts, RM_VAL_PROMPTS, preset), 1)):
        prompts = _split_prompts(data, split, budget, scfg.seed + 1000 * n)  # a fresh draw each round
        rows = sample_k(model, tokenizer, [p.text for p in prompts], scfg.k, max_new_tokens=scfg.max_new_tokens,
                        temperature=scfg.temperature, top_k=scfg.top_k, seed=scfg.seed + 1000 * n + offset,
                        batch_size=scfg.batch_size, max_prompt_len=scfg.max_prompt_len)
        ranked, _ = rank_samples(prompts, rows, who, "train" if split == "rm" else "val", label)
        frames.append(ranked)
    rankings = pl.concat(frames).with_columns(pl.lit(n, pl.Int64).alias("round"))
    data.lake.write_frame("round_rankings", rankings, str(n))
    data.publish("round_rankings")
    bad = rankings.filter(pl.col("ranking").list.sort() != pl.int_ranges(0, pl.col("k"))).height
    yield dg.MaterializeResult(asset_key="round_rankings", metadata=table_metadata(
        rankings, data, "round_rankings", round=n, policy=label,
        pairs=int(sum(math.comb(k, 2) for k in rankings["k"]))))
    yield check_result("rankings_valid", bad == 0 and rankings.height > 0,
                       f"{bad} of {rankings.height} rankings are not permutations of their responses (and there "
                       "must be some): a labeler returned a bad order", invalid=bad, rankings=rankings.height,
                       asset="round_rankings")

    # 2. the reward model, from SFT, on every round's comparisons
    train = _rankings(data, "train", None) + _round_rankings(data, "train", n)
    val = [Ranking.from_ranks(p, r, o) for p, r, o in rankings.filter(pl.col("split") == "val")
           .select("prompt", "responses", "ranking").iter_rows()]
    val_round0 = _rankings(data, "val")
    demos = _bias_demonstrations(data)
    demos = demos.sample(min(512, demos.height), seed=0) if demos.height else demos
    rcfg = from_dict(RewardConfig, {"preset": preset, "device": device, **config.rm_overrides})
    rcfg = replace(rcfg, init_from=sft)
    rversion = version_of(rcfg, str(n), fingerprint(rankings, "prompt_id", "policy"), prev)
    rcfg = replace(rcfg, out_dir=str(data.lake.checkpoints / "round_reward_model" / str(n)), name=rversion)
    saved = saved_run(rcfg.final_dir)
    rm_metrics = saved["metrics"] if saved else train_reward(
        rcfg, train, val, list(demos.select("prompt", "response").iter_rows()), step_logger(context),
        extra_val={"round0": val_round0}).metrics
    record(context, data, f"round_reward_model/{n}", rversion, rm_metrics)
    acc = rm_metrics.get("val_accuracy", math.nan)
    pairs = sum(math.comb(len(r.responses), 2) for r in val)
    lo, hi = wilson_interval(acc, pairs)
    yield dg.MaterializeResult(asset_key="round_reward_model", metadata={
        **numeric(rm_metrics), "round": n, "version": rversion, "train_rankings": len(train),
        "val_rankings": len(val), "val_accuracy_ci95": f"{lo:.3f}-{hi:.3f}", "config": resolved_table(rcfg),
        "path": dg.MetadataValue.path(str(rcfg.final_dir))})
    yield check_result("better_than_chance", math.isfinite(acc) and hi > config.block_below,
                       f"round {n}'s reward model orders {acc:.3f} of {pairs} held-out pairs of the round {n - 1} "
                       f"policy's samples like the labeler (95% interval {lo:.3f}-{hi:.3f}), not shown above "
                       f"block_below={config.block_below}: PPO would learn nothing from it; rank more samples "
                       "(rm_prompts, k)", val_accuracy=acc, pairs=pairs, asset="round_reward_model")
    if not (math.isfinite(acc) and hi > config.block_below):
        return

    # 3. PPO continued from the previous round's policy, KL to SFT
    ppo_prompts = data.lake.scan("prompt_splits").filter(pl.col("split") == "ppo").select("prompt_id", "text") \
        .collect().sort("prompt_id")
    gold = _gold_judge(labeler, data, [Prompt(p, t) for p, t in ppo_prompts.iter_rows()])
    ptx = pretraining_texts(data, config.heldout_share)
    pcfg = from_dict(PPOConfig, {"preset": preset, "device": device, **config.ppo_overrides})
    pcfg = replace(pcfg, policy_init=prev, reference_init=sft, reward_model=str(rcfg.final_dir), seed=pcfg.seed + n)
    pversion = version_of(pcfg, fingerprint(ppo_prompts, "prompt_id"), rversion)
    pcfg = replace(pcfg, out_dir=str(data.lake.checkpoints / "round_policy" / str(n)), name=pversion)
    saved = saved_run(pcfg.final_dir)
    if saved:
        p_metrics, history = saved["metrics"], saved["history"]
    else:
        result = train_ppo(pcfg, ppo_prompts["text"].to_list(), ptx["text"].to_list() if pcfg.ptx_coef else (),
                           log=step_logger(context), monitor_fn=gold)
        p_metrics, history = result.metrics, result.history
    first, last = _thirds([h["reward"] for h in history])
    p_metrics = {**p_metrics, "reward_first_third": first, "reward_last_third": last}
    record(context, data, f"round_policy/{n}", pversion, p_metrics)
    yield dg.MaterializeResult(asset_key="round_policy", metadata={
        **numeric(p_metrics), "round": n, "version": pversion, "continues": prev, "config": resolved_table(pcfg),
        **({"overoptimization": image_md(pcfg.final_dir / "overoptimization.png", "gold and RM score against KL")}
           if (pcfg.final_dir / "overoptimization.png").exists() else {}),
        "path": dg.MetadataValue.path(str(pcfg.final_dir))})
    yield dg.AssetCheckResult(
        asset_key="round_policy", check_name="reward_rose", passed=last > first, severity=dg.AssetCheckSeverity.WARN,
        metadata={"first_third": first, "last_third": last},
        description=None if last > first else f"round {n}'s mean reward over the last third of PPO iterations "
        f"({last:.4g}) is not above the first third's ({first:.4g}): run more episodes (ppo_overrides episodes)")

    # 4. the round against SFT and against the previous round
    ecfg = from_dict(EvaluateConfig, {"preset": preset, "device": device})
    test = _split_prompts(data, "test", _budget(config.test_prompts, EVAL_PROMPTS, preset), ecfg.seed)
    texts = [p.text for p in test]
    judges = {"rm": reward_judge(load_reward_model(str(rcfg.final_dir)).to(device),
                                 load_tokenizer(str(rcfg.final_dir)))}
    gold_test = _gold_judge(labeler, data, test)
    if gold_test is not None:
        judges = {"gold": gold_test, **judges}
    judge = "gold" if gold_test is not None else "rm"
    kw = {"max_new_tokens": ecfg.max_new_tokens, "temperature": ecfg.temperature, "seed": ecfg.seed,
          "batch_size": ecfg.batch_size}
    policy = AutoModelForCausalLM.from_pretrained(str(pcfg.final_dir)).to(device)
    sft_model = AutoModelForCausalLM.from_pretrained(sft).to(device)
    answers = generate(policy, tokenizer, texts, **kw)  # once, scored against both baselines
    vs_sft = score_pairs(texts, answers, generate(sft_model, tokenizer, texts, **kw), {judge: judges[judge]})
    vs_prev = score_pairs(texts, answers, generate(model, tokenizer, texts, **kw), {judge: judges[judge]})
    win_sft, win_prev = summarize(vs_sft, judge)["win_rate"], summarize(vs_prev, judge)["win_rate"]
    (a, b), (c, d) = wilson_interval(win_sft, len(texts)), wilson_interval(win_prev, len(texts))
    kl = kl_to_reference(policy, sft_model, tokenizer, texts, **kw)
    frame = pl.DataFrame([{"round": n, "prompt_id": p.prompt_id, "prompt": r["prompt"],
                           "response": r["policy_response"], "sft_response": r["baseline_response"],
                           "previous_response": q["baseline_response"], "score": r[f"{judge}_policy"],
                           "sft_score": r[f"{judge}_baseline"], "previous_score": q[f"{judge}_baseline"]}
                          for p, r, q in zip(test, vs_sft, vs_prev, strict=True)])
    data.lake.write_frame("round_evaluation", frame, str(n))
    data.publish("round_evaluation")
    per_round = _per_round(data, judge)
    plot = _plot(per_round, pcfg.final_dir / "win_rate_by_round.png", judge)
    yield dg.MaterializeResult(asset_key="round_evaluation", metadata=table_metadata(
        frame, data, "round_evaluation", round=n, judge=judge, ties="counted as half a win",
        win_rate_vs_sft=round(win_sft, 4), win_rate_vs_sft_ci95=f"{a:.3f}-{b:.3f}",
        win_rate_vs_previous=round(win_prev, 4), win_rate_vs_previous_ci95=f"{c:.3f}-{d:.3f}", kl_to_sft=kl,
        mean_score=float(frame["score"].mean()), mean_score_sft=float(frame["sft_score"].mean()),
        per_round=dg.MetadataValue.md(md_table(per_round)),
        **({"win_rate_by_round": image_md(plot, "win rate against SFT per round")} if plot else {})))
    ok = d >= 0.5
    yield dg.AssetCheckResult(
        asset_key="round_evaluation", check_name="not_worse_than_previous", passed=bool(ok),
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"win_rate_vs_previous": win_prev, "ci95": f"{c:.3f}-{d:.3f}", "judge": judge,
                  "prompts": len(texts)},
        description=None if ok else f"round {n}'s policy wins {win_prev:.1%} of {len(texts)} test prompts against "
        f"round {n - 1}'s by the {judge} judge (ties half; 95% interval {c:.3f}-{d:.3f}, all below 0.5): this round "
        "made the policy worse; rank more samples (rm_prompts) or run PPO longer before the next round")


def _no_labeler(data: DataRoot, n: int):
    """Labeler kind imported: no round can collect comparisons of the current policy, so none is trained."""
    why = ("skipped: labeler kind imported has no labeler to rank the new policy's samples; a round needs new "
           "comparisons of them (a simulated labeler, or kind files with their rankings)")
    empty = pl.DataFrame(schema={**RANKING_SCHEMA, "round": pl.Int64})
    data.lake.write_frame("round_rankings", empty, str(n))
    data.publish("round_rankings")
    yield dg.MaterializeResult(asset_key="round_rankings", metadata=table_metadata(
        empty, data, "round_rankings", round=n, skipped=why))
    yield dg.AssetCheckResult(asset_key="round_rankings", check_name="rankings_valid", passed=True,
                              metadata={"rankings": 0, "skipped": why})
    for asset in ("round_reward_model", "round_policy", "round_evaluation"):  # the asset pages say why
        yield dg.MaterializeResult(asset_key=asset, metadata={"round": n, "skipped": why})


def _per_round(data: DataRoot, judge: str) -> list[dict]:
    """Win rate against SFT of round 0 (policy_evaluation) and of every evaluated round, by ``judge``."""
    rows = []
    if data.lake.parts("policy_evaluation"):
        ev = data.lake.scan("policy_evaluation").collect()
        if f"{judge}_policy" in ev.columns and ev.height:
            win = float(((ev[f"{judge}_policy"] > ev[f"{judge}_baseline"]).sum()
                         + 0.5 * (ev[f"{judge}_policy"] == ev[f"{judge}_baseline"]).sum()) / ev.height)
            rows.append({"round": 0, "win_rate_vs_sft": win, "prompts": ev.height})
    if data.lake.parts("round_evaluation"):
        ev = data.lake.scan("round_evaluation").collect()
        for (r,), g in sorted(ev.group_by("round"), key=lambda kv: kv[0][0]):
            win = float(((g["score"] > g["sft_score"]).sum() + 0.5 * (g["score"] == g["sft_score"]).sum()) / g.height)
            rows.append({"round": int(r), "win_rate_vs_sft": win, "prompts": g.height})
    for row in rows:
        lo, hi = wilson_interval(row["win_rate_vs_sft"], row["prompts"])
        row.update(ci95_lo=round(lo, 4), ci95_hi=round(hi, 4), win_rate_vs_sft=round(row["win_rate_vs_sft"], 4))
    return rows


def _plot(rows: list[dict], path, judge: str):
    """Win rate against SFT per round with 95% intervals, as a PNG; None without matplotlib or rows."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        return None
    if not rows:
        return None
    fig = Figure(figsize=(5, 3.2))
    ax = fig.subplots()
    x = [r["round"] for r in rows]
    y = [r["win_rate_vs_sft"] for r in rows]
    err = [[v - r["ci95_lo"] for v, r in zip(y, rows, strict=True)],
           [r["ci95_hi"] - v for v, r in zip(y, rows, strict=True)]]
    ax.errorbar(x, y, yerr=err, marker="o", capsize=4)
    ax.axhline(0.5, color="grey", linestyle="--", linewidth=1)
    ax.set_xticks(x)
    ax.set_xlabel("RLHF round (0 = ppo_policy)")
    ax.set_ylabel(f"win rate vs SFT ({judge})")
    ax.set_ylim(0, 1)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    return path


ROUND_ASSETS = [rlhf_round]
