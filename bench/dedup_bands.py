"""Peak memory of the clustering step on a heavily duplicated corpus: band by band against all bands at once.

    .venv/bin/python bench/dedup_bands.py [--docs 436000] [--copies 0.5] [--sources 100]

Signatures are made directly (no texts): ``--docs`` rows of 128 uint32 values, of which a share ``--copies`` are
exact copies of ``--sources`` rows (buckets of thousands in every band, as a crawl's boilerplate pages make), the
rest random. Each way runs in a fresh process on the same signatures (band keys of the asset's 16 x 8 banding,
verification on): ``all at once`` is every band's candidate pairs concatenated, made unique, verified, then joined
(``signed.verified_pairs`` + ``connected_components``), ``band by band`` is ``signed.cluster_labels``. Reported:
seconds and peak RSS (``ru_maxrss``), and whether the labels agree.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def child(way: str, path: str) -> None:
    from gpt_assets.dedup import connected_components
    from gpt_assets.dedup.signed import cluster_labels, signed_from, verified_pairs
    from gpt_assets.defs.dedup import DedupAssetConfig

    config = DedupAssetConfig().dedup_config()
    s = signed_from(np.load(path, mmap_mode="r"), config)
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    t0 = time.perf_counter()
    if way == "all":
        i, j = verified_pairs(s, config)
        labels = connected_components(len(s), i, j)
    else:
        labels = cluster_labels(s, config)
    seconds = time.perf_counter() - t0
    np.save(path + f".{way}.npy", labels)
    print(json.dumps({"seconds": round(seconds, 1), "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
                      // 1024, "before_mb": base}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=436_000)
    parser.add_argument("--copies", type=float, default=0.5)
    parser.add_argument("--sources", type=int, default=100)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    rng = np.random.default_rng(0)
    sig = rng.integers(0, 2**32, size=(args.docs, 128), dtype=np.uint32)
    n_copies = int(args.docs * args.copies)
    at = rng.choice(args.docs, n_copies, replace=False)
    sig[at] = sig[rng.integers(0, args.sources, n_copies)]
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "sig.npy")
        np.save(path, sig)
        del sig
        print(f"{args.docs:,} signatures, {n_copies:,} exact copies of {args.sources} documents")
        print("| way | seconds | peak RSS (MB) | RSS before clustering (MB) |")
        print("|---|---:|---:|---:|")
        for way, name in (("all", "all bands at once"), ("band", "band by band")):
            out = subprocess.run([sys.executable, __file__, "--child", way, path], capture_output=True, text=True,
                                 check=True)
            r = json.loads(out.stdout.strip().splitlines()[-1])
            print(f"| {name} | {r['seconds']} | {r['peak_mb']:,} | {r['before_mb']:,} |", flush=True)
        same = np.array_equal(np.load(path + ".all.npy"), np.load(path + ".band.npy"))
        print("labels identical:", same)


if __name__ == "__main__":
    main()
