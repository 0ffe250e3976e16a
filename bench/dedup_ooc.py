"""Near-duplicate clusters of 10M documents from signatures on disk, one band at a time (issue 14: ≤ 2 GB).

    .venv/bin/python bench/dedup_ooc.py [--docs 10000000] [--batch 1000000]

Signatures are made directly (signing 10M real texts is ~8 minutes a core at the engine's 20k documents/s and is
measured in bench/dedup.py): random rows of 128 uint32, of which 10% are near-duplicates of an earlier row (16
of the 128 values replaced: Jaccard estimate ~0.875, above the asset's 0.75) and 5% exact copies of one of 1,000
boilerplate rows (buckets of ~500 in every band). They are appended to a ``BandStore`` a batch at a time (the
asset's 16 × 8 banding), then ``cluster_store`` runs in a fresh process: its seconds and peak RSS
(``ru_maxrss``), and the planted pairs found (recall) and clusters that join unplanted rows (false merges).
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


def config():
    from gpt_assets.defs.dedup import DedupAssetConfig

    return DedupAssetConfig().dedup_config()


def build(folder: Path, n: int, batch: int) -> np.ndarray:
    """Write the store; return each row's planted group (its own index when unplanted, ``n + k`` for copies of
    boilerplate row ``k``)."""
    from gpt_assets.dedup.bandstore import BandStore

    rng = np.random.default_rng(0)
    store = BandStore.create(folder, config())
    root = np.arange(n, dtype=np.int64)
    boiler = rng.integers(0, 2**32 - 1, size=(1000, 128), dtype=np.uint32)
    for lo in range(0, n, batch):
        m = min(batch, n - lo)
        sig = rng.integers(0, 2**32 - 1, size=(m, 128), dtype=np.uint32)
        kind = rng.random(m)
        copies = np.flatnonzero(kind > 0.95)
        which = rng.integers(0, 1000, len(copies))
        sig[copies] = boiler[which]
        root[lo + copies] = n + which  # one planted group per boilerplate row
        near = np.flatnonzero(kind < 0.10) if lo else np.zeros(0, dtype=np.int64)
        if len(near):  # near-duplicates of rows of earlier batches, as stored
            src = rng.integers(0, lo, len(near))
            sig[near] = _rows(src, store)
            cols = rng.integers(0, 128, size=(len(near), 16))
            sig[near[:, None], cols] = rng.integers(0, 2**32 - 1, size=cols.shape, dtype=np.uint32)
            root[lo + near] = root[src]
        store.append(sig)
    return root


def _rows(idx: np.ndarray, store) -> np.ndarray:
    out = np.empty((len(idx), 128), dtype=np.uint32)
    for b in range(store.bands):
        out[:, b * store.rows:(b + 1) * store.rows] = store.band(b)[idx]
    return out


def child(folder: str) -> None:
    from gpt_assets.dedup.bandstore import BandStore, cluster_store

    store = BandStore.open(Path(folder))
    t0 = time.perf_counter()
    labels = cluster_store(store, config())
    seconds = time.perf_counter() - t0
    np.save(Path(folder) / "labels.npy", labels)
    print(json.dumps({"seconds": round(seconds, 1),
                      "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=10_000_000)
    parser.add_argument("--batch", type=int, default=1_000_000)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    with tempfile.TemporaryDirectory(dir=Path(tempfile.gettempdir())) as tmp:
        t0 = time.perf_counter()
        root = build(Path(tmp), args.docs, args.batch)
        print(f"{args.docs:,} signatures written band-major in {time.perf_counter() - t0:.0f} s "
              f"({args.docs * 128 * 4 / 1e9:.1f} GB)", flush=True)
        out = subprocess.run([sys.executable, __file__, "--child", tmp], capture_output=True, text=True, check=True)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        labels = np.load(Path(tmp) / "labels.npy")
        # recall: planted rows in the cluster of their group's first row; false merges: groups past one a cluster
        _, first = np.unique(root, return_index=True)
        rep = first[np.searchsorted(np.unique(root), root)]
        planted = rep != np.arange(len(root))
        found = (labels[planted] == labels[rep[planted]]).mean()
        pairs = np.unique(np.stack([labels, root]), axis=1)
        merges = pairs.shape[1] - len(np.unique(pairs[0]))
        print(f"cluster_store: {r['seconds']} s, peak RSS {r['peak_mb']:,} MB; planted rows in their group's "
              f"cluster {found:.4f} of {planted.sum():,}; clusters joining two planted groups: {merges}")


if __name__ == "__main__":
    main()
