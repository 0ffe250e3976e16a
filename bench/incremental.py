"""Incremental cost: adding one crawl to N-1 against re-running all N, for the partitioned Common Crawl stages.

    .venv/bin/python bench/incremental.py [--scale demo] [--crawls 4]

Builds a world with N crawls (the sample world's two crawls per seed, the later seeds' crawls renamed to new crawl
ids), materializes everything the CC stages need with N-1 crawls, then times (a) the new crawl alone:
``cc_documents``, ``cc_quality_scores``, ``cc_filtered`` for its partition and ``duplicate_clusters`` over the
persistent dedup index, and (b) the same stages for all N crawls from scratch (``rebuild_index``). The ideal ratio
a/b is 1/N for the partitioned stages; dedup compares the new crawl with every stored signature, so its share
grows with the index.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import dagster as dg  # noqa: E402

from gpt_assets.definitions import ASSETS, RESOURCES  # noqa: E402
from gpt_assets.lake import Lake  # noqa: E402
from gpt_assets.resources import DataRoot  # noqa: E402
from gpt_assets.sampleworld import write_sample_world  # noqa: E402

PARTITIONED = ["cc_documents", "cc_quality_scores", "cc_filtered"]
BEFORE = ["web_pages", "reference_documents", "webtext_links", "webtext_documents"]


def build_world(root: Path, scale: str, crawls: int) -> list[str]:
    write_sample_world(root / "raw", root / "truth", scale=scale, seed=0)
    cc = root / "raw/commoncrawl"
    seed = 1
    while len(list(cc.iterdir())) < crawls:
        extra = Path(tempfile.mkdtemp())
        write_sample_world(extra / "raw", extra / "truth", scale=scale, seed=seed)
        for folder in sorted((extra / "raw/commoncrawl").iterdir()):
            if len(list(cc.iterdir())) < crawls:
                year = 2018 + seed
                shutil.move(str(folder), cc / folder.name.replace("2017", str(year)))
        shutil.rmtree(extra)
        seed += 1
    return sorted(p.name for p in cc.iterdir())


def materialize(instance, resources, keys: list[str], partition: str | None = None, config: dict | None = None):
    t0 = time.perf_counter()
    result = dg.materialize(ASSETS, selection=keys, partition_key=partition, instance=instance, resources=resources,
                            run_config={"ops": {k: {"config": v} for k, v in (config or {}).items()}})
    assert result.success
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", default="demo")
    ap.add_argument("--crawls", type=int, default=4)
    ap.add_argument("--root", help="reuse a world this script built (its raw/ and truth/); the lake is rebuilt")
    args = ap.parse_args()
    root = Path(args.root) if args.root else Path(tempfile.mkdtemp(prefix="incremental-"))
    held = root / "held-back"
    if args.root:
        for out in ("lake", "dedup_index", "checkpoints"):
            shutil.rmtree(root / out, ignore_errors=True)
        (root / "warehouse.duckdb").unlink(missing_ok=True)
        crawls = sorted(p.name for p in (root / "raw/commoncrawl").iterdir())
    else:
        crawls = build_world(root, args.scale, args.crawls)
    *old, new = crawls
    held.mkdir(exist_ok=True)
    shutil.move(str(root / "raw/commoncrawl" / new), held / new)
    resources = {**RESOURCES, "data": DataRoot(path=str(root))}
    lake = Lake(root)
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("cc_crawls", old)
        instance.add_dynamic_partitions("reddit_months", sorted({p.stem.removeprefix("RS_") for p in
                                                                (root / "raw/reddit").glob("RS_*")}))
        for month in instance.get_dynamic_partitions("reddit_months"):
            materialize(instance, resources, ["reddit_submissions"], month)
        materialize(instance, resources, BEFORE)
        for crawl in old:  # the N-1 crawls the lineage already holds
            materialize(instance, resources, PARTITIONED[:1], crawl)
        materialize(instance, resources, ["quality_classifier"])
        for crawl in old:
            materialize(instance, resources, PARTITIONED[1:], crawl)
        materialize(instance, resources, ["duplicate_clusters"])

        shutil.move(str(held / new), root / "raw/commoncrawl" / new)
        held.rmdir()
        instance.add_dynamic_partitions("cc_crawls", [new])
        inc_part = materialize(instance, resources, PARTITIONED, new)
        inc_dedup = materialize(instance, resources, ["duplicate_clusters"])

        full_part = sum(materialize(instance, resources, PARTITIONED, c) for c in crawls)
        full_dedup = materialize(instance, resources, ["duplicate_clusters"],
                                 config={"duplicate_clusters": {"rebuild_index": True}})
    docs = lake.scan("cc_documents").select("crawl").collect()["crawl"].value_counts().sort("crawl").to_dicts()
    print(json.dumps({
        "scale": args.scale, "crawls": len(crawls), "documents_per_crawl": docs,
        "new_crawl_s": {"partitioned": round(inc_part, 2), "duplicate_clusters": round(inc_dedup, 2)},
        "all_crawls_s": {"partitioned": round(full_part, 2), "duplicate_clusters": round(full_dedup, 2)},
        "ratio": {"partitioned": round(inc_part / full_part, 3),
                  "duplicate_clusters": round(inc_dedup / full_dedup, 3),
                  "both": round((inc_part + inc_dedup) / (full_part + full_dedup), 3),
                  "ideal": round(1 / len(crawls), 3)},
    }, indent=1))
    if not args.root:
        shutil.rmtree(root)


if __name__ == "__main__":
    main()
