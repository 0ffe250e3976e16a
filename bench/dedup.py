"""Fuzzy dedup: signatures/s per core, end-to-end time and peak memory, peers side by side in one run.

    .venv/bin/python bench/dedup.py            # 100k and 1M documents (~12 minutes on 2 cores)
    .venv/bin/python bench/dedup.py --quick    # 20k documents (~1 minute)

Corpus: ``gpt_assets.dedup.synthetic.planted_corpus`` generated in batches of 10k documents (200-260 words,
20% of documents in planted near-duplicate clusters of 2-4), the same for every engine. Every engine runs in
its own subprocess, single-threaded (POLARS_MAX_THREADS=1, RAYON_NUM_THREADS=1), so figures are per core and
memory peaks (``ru_maxrss``) don't mix; generation time is excluded, the current batch of texts is included.

Engines (128 permutations, threshold 0.8, word 5-grams):

* ``gpt_assets``: ``signatures`` per batch into one ``uint32`` array, then band keys, candidate pairs,
  verification and connected components (``DEFAULT``); ``gpt_assets sha1`` is the datasketch-compatible hash.
* ``datasketch``: ``MinHash(num_perm=128).update(shingle.encode())`` per shingle, ``MinHashLSH(threshold=0.8)``
  ``insert`` then ``query`` per document, clusters from the query results. Too slow for the full sizes: timed
  on ``--subset`` documents and extrapolated linearly (marked ``*``).
* ``rensa``: ``RMinHash.from_token_sets`` per batch, ``RMinHashLSH(0.8, 128, num_bands=8)`` (bands must divide
  128; rensa's own benchmark uses 8) ``insert_many`` + ``query_all``, clusters from the candidates. Rensa's
  R-MinHash is a different sketch (not datasketch-compatible).
* ``datatrove``: ``MinhashDedupSignature.get_shingles`` + ``get_signature`` (16 buckets x 8 hashes), with a
  whitespace word tokenizer instead of spaCy (not installed) and xxhash64 of the encoded shingle (its own
  wrapper passes ``str``, which xxhash 4 refuses); signatures only (its dedup is a multi-stage
  on-disk pipeline), on ``--subset`` documents, extrapolated.

Peers tokenise in Python (``re`` punctuation strip + ``split`` + join 5-grams), as their users do; that cost is
part of their figures. Precision/recall are pair scores against the planted clusters.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gpt_assets import dedup as dd  # noqa: E402
from gpt_assets.dedup.signed import cluster_labels, signed_from  # noqa: E402
from gpt_assets.dedup.synthetic import planted_corpus  # noqa: E402

BATCH = 10_000
_PUNCT = re.compile(r"[^\w\s]+")


def corpus(n: int, seed: int = 0) -> Iterator[tuple[list[str], np.ndarray]]:
    """Batches of texts and planted cluster labels (globally unique across batches)."""
    done = 0
    while done < n:
        k = min(BATCH, n - done)
        c = planted_corpus(k, seed=seed * 1_000_003 + done)
        yield c.texts, c.cluster + done
        done += k


def py_shingles(text: str, n: int = 5) -> list[str]:
    words = _PUNCT.sub(" ", text.lower()).split()
    return [" ".join(words[i : i + n]) for i in range(max(len(words) - n + 1, 1))] if words else []


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _quality(labels: np.ndarray, truth: np.ndarray) -> tuple[float, float]:
    return dd.cluster_precision_recall(labels, dd.cluster_pairs(truth))


class Clock:
    """Accumulates wall and CPU seconds of the timed sections."""

    def __init__(self) -> None:
        self.wall = self.cpu = 0.0

    def __enter__(self) -> Clock:
        self._w, self._c = time.perf_counter(), _cpu()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall += time.perf_counter() - self._w
        self.cpu += _cpu() - self._c


def run_gpt_assets(n: int, hash: str = "fmix64") -> dict:
    config = dd.DEFAULT.with_(hash=hash)
    sig = np.empty((n, config.num_perm), dtype=np.uint32)
    truth = np.empty(n, dtype=np.int64)
    sign, lsh = Clock(), Clock()
    base, row = _rss_mb(), 0
    for texts, cluster in corpus(n):
        with sign:
            sig[row : row + len(texts)] = dd.signatures(texts, hash=hash)
        truth[row : row + len(texts)] = cluster
        row += len(texts)
    with lsh:
        labels = cluster_labels(signed_from(sig, config), config)
    return {"sign": sign, "lsh": lsh, "base": base, "labels": labels, "truth": truth}


def run_datasketch(n: int) -> dict:
    from datasketch import MinHash, MinHashLSH

    sign, lsh = Clock(), Clock()
    base = _rss_mb()
    index = MinHashLSH(threshold=0.8, num_perm=128)
    truth = np.empty(n, dtype=np.int64)
    row = 0
    found_i, found_j = [], []
    for texts, cluster in corpus(n):
        with sign:
            hashes = []
            for text in texts:
                m = MinHash(num_perm=128)
                for s in py_shingles(text):
                    m.update(s.encode("utf-8"))
                hashes.append(m)
        with lsh:
            for k, m in enumerate(hashes):
                index.insert(row + k, m)
            for k, m in enumerate(hashes):
                for other in index.query(m):
                    if other < row + k:
                        found_i.append(other)
                        found_j.append(row + k)
        truth[row : row + len(texts)] = cluster
        row += len(texts)
    with lsh:
        labels = dd.connected_components(n, np.array(found_i, np.int64), np.array(found_j, np.int64))
    return {"sign": sign, "lsh": lsh, "base": base, "labels": labels, "truth": truth}


def run_rensa(n: int) -> dict:
    from rensa import RMinHash, RMinHashLSH

    sign, lsh = Clock(), Clock()
    base = _rss_mb()
    index = RMinHashLSH(threshold=0.8, num_perm=128, num_bands=8)
    truth = np.empty(n, dtype=np.int64)
    row = 0
    found_i, found_j = [], []
    for texts, cluster in corpus(n):
        with sign:
            hashes = RMinHash.from_token_sets([py_shingles(t) for t in texts], num_perm=128, seed=1)
        with lsh:
            index.insert_many(hashes, row)
            for k, cands in enumerate(index.query_all(hashes)):
                for other in cands:
                    if other < row + k:
                        found_i.append(other)
                        found_j.append(row + k)
        truth[row : row + len(texts)] = cluster
        row += len(texts)
    with lsh:
        labels = dd.connected_components(n, np.array(found_i, np.int64), np.array(found_j, np.int64))
    return {"sign": sign, "lsh": lsh, "base": base, "labels": labels, "truth": truth}


def run_datatrove(n: int) -> dict:
    import tempfile

    import datatrove.pipeline.dedup.minhash as dt_minhash
    import xxhash
    from datatrove.pipeline.dedup.minhash import MinhashConfig, MinhashDedupSignature

    class Whitespace:
        def word_tokenize(self, text: str) -> list[str]:
            return text.split()

    dt_minhash.load_word_tokenizer = lambda language: Whitespace()  # the English default needs spaCy
    sign = Clock()
    base = _rss_mb()
    with tempfile.TemporaryDirectory() as d:
        config = MinhashConfig(n_grams=5, num_buckets=16, hashes_per_bucket=8)
        step = MinhashDedupSignature(output_folder=d, config=config)
        step._hash_func = lambda s: xxhash.xxh64_intdigest(s.encode())  # xxhash 4 refuses str
        for texts, _ in corpus(n):
            with sign:
                for text in texts:
                    step.get_signature(step.get_shingles(text))
    return {"sign": sign, "lsh": None, "base": base, "labels": None, "truth": None}


ENGINES = {
    "gpt_assets": run_gpt_assets,
    "gpt_assets sha1": lambda n: run_gpt_assets(n, hash="sha1"),
    "datasketch": run_datasketch,
    "rensa": run_rensa,
    "datatrove": run_datatrove,
}


def worker(engine: str, n: int) -> None:
    r = ENGINES[engine](n)
    out = {
        "engine": engine,
        "n": n,
        "sign_wall": r["sign"].wall,
        "sign_cpu": r["sign"].cpu,
        "lsh_wall": r["lsh"].wall if r["lsh"] else None,
        "lsh_cpu": r["lsh"].cpu if r["lsh"] else None,
        "peak_mb": _peak_mb(),
        "base_mb": r["base"],
    }
    if r["labels"] is not None:
        out["precision"], out["recall"] = _quality(r["labels"], r["truth"])
    print(json.dumps(out))


def presets(n: int) -> list[tuple[str, float, float, float]]:
    """Precision/recall of the presets on one corpus (in-process)."""
    texts, truth = [], []
    for t, c in corpus(n, seed=1):
        texts += t
        truth.append(c)
    labels_truth = np.concatenate(truth)
    rows = []
    for name, config in (("DEFAULT", dd.DEFAULT), ("GPT3", dd.GPT3), ("GPT3_OPTIMAL", dd.GPT3_OPTIMAL)):
        t = time.perf_counter()
        labels = cluster_labels(dd.sign(texts, config), config)
        p, r = _quality(labels, labels_truth)
        rows.append((f"{name} {config.lsh_params}", p, r, time.perf_counter() - t))
    return rows


def spawn(engine: str, n: int) -> dict:
    env = dict(os.environ, POLARS_MAX_THREADS="1", RAYON_NUM_THREADS="1", OMP_NUM_THREADS="1")
    cmd = [sys.executable, __file__, "--worker", engine, "--n", str(n)]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if done.returncode:
        return {"engine": engine, "n": n, "error": done.stderr.strip().splitlines()[-1]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="20k documents only")
    ap.add_argument("--sizes", type=int, nargs="*", default=[100_000, 1_000_000])
    ap.add_argument("--subset", type=int, default=2000, help="documents for the slow engines (extrapolated)")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--n", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        worker(args.worker, args.n)
        return
    sizes = [20_000] if args.quick else args.sizes
    subset = min(args.subset, 1000 if args.quick else args.subset)
    slow = {"datasketch", "datatrove", "gpt_assets sha1"}
    print(f"{os.cpu_count()} cores; one core per engine; corpus: planted_corpus batches of {BATCH:,}")
    measured: dict[tuple[str, int], dict] = {}
    for engine in ENGINES:
        for n in [subset] if engine in slow else sizes:
            measured[engine, n] = m = spawn(engine, n)
            print(json.dumps(m), flush=True)

    print("\n| engine | docs | signatures/s per core | sign CPU s | LSH+clusters CPU s | end-to-end CPU s | "
          "end-to-end vs gpt_assets | peak RSS MB (at start) | precision | recall |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n in sizes:
        ours = measured["gpt_assets", n]
        our = ours["sign_cpu"] + ours["lsh_cpu"]
        for engine in ENGINES:
            m = measured.get((engine, n)) or measured.get((engine, subset))
            if not m or "error" in m:
                print(f"| {engine} | {n:,} | error: {m and m.get('error')} |")
                continue
            scale = n / m["n"]
            star = "*" if scale != 1 else ""
            sign = m["sign_cpu"] * scale
            lsh = m["lsh_cpu"] * scale if m["lsh_cpu"] is not None else None
            e2e = sign + lsh if lsh is not None else None
            cells = [
                f"{engine}",
                f"{n:,}{star}",
                f"{m['n'] / m['sign_cpu']:,.0f}",
                f"{sign:.1f}{star}",
                f"{lsh:.1f}{star}" if lsh is not None else "n/a",
                f"{e2e:.1f}{star}" if e2e else "n/a",
                f"{e2e / our:.1f}x{star}" if e2e else f"{sign / ours['sign_cpu']:.1f}x (sign){star}",
                f"{m['peak_mb']:.0f} ({m['base_mb']:.0f})" + (f" at {m['n']:,}" if star else ""),
                f"{m['precision']:.3f}" if "precision" in m else "n/a",
                f"{m['recall']:.3f}" if "recall" in m else "n/a",
            ]
            print("| " + " | ".join(cells) + " |")

    print("\n| preset (bands, rows) | precision | recall | seconds (sign+LSH, 1 process) |\n|---|---:|---:|---:|")
    for name, p, r, secs in presets(20_000 if args.quick else 100_000):
        print(f"| {name} | {p:.4f} | {r:.4f} | {secs:.1f} |")


if __name__ == "__main__":
    main()
