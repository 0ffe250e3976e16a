"""Zero-, one- and few-shot evaluation of the lineage's models on ``benchmark_tasks`` (GPT-2 §3, GPT-3 §2).

Plain functions: which split of a task is scored and which gives the shots, the examples of a split, the result
rows of every (model, task, k), and the plot of accuracy against k. ``training.lm_eval`` does the scoring.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from pathlib import Path

import polars as pl

from training.lm_eval import EvalSettings, Example, evaluate_task

RESULT_SCHEMA = {"model": pl.String, "task": pl.String, "kind": pl.String, "split": pl.String,
                 "fewshot_split": pl.String, "k": pl.Int64, "shots": pl.Float64, "n": pl.Int64, "acc": pl.Float64,
                 "acc_stderr": pl.Float64, "acc_norm": pl.Float64, "chance": pl.Float64, "ppl": pl.Float64}


def task_splits(tasks: pl.DataFrame) -> dict[str, tuple[str, str]]:
    """task -> (scored split, few-shot split). The scored split is the labelled test split, else validation, else
    any labelled one; shots come from train (GPT-3 §2: "the task's training set"), else from another labelled
    split, else from the scored split itself (never the example being scored)."""
    labelled = tasks.filter(pl.col("label").is_not_null()).group_by("task").agg(pl.col("split").unique())
    out: dict[str, tuple[str, str]] = {}
    for task, splits in sorted(labelled.iter_rows()):
        have = set(splits)
        scored = next((s for s in ("test", "validation") if s in have), sorted(have)[0])
        shots = next((s for s in ("train", "validation", "test") if s in have and s != scored), scored)
        out[task] = (scored, shots)
    return out


def examples(tasks: pl.DataFrame, task: str, split: str) -> list[Example]:
    """The labelled examples of one split, in file order."""
    rows = tasks.filter((pl.col("task") == task) & (pl.col("split") == split) & pl.col("label").is_not_null())
    return [Example(r["id"], r["kind"], r["context"], list(r["choices"]), r["label"])
            for r in rows.sort("source_file", "line").iter_rows(named=True)]


def evaluate(models: dict[str, tuple[object, object]], tasks: pl.DataFrame, settings: EvalSettings,
             log: Callable[[str], None] = print) -> pl.DataFrame:
    """One row per (model, task, k): ``RESULT_SCHEMA``. ``models`` maps a name to (model, tokenizer)."""
    rows = []
    for task, (scored, shot_split) in task_splits(tasks).items():
        test, pool = examples(tasks, task, scored), examples(tasks, task, shot_split)
        for name, (model, tokenizer) in models.items():
            for k in settings.ks:
                s = evaluate_task(model, tokenizer, test, pool, k, settings, same_split=scored == shot_split)
                rows.append({"model": name, "task": task, "kind": test[0].kind if test else "", "split": scored,
                             "fewshot_split": shot_split, "k": k, "shots": s.shots, "n": s.n, "acc": s.acc,
                             "acc_stderr": s.acc_stderr, "acc_norm": s.acc_norm, "chance": s.chance, "ppl": s.ppl})
                log(f"{name} {task} k={k}: acc {s.acc:.3f} ± {s.acc_stderr:.3f} (chance {s.chance:.3f}, "
                    f"{s.shots:.1f} shots, n={s.n})")
    return pl.DataFrame(rows, schema=RESULT_SCHEMA)


def above_chance(results: pl.DataFrame, model: str, z: float = 2.0) -> pl.DataFrame:
    """The tasks where ``model``'s best accuracy over k is more than ``z`` standard errors above chance."""
    best = results.filter(pl.col("model") == model).sort("acc", descending=True).group_by("task").first()
    return best.filter(pl.col("acc") - z * pl.col("acc_stderr") > pl.col("chance")).sort("task")


def fewshot_gains(results: pl.DataFrame) -> pl.DataFrame:
    """Per (model, task): zero-shot accuracy, the best k > 0 and its accuracy, and the gain in standard errors."""
    zero = results.filter(pl.col("k") == 0).select("model", "task", pl.col("acc").alias("acc_zero"),
                                                   pl.col("acc_stderr").alias("se_zero"))
    few = (results.filter(pl.col("k") > 0).sort("acc", descending=True).group_by("model", "task").first()
           .select("model", "task", pl.col("k").alias("best_k"), pl.col("acc").alias("acc_best_k"),
                   pl.col("acc_stderr").alias("se_best")))
    out = zero.join(few, on=["model", "task"])
    se = (pl.col("se_zero") ** 2 + pl.col("se_best") ** 2).sqrt()
    return out.with_columns(((pl.col("acc_best_k") - pl.col("acc_zero")) / se).alias("gain_z")).drop(
        "se_zero", "se_best").sort("model", "task")


def plot_accuracy_vs_k(results: pl.DataFrame, path: Path) -> bool:
    """Accuracy against k, one panel per task, one line per model, chance dashed (GPT-3 Figure 1.2's view)."""
    if results.height == 0:
        return False
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    tasks: Sequence[str] = results["task"].unique().sort().to_list()
    cols = min(4, len(tasks))
    rows = math.ceil(len(tasks) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 2.6 * rows), squeeze=False)
    for ax, task in zip(axes.flat, tasks, strict=False):
        sub = results.filter(pl.col("task") == task)
        for model in sub["model"].unique().sort().to_list():
            m = sub.filter(pl.col("model") == model).sort("k")
            ax.errorbar(m["k"].to_list(), m["acc"].to_list(), yerr=m["acc_stderr"].to_list(), marker="o",
                        capsize=2, label=model)
        ax.axhline(sub["chance"].max(), color="grey", linestyle="--", linewidth=1, label="chance")
        ax.set_title(task, fontsize=9)
        ax.set_xlabel("k (examples in context)")
        ax.set_ylabel("accuracy")
        ax.set_xticks(sorted(sub["k"].unique().to_list()))
    for ax in list(axes.flat)[len(tasks):]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=7)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return True
