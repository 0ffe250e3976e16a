"""GPT-1 task fine-tuning over ``benchmark_tasks``: which tasks, their train and test examples in GPT-1's terms.

Multiple-choice tasks (HellaSwag, PIQA, ARC) are GPT-1's multiple choice as they are: the context, then each answer.
A Winogrande-style blank is multiple choice too: the sentence with its blank is the context, each option an answer.
LAMBADA-style tasks have no classes and are not fine-tuned. Training examples come from the task's train split;
a task published with one labelled split (a validation file only) is cut in two by a hash of the example id.
"""

from __future__ import annotations

import polars as pl

from gpt_assets.heldout import is_heldout
from gpt_assets.lm_eval_stage import examples, task_splits
from training.lm_eval import Example
from training.task_finetune import TaskExample

FINETUNED_KINDS = ("multiple_choice", "fill_blank")


def as_task_example(ex: Example) -> TaskExample:
    """An evaluation example as GPT-1's multiple choice: [context] and the answers."""
    return TaskExample("multiple_choice", [ex.context], ex.label, list(ex.choices))


def finetune_sets(tasks: pl.DataFrame, only: list[str], heldout_share: float
                  ) -> dict[str, tuple[list[TaskExample], list[TaskExample], str]]:
    """task -> (train examples, test examples, how they were split) for every fine-tunable task (``only`` names
    them; empty = all)."""
    kinds = dict(tasks.select("task", "kind").unique("task").iter_rows())
    out = {}
    for task, (scored, shots) in task_splits(tasks).items():
        if kinds.get(task) not in FINETUNED_KINDS or (only and task not in only):
            continue
        test = examples(tasks, task, scored)
        if shots != scored:
            train, how = examples(tasks, task, shots), f"train on {shots}, test on {scored}"
        else:
            train = [e for e in test if not is_heldout(e.id, heldout_share)]
            test = [e for e in test if is_heldout(e.id, heldout_share)]
            how = f"{scored} cut by id hash: {1 - heldout_share:.0%} train, {heldout_share:.0%} test"
        if train and test:
            out[task] = ([as_task_example(e) for e in train], [as_task_example(e) for e in test], how)
    return out
