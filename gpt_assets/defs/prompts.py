"""InstructGPT prompt datasets (§3.2): ``prompt_splits``, ``demonstrations``, imported human feedback."""

# No `from __future__ import annotations`: Dagster reads the annotations.


from pathlib import Path

import dagster as dg
import polars as pl

from gpt_assets.automation import FOLLOW
from gpt_assets.defs.common import md_table, table_metadata, write_drops
from gpt_assets.defs.ingest import prompt_pool
from gpt_assets.ingest.landing import files_of
from gpt_assets.ingest.rejects import REJECT_SCHEMA, Reject
from gpt_assets.prompts.clean import CleanConfig, clean, prefix_key
from gpt_assets.prompts.importers import READERS
from gpt_assets.prompts.labeler import FileLabeler, Labeler, Prompt, SimulatedLabeler
from gpt_assets.prompts.pii import EMAIL, PHONE
from gpt_assets.prompts.splits import TABLE6, SplitConfig, SplitTooLarge, split
from gpt_assets.resources import DataRoot

GROUP = "instructgpt_data"
TRAIN_SPLITS = ("sft", "rm", "ppo")


class LabelerResource(dg.ConfigurableResource):
    """Who labels: ``simulated`` (the sample world's labeler, from ``<data>/truth``) or ``files`` (human labels)."""

    kind: str = "simulated"
    truth_dir: str = ""  # default: <data>/truth
    demonstrations_file: str = ""  # files: {"prompt_id","response"} lines
    rankings_file: str = ""  # files: {"prompt_id","responses","ranking"} lines
    seed: int = 0

    def labeler(self, data: DataRoot) -> Labeler:
        if self.kind == "files":
            return FileLabeler(Path(self.demonstrations_file) if self.demonstrations_file else None,
                               Path(self.rankings_file) if self.rankings_file else None)
        truth = Path(self.truth_dir) if self.truth_dir else data.lake.root / "truth"
        if not (truth / "prompts.jsonl.gz").exists():
            raise dg.Failure(f"the simulated labeler needs the sample world's truth at {truth}; "
                             "use `gpt-assets sample-world`, or configure the labeler resource with kind='files'")
        return SimulatedLabeler.from_truth_dir(truth, self.seed)


class PromptSplitsConfig(dg.Config):
    prefix_chars: int = 100  # §3.2: dedup prompts sharing a long common prefix (length ours)
    max_per_user: int = 200  # §3.2: at most 200 prompts per user ID
    sft: int = 13_000  # §3.2 / Table 6: SFT ~13k prompts
    rm: int = 33_000  # §3.2 / Table 6: RM ~33k prompts
    ppo: int = 31_000  # §3.2 / Table 6: PPO ~31k prompts (API only)
    val_user_share: float = 0.05  # ours: held-out users for validation
    test_user_share: float = 0.05  # ours: held-out users for the evaluation (policy_evaluation)
    max_share_error: float = 0.01  # the check: labeler/API shares within one point of Table 6
    seed: int = 0


_CHECKS = ["split_sizes", "users_disjoint", "prompts_disjoint", "ppo_only_api", "users_capped", "prefixes_unique",
           "no_pii_left", "table6_shares"]


@dg.asset(group_name=GROUP, kinds={"polars", "parquet"}, deps=[prompt_pool], automation_condition=FOLLOW,
          check_specs=[dg.AssetCheckSpec(c, asset="prompt_splits", blocking=True) for c in _CHECKS],
          description="Cleaned prompts split by user into train/val/test, train dealt into SFT / RM / PPO.")
def prompt_splits(context: dg.AssetExecutionContext, config: PromptSplitsConfig, data: DataRoot):
    pool = data.lake.scan("prompt_pool").select("prompt_id", "user_id", "source", "created_at", "text").collect()
    ccfg = CleanConfig(config.prefix_chars, config.max_per_user, config.seed)
    kept, drops, clean_meta = clean(pool, ccfg)
    scfg = SplitConfig({"sft": config.sft, "rm": config.rm, "ppo": config.ppo}, config.val_user_share,
                       config.test_user_share, config.seed)
    try:
        out, split_meta = split(kept, scfg)
    except SplitTooLarge as exc:
        raise dg.Failure(str(exc)) from exc
    data.lake.drop_parts("prompt_splits")
    for name in (*TRAIN_SPLITS, "val", "test"):  # one file per split: datasets.load_dataset("parquet", ...)
        data.lake.write_frame("prompt_splits", out.filter(pl.col("split") == name), name)
    write_drops(data, "prompt_cleaning", drops.rename({"prompt_id": "doc_id"}), "prompts")
    data.publish("prompt_splits", "document_drops")
    counts = out.group_by("split", "source").len().sort("split", "source")
    yield dg.MaterializeResult(metadata=table_metadata(
        out, data, "prompt_splits", **{k: dg.MetadataValue.json(v) if isinstance(v, dict) else v
                                       for k, v in clean_meta.items()},
        users=dg.MetadataValue.json(split_meta["users"]), train_prompts_unused=split_meta["train_prompts_unused"],
        split_sources=dg.MetadataValue.md(md_table(counts.to_dicts())),
        datasets_usage=dg.MetadataValue.md("`datasets.load_dataset('parquet', data_files={'train': "
                                           f"'{data.lake.part_path('prompt_splits', 'sft')}'}})`")))
    yield from _split_checks(out, config)


def _split_checks(out: pl.DataFrame, config: PromptSplitsConfig):
    sizes = dict(out.group_by("split").len().iter_rows())
    want = {"sft": config.sft, "rm": config.rm, "ppo": config.ppo}
    yield dg.AssetCheckResult(check_name="split_sizes", passed=all(sizes.get(k, 0) == v for k, v in want.items()),
                              metadata={"sizes": dg.MetadataValue.json(sizes)})
    part = out.with_columns(pl.when(pl.col("split").is_in(TRAIN_SPLITS)).then(pl.lit("train"))
                            .otherwise(pl.col("split")).alias("part"))
    shared = part.group_by("user_id").agg(pl.col("part").n_unique().alias("n")).filter(pl.col("n") > 1).height
    yield dg.AssetCheckResult(check_name="users_disjoint", passed=shared == 0, metadata={"users_in_two_parts": shared})
    yield dg.AssetCheckResult(check_name="prompts_disjoint", passed=out["prompt_id"].n_unique() == out.height)
    non_api = out.filter((pl.col("split") == "ppo") & (pl.col("source") != "api")).height
    yield dg.AssetCheckResult(check_name="ppo_only_api", passed=non_api == 0, metadata={"non_api": non_api})
    top = int(out.group_by("user_id").len()["len"].max() or 0)
    yield dg.AssetCheckResult(check_name="users_capped", passed=top <= config.max_per_user,
                              metadata={"max_prompts_per_user": top})
    prefixes = out["text"].map_elements(lambda t: prefix_key(t, config.prefix_chars), return_dtype=pl.String)
    yield dg.AssetCheckResult(check_name="prefixes_unique", passed=prefixes.n_unique() == out.height,
                              metadata={"shared": out.height - prefixes.n_unique()})
    leaks = sum(bool(EMAIL.search(t) or PHONE.search(t)) for t in out["text"])
    yield dg.AssetCheckResult(check_name="no_pii_left", passed=leaks == 0, metadata={"prompts_with_pii": leaks})
    errors = {}
    for name, (lab, api) in TABLE6.items():
        rows = out.filter(pl.col("split") == name)
        if rows.height:
            errors[name] = round(abs(rows.filter(pl.col("source") == "labeler").height / rows.height
                                     - lab / (lab + api)), 4)
    worst = max(errors.values(), default=0)
    yield dg.AssetCheckResult(check_name="table6_shares", passed=worst <= config.max_share_error,
                              metadata={"labeler_share_error": dg.MetadataValue.json(errors)})


@dg.asset(group_name=GROUP, kinds={"polars", "parquet"}, deps=[prompt_splits], automation_condition=FOLLOW,
          check_specs=[dg.AssetCheckSpec("one_per_sft_prompt", asset="demonstrations", blocking=True)],
          description="A labeler demonstration for every SFT prompt, plus imported human demonstrations.")
def demonstrations(context: dg.AssetExecutionContext, data: DataRoot, labeler: LabelerResource):
    who = labeler.labeler(data)
    sft = data.lake.scan("prompt_splits").filter(pl.col("split") == "sft").select("prompt_id", "text").collect()
    rows = [{"prompt_id": pid, "prompt": text, "response": _scrub(who.demonstrate(Prompt(pid, text))),
             "source": labeler.kind} for pid, text in sft.iter_rows()]
    frame = pl.DataFrame(rows, schema={"prompt_id": pl.String, "prompt": pl.String, "response": pl.String,
                                       "source": pl.String})
    data.lake.write_frame("demonstrations", frame, "sft")
    data.publish("demonstrations")
    total = sum(1 for _ in data.lake.parts("demonstrations"))
    yield dg.MaterializeResult(metadata=table_metadata(
        frame, data, "demonstrations", labeler=labeler.kind, parts=total,
        mean_response_words=round(frame["response"].str.split(" ").list.len().mean() or 0, 1)))
    yield dg.AssetCheckResult(check_name="one_per_sft_prompt",
                              passed=frame.height == sft.height and frame["prompt_id"].n_unique() == sft.height)


def _scrub(text: str) -> str:
    from gpt_assets.prompts.pii import scrub

    return scrub(text)[0]


DEMO_SCHEMA = {"prompt_id": pl.String, "prompt": pl.String, "response": pl.String, "source": pl.String}
COMPARISON_SCHEMA = {"prompt_id": pl.String, "prompt": pl.String, "chosen": pl.String, "rejected": pl.String,
                     "source": pl.String}


@dg.multi_asset(
    group_name=GROUP,
    specs=[dg.AssetSpec("imported_demonstrations", kinds={"polars", "parquet"},
                        description="Demonstrations from raw/feedback/ (OpenAssistant best replies, Alpaca)."),
           dg.AssetSpec("imported_comparisons", kinds={"polars", "parquet"},
                        description="Pairwise comparisons from raw/feedback/ (HH-RLHF, OpenAssistant rankings).")],
    check_specs=[dg.AssetCheckSpec("fields_present", asset="imported_demonstrations", blocking=True),
                 dg.AssetCheckSpec("fields_present", asset="imported_comparisons", blocking=True,
                                   description="Prompt, chosen and rejected non-empty; chosen differs from rejected.")],
)
def imported_feedback(context: dg.AssetExecutionContext, data: DataRoot):
    lake = data.lake
    demos, comps, rejects = [], [], []
    for f in files_of(lake.raw, "feedback"):
        rel = f.path.relative_to(lake.raw).as_posix()
        for item in READERS[f.key](f.path):
            if isinstance(item, Reject):
                rejects.append(Reject(rel, item.position, item.reason, item.detail).row("imported_feedback", None))
            elif item.pop("kind") == "demonstration":
                demos.append(item)
            else:
                comps.append(item)
    d, c = pl.DataFrame(demos, schema=DEMO_SCHEMA), pl.DataFrame(comps, schema=COMPARISON_SCHEMA)
    lake.write_frame("imported_demonstrations", d)
    lake.write_frame("imported_comparisons", c)
    lake.write_frame("ingest_rejects", pl.DataFrame(rejects, schema=pl.Schema(REJECT_SCHEMA)), sub="imported_feedback")
    data.publish("imported_demonstrations", "imported_comparisons", "ingest_rejects")
    by = {"demonstrations": dict(d.group_by("source").len().iter_rows()) if d.height else {},
          "comparisons": dict(c.group_by("source").len().iter_rows()) if c.height else {}}
    yield dg.MaterializeResult(asset_key="imported_demonstrations", metadata=table_metadata(
        d, data, "imported_demonstrations", by_source=dg.MetadataValue.json(by["demonstrations"]),
        quarantined_lines=len(rejects)))
    yield dg.MaterializeResult(asset_key="imported_comparisons", metadata=table_metadata(
        c, data, "imported_comparisons", by_source=dg.MetadataValue.json(by["comparisons"])))
    empty = d.filter((pl.col("prompt").str.strip_chars() == "") | (pl.col("response").str.strip_chars() == "")).height
    yield dg.AssetCheckResult(asset_key="imported_demonstrations", check_name="fields_present", passed=empty == 0,
                              metadata={"empty_prompt_or_response": empty})
    bad = c.filter((pl.col("prompt").str.strip_chars() == "") | (pl.col("chosen").str.strip_chars() == "")
                   | (pl.col("rejected").str.strip_chars() == "") | (pl.col("chosen") == pl.col("rejected"))).height
    yield dg.AssetCheckResult(asset_key="imported_comparisons", check_name="fields_present", passed=bad == 0,
                              metadata={"bad_rows": bad})


PROMPT_ASSETS = [prompt_splits, demonstrations, imported_feedback]
