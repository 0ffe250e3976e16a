"""The papers' own evaluation of the lineage's models: ``lm_evaluation``, zero-, one- and few-shot on the benchmark
tasks (GPT-2 §3, GPT-3 §2-3); ``task_models``, GPT-1's fine-tuning with the auxiliary LM objective (§3.2). Thin:
``gpt_assets.lm_eval_stage``, ``gpt_assets.finetune_stage``, ``training.lm_eval`` and ``training.task_finetune``
do the work."""

# No `from __future__ import annotations`: Dagster reads the annotations.

from dataclasses import replace

import dagster as dg
import polars as pl
from pydantic import Field

from gpt_assets.defs.checkpoints import (
    GROUP,
    POOL,
    TrainingConfig,
    latest,
    record,
    resolve_preset,
    saved_run,
    step_logger,
    version_of,
)
from gpt_assets.defs.common import image_md, md_table, table_metadata
from gpt_assets.resources import Compute, DataRoot

MODELS = ("base_lm", "sft_model", "ppo_policy")


class LMEvaluationConfig(dg.Config):
    ks: list[int] = Field(default=[0, 1, 4], description="GPT-3 §2: zero-shot (k=0), one-shot (k=1) and few-shot "
                          "(k examples in the context, no gradient step; the paper's k runs from 10 to 100 up to "
                          "the 2048-token window). Shots that do not fit the model's context are left out, the "
                          "number used is reported.")
    fewshot_delimiter: str = Field(default="\n\n", description="GPT-3 §2: the k examples are \"separated by "
                                   "newlines\"; two, as lm-evaluation-harness does.")
    target_delimiter: str = Field(default=" ", description="Between a context and its answer (the harness's).")
    max_examples: int = Field(default=300, description="Scored examples per task, the first in file order; 0 = all "
                              "(ours: a CPU budget).")
    models: list[str] = Field(default=list(MODELS), description="Which checkpoints to evaluate (GPT-3 evaluates the "
                              "pretrained model; SFT and PPO show what fine-tuning does to it).")
    batch_size: int = Field(default=64, description="Sequences per forward pass.")
    seed: int = Field(default=1234, description="Draws the few-shot examples (the harness's default seed).")


@dg.asset(group_name=GROUP, kinds={"pytorch", "parquet"}, deps=["benchmark_tasks", *MODELS], pool=POOL,
          check_specs=[
              dg.AssetCheckSpec("base_lm_above_chance", asset="lm_evaluation",
                                description="base_lm's best accuracy over k beats chance by two standard errors "
                                            "on at least one task."),
              dg.AssetCheckSpec("every_task_scored", asset="lm_evaluation", blocking=True,
                                description="Every task with labelled examples has a result for every model and k, "
                                            "accuracies within [0, 1]."),
          ],
          description="Zero-, one- and few-shot accuracy of base_lm, sft_model and ppo_policy on every benchmark "
                      "task (GPT-3 §2): multiple choice by each ending's log-likelihood (raw and per character), "
                      "LAMBADA by greedy last word, Winogrande by partial scoring; chance beside each figure and "
                      "accuracy against k in a plot.")
def lm_evaluation(context: dg.AssetExecutionContext, config: LMEvaluationConfig, data: DataRoot,
                  compute: Compute):
    from transformers import AutoModelForCausalLM

    from gpt_assets.lm_eval_stage import above_chance, evaluate, fewshot_gains, plot_accuracy_vs_k, task_splits
    from training.lm_eval import EvalSettings
    from training.tokenizer import load_tokenizer

    tasks = data.lake.scan("benchmark_tasks").collect() if data.lake.parts("benchmark_tasks") else pl.DataFrame()
    splits = task_splits(tasks) if tasks.height else {}
    if not splits:
        raise dg.Failure("no labelled evaluation examples: benchmark_tasks is empty or has no labels. Put task files "
                         "as published under raw/tasks/<task>/<split>.jsonl (LAMBADA, HellaSwag, PIQA, ARC, "
                         "Winogrande) and materialize benchmark_tasks")
    device = compute.torch_device()
    paths = {m: latest(data, m) for m in config.models}
    models = {m: (AutoModelForCausalLM.from_pretrained(p).to(device), load_tokenizer(p)) for m, p in paths.items()}
    settings = EvalSettings(ks=tuple(config.ks), fewshot_delimiter=config.fewshot_delimiter,
                            target_delimiter=config.target_delimiter, max_examples=config.max_examples,
                            batch_size=config.batch_size, seed=config.seed)
    results = evaluate(models, tasks, settings, context.log.info)
    results = results.with_columns(pl.lit(",".join(p.rsplit("/", 1)[-1] for p in paths.values())).alias("versions"))
    data.lake.write_frame("lm_evaluation", results)
    data.publish("lm_evaluation")
    plot = data.lake.table_dir("lm_evaluation") / "accuracy_vs_k.png"
    gains = fewshot_gains(results)
    wide = results.pivot(on="k", index=["task", "model", "chance"], values="acc").sort("task", "model")
    extra = {"accuracy_vs_k": image_md(plot, "accuracy against k")} if plot_accuracy_vs_k(results, plot) else {}
    yield dg.MaterializeResult(metadata=table_metadata(
        results, data, "lm_evaluation", **extra,
        accuracy=dg.MetadataValue.md(md_table(wide.with_columns(pl.selectors.float().round(3)).to_dicts(), limit=60)),
        fewshot_gain=dg.MetadataValue.md(md_table(gains.with_columns(pl.selectors.float().round(3)).to_dicts())),
        tasks=len(splits), models=", ".join(models), ks=", ".join(map(str, config.ks)),
        scoring="acc: highest summed log-likelihood; acc_norm: per character (lm-evaluation-harness); "
                "last_word: greedy decoding gives the word"))
    base = "base_lm" if "base_lm" in models else next(iter(models))
    good = above_chance(results, base)
    yield dg.AssetCheckResult(
        check_name="base_lm_above_chance", passed=good.height > 0, severity=dg.AssetCheckSeverity.WARN,
        metadata={"tasks_above_chance": ", ".join(good["task"].to_list()), "model": base},
        description=None if good.height else
        f"{base}'s best accuracy over k is within two standard errors of chance on every task "
        f"({', '.join(splits)}): the model learned nothing these tasks measure; train it longer or on "
        "more text (base_lm's max_steps, the mixture's tokens), or evaluate tasks in its training language")
    expected = len(splits) * len(models) * len(config.ks)
    bad = results.filter(~pl.col("acc").is_between(0, 1)).height
    ok = results.height == expected and bad == 0
    yield dg.AssetCheckResult(
        check_name="every_task_scored", passed=ok, metadata={"results": results.height, "expected": expected,
                                                             "accuracy_out_of_range": bad},
        description=None if ok else f"{results.height} results with {bad} accuracies outside [0, 1], expected "
        f"{expected} (tasks x models x k) all within it: a task had no scorable example; see the run's log")


class TaskModelsConfig(TrainingConfig):
    """GPT-1 §3.2 / §4.1 fine-tuning of base_lm on each multiple-choice task; ``overrides`` go to
    ``training.task_finetune.TaskFinetuneConfig``."""

    lm_coef: float = Field(default=0.5, description="GPT-1 §3.2 / §4.1: λ in L3 = L2 + λ·L1, the weight of the "
                           "language-modelling objective on the task's own inputs. Every task is also fine-tuned "
                           "with λ = 0, and both accuracies are reported.")
    lr: float | None = Field(default=None, description="GPT-1 §4.1: 6.25e-5 (None = the preset's: gpt2-124m the "
                             "paper's, tiny 1e-3, chosen by measurement, bench/RESULTS.md).")
    epochs: int | None = Field(default=None, description="GPT-1 §4.1: 3 (None = the preset's).")
    batch_size: int | None = Field(default=None, description="GPT-1 §4.1: 32 (None = the preset's).")
    tasks: list[str] = Field(default=[], description="The tasks to fine-tune on; empty = every multiple-choice and "
                             "fill-in-the-blank task in benchmark_tasks.")
    max_train_examples: int = Field(default=0, description="Ours: the first n training examples of each task, 0 = "
                                    "all (a CPU budget).")
    test_share: float = Field(default=0.2, description="Ours: for a task published with one labelled split (e.g. "
                              "HellaSwag's validation file), the share of it held out for testing, by id hash.")

    TRAINING_FIELDS = ("lm_coef", "lr", "epochs", "batch_size")


@dg.asset(group_name=GROUP, kinds={"pytorch", "parquet"}, deps=["benchmark_tasks", "base_lm"], pool=POOL,
          check_specs=[dg.AssetCheckSpec("fine_tuning_learns", asset="task_models",
                                         description="On at least one task, fine-tuning with the auxiliary "
                                                     "objective beats chance by two standard errors.")],
          description="GPT-1 §3.2: base_lm fine-tuned on each multiple-choice task (start, delimiter and extract "
                      "tokens, a linear head on the extract token's final state, a softmax over the answers) with "
                      "L3 = L2 + λ·L1 and without the auxiliary term; test accuracy of both; the checkpoints load "
                      "as GPT2DoubleHeadsModel.")
def task_models(context: dg.AssetExecutionContext, config: TaskModelsConfig, data: DataRoot, compute: Compute):
    import math

    from gpt_assets.finetune_stage import finetune_sets
    from training.config import from_dict
    from training.task_finetune import TaskFinetuneConfig, finetune

    tasks = data.lake.scan("benchmark_tasks").collect() if data.lake.parts("benchmark_tasks") else pl.DataFrame()
    sets = finetune_sets(tasks, config.tasks, config.test_share) if tasks.height else {}
    if not sets:
        raise dg.Failure("no multiple-choice task with labelled examples to fine-tune on: put HellaSwag, PIQA, ARC or "
                         "Winogrande files as published under raw/tasks/<task>/<split>.jsonl and materialize "
                         f"benchmark_tasks{' (asked for: ' + ', '.join(config.tasks) + ')' if config.tasks else ''}")
    preset, device = resolve_preset(config, compute)
    base = latest(data, "base_lm")
    rows = []
    for task, (train, test, how) in sets.items():
        train = train[:config.max_train_examples] if config.max_train_examples else train
        for coef in dict.fromkeys((config.lm_coef, 0.0)):
            cfg = from_dict(TaskFinetuneConfig, {**config.training_config(preset, device=device), "lm_coef": coef})
            cfg = replace(cfg, init_from=base)
            version = version_of(cfg, task, base, str(len(train)), str(sum(hash_text(e) for e in train)))
            cfg = replace(cfg, out_dir=str(data.lake.checkpoints / "task_models"), name=version)
            done = saved_run(cfg.final_dir)
            metrics = done["metrics"] if done else finetune(cfg, train, test, step_logger(context)).metrics
            record(context, data, "task_models", version, {"task": task, **metrics})
            acc, n = metrics["test_accuracy"], int(metrics["test_examples"])
            rows.append({"task": task, "lm_coef": coef, "test_accuracy": acc,
                         "stderr": math.sqrt(acc * (1 - acc) / max(1, n - 1)), "chance": metrics["chance"],
                         "untrained_head_accuracy": metrics["untrained_head_accuracy"], "train_examples": len(train),
                         "test_examples": n, "split": how, "version": version, "path": str(cfg.final_dir)})
    frame = pl.DataFrame(rows)
    data.lake.write_frame("task_models", frame)
    data.publish("task_models")
    effect = (frame.pivot(on="lm_coef", index="task", values="test_accuracy") if config.lm_coef else frame)
    yield dg.MaterializeResult(metadata=table_metadata(
        frame, data, "task_models", base_lm=base.rsplit("/", 1)[-1], lm_coef=config.lm_coef, preset=preset,
        results=dg.MetadataValue.md(md_table(frame.drop("path").with_columns(
            pl.selectors.float().round(3)).to_dicts())),
        auxiliary_effect=dg.MetadataValue.md(md_table(effect.with_columns(pl.selectors.float().round(3)).to_dicts())),
        loads_as="transformers.GPT2DoubleHeadsModel.from_pretrained(path)"))
    with_aux = frame.filter(pl.col("lm_coef") == config.lm_coef)
    good = with_aux.filter(pl.col("test_accuracy") - 2 * pl.col("stderr") > pl.col("chance"))
    yield dg.AssetCheckResult(
        check_name="fine_tuning_learns", passed=good.height > 0, severity=dg.AssetCheckSeverity.WARN,
        metadata={"tasks_above_chance": ", ".join(good["task"].to_list())},
        description=None if good.height else
        f"fine-tuned test accuracy is within two standard errors of chance on every task ({', '.join(sets)}): "
        "the head learned nothing; give it more training examples or epochs (overrides), or a stronger base_lm")


def hash_text(ex) -> int:
    import zlib

    return zlib.crc32("\x1f".join([*ex.parts, *(ex.choices or []), str(ex.label)]).encode())
