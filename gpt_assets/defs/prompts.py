"""InstructGPT prompt datasets (§3.2): ``prompt_splits``, ``demonstrations``, imported human feedback."""

# No `from __future__ import annotations`: Dagster reads the annotations.


from pathlib import Path

import dagster as dg
import polars as pl
from pydantic import Field

from gpt_assets.automation import FOLLOW
from gpt_assets.defs.common import check_result, md_dict, md_table, table_metadata, write_drops
from gpt_assets.defs.ingest import prompt_pool
from gpt_assets.ingest.jsonl import ANON_USER
from gpt_assets.ingest.landing import files_of
from gpt_assets.ingest.rejects import REJECT_SCHEMA, Reject
from gpt_assets.prompts.clean import CleanConfig, clean, prefix_key
from gpt_assets.prompts.importers import READERS
from gpt_assets.prompts.labeler import FileLabeler, Labeler, Prompt, SimulatedLabeler
from gpt_assets.prompts.pii import EMAIL, PHONE
from gpt_assets.prompts.sensitive import REFUSAL
from gpt_assets.prompts.splits import TABLE6, SplitConfig, SplitTooLarge, split
from gpt_assets.resources import DataRoot

GROUP = "instructgpt_data"
TRAIN_SPLITS = ("sft", "rm", "ppo")


LABELER_KINDS = ("simulated", "files", "imported")


class LabelerResource(dg.ConfigurableResource):
    """Who labels: ``simulated`` (the sample world's labeler, from ``<data>/truth``), ``files`` (human labels for
    this pool's prompts, in two JSONL files) or ``imported`` (no labeler: the demonstrations and comparisons are the
    human feedback imported from ``raw/feedback/``; set it for real data with ``resources: {labeler: {kind:
    imported}}``, as configs/real-data.yaml does)."""

    kind: str = Field(default="simulated", description="simulated | files | imported (real human feedback in "
                                                       "raw/feedback/, no labeler)")
    truth_dir: str = ""  # default: <data>/truth
    demonstrations_file: str = ""  # files: {"prompt_id","response"} lines
    rankings_file: str = ""  # files: {"prompt_id","responses","ranking"} lines
    seed: int = 0

    @property
    def imported(self) -> bool:
        if self.kind not in LABELER_KINDS:
            raise dg.Failure(f"labeler kind {self.kind!r} is not one of {', '.join(LABELER_KINDS)}")
        return self.kind == "imported"

    def labeler(self, data: DataRoot) -> Labeler:
        if self.imported:
            raise dg.Failure("labeler kind 'imported' has no labeler: the demonstrations and comparisons are the "
                             "imported human feedback")
        if self.kind == "files":
            return FileLabeler(Path(self.demonstrations_file) if self.demonstrations_file else None,
                               Path(self.rankings_file) if self.rankings_file else None)
        truth = Path(self.truth_dir) if self.truth_dir else data.lake.root / "truth"
        if not (truth / "prompts.jsonl.gz").exists():
            raise dg.Failure(
                f"the simulated labeler needs the sample world's ground truth ({truth}/prompts.jsonl.gz), which "
                "real data does not have. For real human feedback in raw/feedback/ set `resources: {labeler: {kind: "
                "imported}}` in the run config (configs/real-data.yaml, or --set resources.labeler.kind=imported); "
                "for human labels of your own prompts use kind files with demonstrations_file and rankings_file")
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
    fit_to_pool: bool = Field(
        default=False, description="Scale sft/rm/ppo down by one factor to what the train users' prompts fill "
                                   "(the scale is in the metadata); off: a pool too small fails with the sizes that "
                                   "fit (the sizes are InstructGPT §3.2's)")
    api_fills_labeler_quota: bool = Field(
        default=False, description="Let API prompts fill the labeler-written quotas of SFT and RM that the pool "
                                   "cannot (real prompt logs have no labeler prompts); table6_shares then checks "
                                   "that every labeler prompt was used (InstructGPT §3.2, Table 6)")


class SensitivePromptConfig(dg.Config):
    threshold: float = Field(default=0.5, description="A prompt is flagged when the classifier's P(sensitive) is at "
                             "least this (ours: GPT-4 §6 gives none)")
    heldout_share: float = Field(default=0.2, description="Labelled prompts held out for precision and recall (ours)")
    balance: bool = Field(default=True, description="Train on as many sensitive as ordinary prompts (ours: real "
                          "red-team sets outnumber the ordinary prompts they come with)")
    balance_by: str = Field(default="undersample", description="With balance: 'undersample' the larger label or "
                            "'oversample' (repeat) the smaller. Ours, measured (bench/RESULTS.md): on the real files "
                            "oversampling flags 37-41% of ordinary prompts against 16-20%; on the sample world, "
                            "where ordinary prompts outnumber, undersampling drops most look-alikes")
    epoch: int = Field(default=25, description="fastText epochs (ours, measured on the real files)")
    lr: float = Field(default=0.5, description="fastText learning rate (ours)")
    word_ngrams: int = Field(default=2, description="fastText word n-grams (ours)")
    seed: int = 0
    min_recall: float = Field(default=0.7, description="The separates check: held-out recall at least this (ours)")
    max_false_positive_rate: float = Field(default=0.3, description="The separates check: held-out ordinary prompts "
                                           "flagged at most this share (ours)")


SCORE_SCHEMA = {"prompt_id": pl.String, "sensitive_score": pl.Float64, "flagged": pl.Boolean}


@dg.asset(group_name=GROUP, kinds={"fasttext", "parquet"}, deps=["safety_prompts", prompt_pool],
          automation_condition=FOLLOW,
          check_specs=[dg.AssetCheckSpec("separates", asset="sensitive_prompt_classifier",
                                         description="On held-out labelled prompts, recall at least min_recall and "
                                                     "the false-positive rate at most max_false_positive_rate.")],
          description="GPT-4's sensitive-prompt classifier (§6): fastText on the labelled prompts of "
                      "safety_prompts; every prompt of the pool scored (P(sensitive), flagged).")
def sensitive_prompt_classifier(context: dg.AssetExecutionContext, config: SensitivePromptConfig, data: DataRoot):
    from gpt_assets.prompts import sensitive

    labelled = data.lake.scan("safety_prompts").collect() if data.lake.parts("safety_prompts") else pl.DataFrame()
    pool = data.lake.scan("prompt_pool").select("prompt_id", "text").collect()
    data.lake.drop_parts("sensitive_prompt_classifier")
    if labelled.height == 0 or labelled["sensitive"].all() or not labelled["sensitive"].any():
        have = dict(labelled.group_by("sensitive").len().iter_rows()) if labelled.height else {}
        frame = pl.DataFrame({"prompt_id": pool["prompt_id"]}).with_columns(
            pl.lit(None, pl.Float64).alias("sensitive_score"), pl.lit(False).alias("flagged"))
        data.lake.write_frame("sensitive_prompt_classifier", frame)
        data.publish("sensitive_prompt_classifier")
        yield dg.MaterializeResult(metadata=table_metadata(frame, data, "sensitive_prompt_classifier",
                                                           labelled=dg.MetadataValue.json(have), trained=False))
        yield dg.AssetCheckResult(
            check_name="separates", passed=False, severity=dg.AssetCheckSeverity.WARN,
            metadata={"labelled": labelled.height},
            description=f"no classifier: safety_prompts holds {labelled.height} labelled prompts ({have}), it needs "
            "both sensitive and ordinary ones, so no prompt is flagged; land red-team prompts under "
            "raw/safety/sensitive/ and ordinary ones under raw/safety/ordinary/ and materialize safety_prompts")
        return
    cfg = sensitive.SensitiveConfig(threshold=config.threshold, heldout_share=config.heldout_share,
                                    balance=config.balance, balance_by=config.balance_by, seed=config.seed,
                                    epoch=config.epoch, lr=config.lr,
                                    word_ngrams=config.word_ngrams)
    groups = ["labelled rows" if s == "labelled" else "by folder" for s in labelled["label_source"]]
    clf, metrics = sensitive.train(labelled["text"].to_list(), labelled["sensitive"].to_list(),
                                   labelled["label_id"].to_list(), groups, cfg)
    model = data.lake.checkpoints / "sensitive_prompt_classifier" / "model.bin"
    tmp = model.with_name(".model.bin.tmp")
    clf.save(tmp)
    tmp.replace(model)
    scores = clf.score(pool["text"].to_list())
    frame = pl.DataFrame({"prompt_id": pool["prompt_id"], "sensitive_score": scores,
                          "flagged": scores >= config.threshold}, schema=SCORE_SCHEMA)
    data.lake.write_frame("sensitive_prompt_classifier", frame)
    data.publish("sensitive_prompt_classifier")
    held = metrics["heldout"]
    by_source = [{"labels": k, **v} for k, v in metrics["heldout_by_source"].items()]
    yield dg.MaterializeResult(metadata=table_metadata(
        frame, data, "sensitive_prompt_classifier", trained=True, model=dg.MetadataValue.path(str(model)),
        labelled=labelled.height, labelled_sensitive=int(labelled["sensitive"].sum()),
        train_prompts=metrics["train_prompts"], heldout_prompts=metrics["heldout_prompts"],
        heldout_precision=held["precision"], heldout_recall=held["recall"],
        heldout_false_positive_rate=held["false_positive_rate"],
        heldout_by_source=dg.MetadataValue.md(md_table(by_source)),
        pool_flagged=int(frame["flagged"].sum()), pool_flagged_share=round(float(frame["flagged"].mean()), 4)))
    ok = held["recall"] >= config.min_recall and held["false_positive_rate"] <= config.max_false_positive_rate
    yield check_result("separates", ok,
                       f"on {metrics['heldout_prompts']} held-out labelled prompts the classifier finds "
                       f"{held['recall']:.1%} of the sensitive ones (min_recall {config.min_recall:.0%}) and flags "
                       f"{held['false_positive_rate']:.1%} of the ordinary ones (max_false_positive_rate "
                       f"{config.max_false_positive_rate:.0%}): label more prompts of the kind it misses, or move "
                       "threshold", recall=held["recall"], false_positive_rate=held["false_positive_rate"],
                       precision=held["precision"], heldout=metrics["heldout_prompts"])


_CHECKS = {
    "split_sizes": "SFT, RM and PPO hold exactly the configured sizes (scaled by size_scale under fit_to_pool).",
    "users_disjoint": "No user has prompts in two of train (SFT+RM+PPO), val and test (§3.2: split by user ID).",
    "prompts_disjoint": "Every prompt is in one split only.",
    "ppo_only_api": "The PPO split holds API prompts only (§3.2, Table 6).",
    "users_capped": "No user has more than max_per_user prompts (§3.2: 200).",
    "prefixes_unique": "No two prompts share a normalized prefix of prefix_chars characters (§3.2).",
    "no_pii_left": "No e-mail address or phone number is left in any prompt (§3.2: PII filtered).",
    "table6_shares": "Labeler-written shares of SFT/RM/PPO within max_share_error of Table 6; with "
                     "api_fills_labeler_quota, every labeler prompt of the train users used where API ones fill in.",
    "heldout_nonempty": "The val and test splits (held-out users) both hold prompts.",
}


@dg.asset(group_name=GROUP, kinds={"polars", "parquet"}, deps=[prompt_pool, sensitive_prompt_classifier],
          automation_condition=FOLLOW,
          check_specs=[dg.AssetCheckSpec(c, asset="prompt_splits", blocking=True, description=d)
                       for c, d in _CHECKS.items()],
          description="Cleaned prompts split by user into train/val/test, train dealt into SFT / RM / PPO; each "
                      "prompt's sensitive_score and flag from sensitive_prompt_classifier.")
def prompt_splits(context: dg.AssetExecutionContext, config: PromptSplitsConfig, data: DataRoot):
    pool = data.lake.scan("prompt_pool").select("prompt_id", "user_id", "source", "created_at", "text").collect()
    ccfg = CleanConfig(config.prefix_chars, config.max_per_user, config.seed)
    kept, drops, clean_meta = clean(pool, ccfg)
    scfg = SplitConfig({"sft": config.sft, "rm": config.rm, "ppo": config.ppo}, config.val_user_share,
                       config.test_user_share, config.seed, config.fit_to_pool, config.api_fills_labeler_quota)
    try:
        out, split_meta = split(kept, scfg)
    except SplitTooLarge as exc:
        raise dg.Failure(str(exc)) from exc
    out = _with_sensitive_scores(out, data)
    data.lake.drop_parts("prompt_splits")
    for name in (*TRAIN_SPLITS, "val", "test"):  # one file per split: datasets.load_dataset("parquet", ...)
        data.lake.write_frame("prompt_splits", out.filter(pl.col("split") == name), name)
    write_drops(data, "prompt_cleaning", drops.rename({"prompt_id": "doc_id"}), "prompts")
    data.publish("prompt_splits", "document_drops")
    counts = out.group_by("split", "source").len().sort("split", "source")
    meta = {k: md_dict(v) if isinstance(v, dict) else v for k, v in clean_meta.items()}
    yield dg.MaterializeResult(metadata=table_metadata(
        out, data, "prompt_splits", **meta,
        prompts_without_user_id=int(pool["user_id"].str.starts_with(ANON_USER).sum()),
        prompts_without_created_at=int(pool["created_at"].null_count()),
        users=md_dict(split_meta["users"], "part", "users"), train_prompts_unused=split_meta["train_prompts_unused"],
        sizes=dg.MetadataValue.json(split_meta["sizes"]), size_scale=split_meta["size_scale"],
        labeler_quota_filled_by_api=split_meta["labeler_quota_filled_by_api"],
        split_sources=dg.MetadataValue.md(md_table(counts.to_dicts())),
        flagged_sensitive=dg.MetadataValue.json(dict(out.group_by("split").agg(pl.col("flagged").sum()).iter_rows())),
        datasets_usage=dg.MetadataValue.md("`datasets.load_dataset('parquet', data_files={'train': "
                                           f"'{data.lake.part_path('prompt_splits', 'sft')}'}})`")))
    yield from _split_checks(out, config, split_meta)


def _with_sensitive_scores(out: pl.DataFrame, data: DataRoot) -> pl.DataFrame:
    """Each prompt's sensitive_score and flag (null and false where the classifier did not score it)."""
    scores = data.lake.scan("sensitive_prompt_classifier").collect() \
        if data.lake.parts("sensitive_prompt_classifier") else pl.DataFrame(schema=SCORE_SCHEMA)
    return out.join(scores, on="prompt_id", how="left").with_columns(pl.col("flagged").fill_null(False))


def _split_checks(out: pl.DataFrame, config: PromptSplitsConfig, meta: dict):
    sizes = dict(out.group_by("split").len().iter_rows())
    scale = meta["size_scale"]  # 1 unless fit_to_pool scaled the configured sizes down
    want = {k: int(getattr(config, k) * scale) for k in TRAIN_SPLITS}
    yield check_result("split_sizes", all(sizes.get(k, 0) == v for k, v in want.items()),
                 f"split sizes {sizes} differ from the configured {want} (scale {scale:.4g}): a bug in the deal",
                 sizes=dg.MetadataValue.json(sizes), size_scale=scale)
    part = out.with_columns(pl.when(pl.col("split").is_in(TRAIN_SPLITS)).then(pl.lit("train"))
                            .otherwise(pl.col("split")).alias("part"))
    shared = part.group_by("user_id").agg(pl.col("part").n_unique().alias("n")).filter(pl.col("n") > 1).height
    yield check_result("users_disjoint", shared == 0,
                 f"{shared} users have prompts in two of train/val/test (should be 0): a bug in the user split",
                 users_in_two_parts=shared)
    dup = out.height - out["prompt_id"].n_unique()
    yield check_result("prompts_disjoint", dup == 0,
                 f"{dup} prompt ids appear twice across the splits (should be 0): give each line of "
                 "raw/prompts/ its own prompt_id", duplicated_prompt_ids=dup)
    non_api = out.filter((pl.col("split") == "ppo") & (pl.col("source") != "api")).height
    yield check_result("ppo_only_api", non_api == 0,
                 f"{non_api} PPO prompts are not API prompts (should be 0): a bug in the deal", non_api=non_api)
    top = int(out.group_by("user_id").len()["len"].max() or 0)
    yield check_result("users_capped", top <= config.max_per_user,
                 f"a user has {top} prompts, over max_per_user={config.max_per_user}: a bug in the cap",
                 max_prompts_per_user=top)
    prefixes = out["text"].map_elements(lambda t: prefix_key(t, config.prefix_chars), return_dtype=pl.String)
    same = out.height - prefixes.n_unique()
    yield check_result("prefixes_unique", same == 0,
                 f"{same} prompts share a {config.prefix_chars}-character prefix with another (should be 0): a bug "
                 "in the prefix dedup", shared=same)
    leaks = sum(bool(EMAIL.search(t) or PHONE.search(t)) for t in out["text"])
    yield check_result("no_pii_left", leaks == 0,
                 f"{leaks} prompts still hold an e-mail or phone number after the scrub (should be 0): extend "
                 "gpt_assets/prompts/pii.py", prompts_with_pii=leaks)
    errors, shares = {}, {}
    for name, (lab, api) in TABLE6.items():
        rows = out.filter(pl.col("split") == name)
        if rows.height:
            shares[name] = round(rows.filter(pl.col("source") == "labeler").height / rows.height, 4)
            errors[name] = round(abs(shares[name] - lab / (lab + api)), 4)
    worst = max(errors.values(), default=0)
    filled, unused = meta["labeler_quota_filled_by_api"], meta["train_labeler_unused"]
    by_fill = config.api_fills_labeler_quota and filled > 0 and unused == 0
    yield check_result("table6_shares", worst <= config.max_share_error or by_fill,
                 f"the labeler-written share is off Table 6 by up to {worst:.1%} (max_share_error "
                 f"{config.max_share_error:.1%}), with {filled} API prompts in labeler quotas and {unused} labeler "
                 "prompts unused: add labeler-written prompts, or set api_fills_labeler_quota: true for a pool "
                 "without enough of them", labeler_share=dg.MetadataValue.json(shares),
                 labeler_share_error=dg.MetadataValue.json(errors), labeler_quota_filled_by_api=filled,
                 train_labeler_unused=unused)
    held = {p: out.filter(pl.col("split") == p).height for p in ("val", "test")}
    users = meta["users"]
    yield check_result("heldout_nonempty", held["val"] > 0 and held["test"] > 0,
                 f"val holds {held['val']} prompts of {users['val']} users and test {held['test']} of "
                 f"{users['test']} users (each needs at least one; users fall there by a hash of user_id at "
                 f"val_user_share={config.val_user_share}, test_user_share={config.test_user_share}): raise the "
                 "share of the empty one, or add prompts from more users",
                 prompts=dg.MetadataValue.json(held), users=dg.MetadataValue.json(users))


class DialogueSplitsConfig(dg.Config):
    val_user_share: float = Field(default=0.05, description="Held-out users for validation: the same hash as "
                                  "prompt_splits, so keep both shares equal there and here (ours)")
    test_user_share: float = Field(default=0.05, description="Held-out users for the evaluation (ours; as "
                                   "prompt_splits)")
    rm_share: float = Field(default=0.5, description="Train conversations whose context is sampled K times and "
                            "ranked for the reward model; the rest are SFT demonstrations (ours: ChatGPT gives none)")
    seed: int = Field(default=0, description="The hash's seed (as prompt_splits)")


@dg.asset(group_name=GROUP, kinds={"polars", "parquet"}, deps=["dialogues"], automation_condition=FOLLOW,
          check_specs=[dg.AssetCheckSpec("users_disjoint", asset="dialogue_splits", blocking=True,
                                         description="No user has conversations in two of train (SFT+RM), val and "
                                                     "test."),
                       dg.AssetCheckSpec("parts_filled", asset="dialogue_splits",
                                         description="With conversations at all, SFT, RM, val and test each hold "
                                                     "one (warns: a small set of writers can leave one empty).")],
          description="Labeler-written conversations (ChatGPT) split by user into SFT / RM / val / test, each with "
                      "its context in the chat template (ending <|assistant|>) and its last reply.")
def dialogue_splits(context: dg.AssetExecutionContext, config: DialogueSplitsConfig, data: DataRoot):
    from gpt_assets.prompts.dialogue import DIALOGUE_SPLIT_SCHEMA, split_dialogues

    convos = data.lake.scan("dialogues").collect() if data.lake.parts("dialogues") else None
    scfg = SplitConfig(val_user_share=config.val_user_share, test_user_share=config.test_user_share,
                       seed=config.seed)
    out = split_dialogues(convos, scfg, config.rm_share) if convos is not None and convos.height \
        else pl.DataFrame(schema=DIALOGUE_SPLIT_SCHEMA)
    data.lake.drop_parts("dialogue_splits")
    data.lake.write_frame("dialogue_splits", out)
    data.publish("dialogue_splits")
    sizes = {p: out.filter(pl.col("split") == p).height for p in ("sft", "rm", "val", "test")}
    turns = dict(out.group_by("n_turns").len().sort("n_turns").iter_rows()) if out.height else {}
    yield dg.MaterializeResult(metadata=table_metadata(
        out, data, "dialogue_splits", sizes=dg.MetadataValue.json(sizes),
        turns_per_conversation=dg.MetadataValue.json({str(k): v for k, v in turns.items()}),
        users=out["user_id"].n_unique() if out.height else 0))
    part = out.with_columns(pl.when(pl.col("split").is_in(("sft", "rm"))).then(pl.lit("train"))
                            .otherwise(pl.col("split")).alias("part"))
    shared = part.group_by("user_id").agg(pl.col("part").n_unique().alias("n")).filter(pl.col("n") > 1).height
    yield check_result("users_disjoint", shared == 0,
                       f"{shared} users have conversations in two of train/val/test (should be 0): a bug in the "
                       "user split", users_in_two_parts=shared)
    empty = [p for p, n in sizes.items() if n == 0]
    yield dg.AssetCheckResult(
        check_name="parts_filled", passed=out.height == 0 or not empty, severity=dg.AssetCheckSeverity.WARN,
        metadata={"sizes": dg.MetadataValue.json(sizes)},
        description=None if out.height == 0 or not empty else
        f"of {out.height} conversations, none fell in {', '.join(empty)} (sizes {sizes}; users fall in val/test by "
        "a hash at val_user_share/test_user_share): add conversations by more writers, or raise those shares")


@dg.asset(group_name=GROUP, kinds={"polars", "parquet"}, deps=[prompt_splits, "imported_demonstrations",
                                                             dialogue_splits],
          automation_condition=FOLLOW,
          check_specs=[dg.AssetCheckSpec(
              "one_per_sft_prompt", asset="demonstrations", blocking=True,
              description="Labeler kinds simulated/files: one demonstration per SFT prompt. Kind imported: no "
                          "generated demonstration, and imported_demonstrations holds human ones for sft_model.")],
          description="A labeler demonstration for every SFT prompt (none with labeler kind imported: sft_model "
                      "then trains on imported_demonstrations), and the SFT conversations of dialogue_splits "
                      "(source dialogue: prompt = the context in the chat template, response = the last reply); "
                      "every row's turns.")
def demonstrations(context: dg.AssetExecutionContext, data: DataRoot, labeler: LabelerResource):
    sft = data.lake.scan("prompt_splits").filter(pl.col("split") == "sft").select("prompt_id", "text", "flagged") \
        .collect()
    flagged = set(sft.filter(pl.col("flagged"))["prompt_id"])
    sft = sft.select("prompt_id", "text")
    if labeler.imported:
        frame = pl.DataFrame(schema=DEMO_SCHEMA)
        human = data.lake.scan("imported_demonstrations").collect().height \
            if data.lake.parts("imported_demonstrations") else 0
    else:
        who = labeler.labeler(data)
        if isinstance(who, SimulatedLabeler) and not all(who.knows(Prompt(p, t)) for p, t in sft.iter_rows()):
            unknown = sum(not who.knows(Prompt(p, t)) for p, t in sft.iter_rows())
            raise dg.Failure(f"{unknown} of the {sft.height} SFT prompts are not in the sample world's truth (real "
                             "prompts?): the simulated labeler cannot demonstrate them. For real human feedback in "
                             "raw/feedback/ set `resources: {labeler: {kind: imported}}` (configs/real-data.yaml)")
        # GPT-4 §6: a prompt the sensitive-prompt classifier flags is demonstrated with a refusal
        rows = [{"prompt_id": pid, "prompt": text, "response": REFUSAL if pid in flagged else
                 _scrub(who.demonstrate(Prompt(pid, text))), "source": labeler.kind} for pid, text in sft.iter_rows()]
        frame = pl.DataFrame(rows, schema=DEMO_SCHEMA)
    frame = with_turns(frame)
    talks = _sft_dialogues(data)
    data.lake.write_frame("demonstrations", frame, "sft")
    data.lake.write_frame("demonstrations", talks, "dialogue")
    data.publish("demonstrations")
    total = sum(1 for _ in data.lake.parts("demonstrations"))
    extra = {"sft_prompts_unused": sft.height, "imported_demonstrations": human} if labeler.imported else {}
    yield dg.MaterializeResult(metadata=table_metadata(
        frame, data, "demonstrations", labeler=labeler.kind, parts=total, **extra,
        flagged_sft_prompts=len(flagged), refusals=int((frame["response"] == REFUSAL).sum()) if frame.height else 0,
        dialogues=talks.height, dialogue_assistant_turns=int(talks["n_turns"].sum() // 2) if talks.height else 0,
        mean_response_words=round(frame["response"].str.split(" ").list.len().mean() or 0, 1)))
    if labeler.imported:
        yield check_result("one_per_sft_prompt", frame.height == 0 and human > 0,
                     f"labeler kind imported: {frame.height} generated demonstrations (should be 0) and {human} "
                     "imported ones (should be > 0): sft_model needs human demonstrations; add OpenAssistant trees "
                     "or Alpaca / self-instruct files under raw/feedback/ and materialize imported_demonstrations",
                     generated=frame.height, imported_demonstrations=human)
    else:
        ok = frame.height == sft.height and frame["prompt_id"].n_unique() == sft.height
        yield check_result("one_per_sft_prompt", ok,
                     f"{frame['prompt_id'].n_unique()} SFT prompts have a demonstration, of {sft.height}: the "
                     f"{labeler.kind} labeler must answer every SFT prompt", demonstrations=frame.height,
                     sft_prompts=sft.height)


TURNS = pl.List(pl.Struct({"role": pl.String, "text": pl.String}))


def with_turns(frame: pl.DataFrame) -> pl.DataFrame:
    """A single-turn demonstration's turns: the prompt as the user's, the response as the assistant's."""
    return frame.with_columns(pl.concat_list(
        pl.struct(pl.lit("user").alias("role"), pl.col("prompt").alias("text")),
        pl.struct(pl.lit("assistant").alias("role"), pl.col("response").alias("text"))).cast(TURNS).alias("turns"),
        pl.lit(2, pl.Int64).alias("n_turns"))


def _sft_dialogues(data: DataRoot) -> pl.DataFrame:
    """The SFT conversations as demonstrations: the context in the chat template and the last reply."""
    schema = {**DEMO_SCHEMA, "turns": TURNS, "n_turns": pl.Int64}
    if not data.lake.parts("dialogue_splits"):
        return pl.DataFrame(schema=schema)
    rows = data.lake.scan("dialogue_splits").filter(pl.col("split") == "sft").collect()
    return rows.select(pl.col("conversation_id").alias("prompt_id"), "prompt", pl.col("reply").alias("response"),
                       pl.lit("dialogue").alias("source"), pl.col("turns").cast(TURNS), "n_turns")


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
    check_specs=[dg.AssetCheckSpec("fields_present", asset="imported_demonstrations", blocking=True,
                                   description="Prompt and response non-empty."),
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
    yield dg.AssetCheckResult(
        asset_key="imported_demonstrations", check_name="fields_present", passed=empty == 0,
        metadata={"empty_prompt_or_response": empty},
        description=None if empty == 0 else f"{empty} imported demonstrations have an empty prompt or response "
                                            "(should be 0): a reader in gpt_assets/prompts/importers.py lets them "
                                            "through; fix the reader or the file under raw/feedback/")
    bad = c.filter((pl.col("prompt").str.strip_chars() == "") | (pl.col("chosen").str.strip_chars() == "")
                   | (pl.col("rejected").str.strip_chars() == "") | (pl.col("chosen") == pl.col("rejected"))).height
    yield dg.AssetCheckResult(
        asset_key="imported_comparisons", check_name="fields_present", passed=bad == 0, metadata={"bad_rows": bad},
        description=None if bad == 0 else f"{bad} imported comparisons have an empty side or chosen == rejected "
                                          "(should be 0): fix the reader in gpt_assets/prompts/importers.py or the "
                                          "file under raw/feedback/")


PROMPT_ASSETS = [sensitive_prompt_classifier, prompt_splits, dialogue_splits, demonstrations, imported_feedback]
