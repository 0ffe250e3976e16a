"""A persistent dedup index: earlier partitions' signatures, band keys and clusters on disk.

Layout of the index directory: ``meta.json`` (signature settings and parts), per added partition
``part-NNNNN.sig.npy`` (``(n, num_perm)`` uint32, memory-mapped on reload), ``part-NNNNN.keys.npy``
(``(bands, n)`` uint64) and ``part-NNNNN.docs.parquet`` (``doc_id, source, partition``, negated text
length, empty flag), and ``clusters.npy`` (the cluster label of every indexed document, rewritten on each add).

``add(batches)`` signs only the new rows, a batch at a time (a frame, or an iterable of frames: one batch of texts
in memory), writes their signatures and keys to the new part's files as it goes, pairs them with old and new
documents through the stored band keys read from the files one band at a time (signatures are read only for
candidate verification, a chunk of pairs at a time), extends the stored clusters, and returns the new rows'
decisions, made from the new rows and the stored rows of the clusters they join (not every stored row).
``add_signed`` does the same from batches signed already (e.g. when WebText copies were looked up with the same
signatures). What stays in memory per document: its cluster label, its band keys one band at a time, and the new
partition's rows (doc_id, source, partition, length). The edges are the ones a batch run over all partitions
would find (buckets are ordered by document index and old documents come first), so the clusters equal the
batch clusters. Survivors prefer
already-indexed documents, which are never revisited: when partitions are added in ``partition`` order this
equals the batch survivor rule; otherwise an earlier-indexed document stays the survivor.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa

from .config import DEFAULT, DedupConfig
from .frame import _check, decide, order_keys
from .signed import PartKeys, Rows, Signed, cluster_labels, sign

_META = "meta.json"
DECISION_ROWS = 1 << 18  # new documents decided at a time
_DOCS_SCHEMA = {"doc_id": pl.String, "source": pl.String, "partition": pl.String, "_neg_len": pl.Int64,
                "_empty": pl.Boolean}
_DECISION_SCHEMA = {"doc_id": pl.String, "source": pl.String, "partition": pl.String, "cluster_id": pl.String,
                    "kept": pl.Boolean, "reason": pl.String}
_CLUSTERS = "clusters.npy"


def _save_npy(path: Path, arr: np.ndarray) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as fh:
        np.save(fh, arr)
    os.replace(tmp, path)


def _header(path: Path) -> tuple[tuple[int, ...], np.dtype, int]:
    """A ``.npy`` file's shape, dtype and data offset."""
    with open(path, "rb") as fh:
        version = np.lib.format.read_magic(fh)
        shape, fortran, dtype = (np.lib.format.read_array_header_1_0(fh) if version == (1, 0)
                                 else np.lib.format.read_array_header_2_0(fh))
        if fortran:
            raise ValueError(f"{path} is in Fortran order; the index writes C order")
        return shape, dtype, fh.tell()


def _open(path: Path) -> np.ndarray:
    """A stored ``.npy`` array, memory-mapped (an empty one read: a zero-length file cannot be mapped)."""
    shape, dtype, _ = _header(path)
    return np.load(path, mmap_mode="r") if int(np.prod(shape)) else np.zeros(shape, dtype=dtype)


class NpyBands:
    """The rows of a stored ``(bands, n)`` ``.npy`` array of band keys, each read from the file when asked for (no
    mapping: what is resident is the band being used, whatever the index's size)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.shape, self.dtype, self.offset = _header(self.path)

    def __getitem__(self, b: int) -> np.ndarray:
        if not 0 <= b < self.shape[0]:
            raise IndexError(f"band {b} of {self.shape[0]}")
        n = self.shape[1]
        return np.fromfile(self.path, dtype=self.dtype, count=n, offset=self.offset + b * n * self.dtype.itemsize)


class NpyRows:
    """Rows of a stored ``(n, num_perm)`` ``.npy`` array of signatures, each request read through a mapping that
    is let go after it: the pages resident are those of one request (a chunk of candidate pairs), not of every
    row verification has touched."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.shape, self.dtype, _ = _header(self.path)

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, idx: np.ndarray) -> np.ndarray:
        if not self.shape[0]:
            return np.zeros((0, *self.shape[1:]), dtype=self.dtype)[idx]
        mapped = np.load(self.path, mmap_mode="r")
        try:
            return np.array(mapped[idx])
        finally:
            del mapped


def _write_npy(path: Path, shape: tuple[int, int], dtype: type, sources: list[Path]) -> None:
    """``path`` as a ``.npy`` array of ``shape``: a header, then the raw files' bytes in order (streamed)."""
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as out:
        np.lib.format.write_array_header_1_0(out, {"descr": np.lib.format.dtype_to_descr(np.dtype(dtype)),
                                                   "fortran_order": False, "shape": shape})
        for src in sources:
            with open(src, "rb") as fh:
                shutil.copyfileobj(fh, out, 1 << 22)
    os.replace(tmp, path)


class SignedPartWriter:
    """One part's signatures ``(n, num_perm)`` and band keys ``(bands, n)`` as ``.npy`` files, written a batch at a
    time: signature rows and each band's keys go to raw files as they come, and ``finish`` streams them into the
    ``.npy`` files (memory: one batch)."""

    def __init__(self, sig_path: Path, keys_path: Path, num_perm: int, bands: int) -> None:
        self.sig_path, self.keys_path, self.num_perm, self.bands = Path(sig_path), Path(keys_path), num_perm, bands
        self._sig_raw = self.sig_path.with_name(self.sig_path.name + ".rows")
        self._key_raw = [self.keys_path.with_name(f"{self.keys_path.name}.band{b}") for b in range(bands)]
        self._fh = [open(path, "wb") for path in (self._sig_raw, *self._key_raw)]
        self.n = 0

    def append(self, s: Signed) -> None:
        keys = np.asarray(s.keys)
        if s.sig.shape[1:] != (self.num_perm,) or keys.shape[0] != self.bands:
            raise ValueError(f"signatures {s.sig.shape} and keys {keys.shape}: the part holds {self.num_perm} "
                             f"permutations and {self.bands} bands")
        self._fh[0].write(np.ascontiguousarray(s.sig, dtype=np.uint32).tobytes())
        for fh, row in zip(self._fh[1:], keys, strict=True):
            fh.write(np.ascontiguousarray(row, dtype=np.uint64).tobytes())
        self.n += len(s.sig)

    def finish(self) -> None:
        for fh in self._fh:
            fh.close()
        _write_npy(self.sig_path, (self.n, self.num_perm), np.uint32, [self._sig_raw])
        _write_npy(self.keys_path, (self.bands, self.n), np.uint64, self._key_raw)
        for path in (self._sig_raw, *self._key_raw):
            path.unlink()

    def discard(self) -> None:
        for fh in self._fh:
            fh.close()
        for path in (self._sig_raw, *self._key_raw, self.sig_path, self.keys_path):
            path.unlink(missing_ok=True)


class DedupIndex:
    """Signatures, band keys and clusters of earlier partitions, stored under ``directory``."""

    def __init__(self, directory: str | Path, config: DedupConfig = DEFAULT) -> None:
        self.directory = Path(directory)
        self.config = config
        self.directory.mkdir(parents=True, exist_ok=True)
        meta = self.directory / _META
        fingerprint = config.signature_fingerprint()
        if meta.exists():
            self.meta = json.loads(meta.read_text())
            if self.meta["fingerprint"] != fingerprint:
                raise ValueError(f"index at {self.directory} was built with {self.meta['fingerprint']}")
        else:
            self.meta = {"fingerprint": fingerprint, "parts": []}

    @property
    def n_docs(self) -> int:
        return sum(p["n"] for p in self.meta["parts"])

    def _path(self, part: int, suffix: str) -> Path:
        return self.directory / f"part-{part:05d}.{suffix}"

    def signed(self) -> Signed:
        """Stored signatures (memory-mapped), band keys and empty flags of all indexed documents."""
        parts = range(len(self.meta["parts"]))
        b, _ = self.config.lsh_params
        sig = Rows([_open(self._path(k, "sig.npy")) for k in parts])
        keys = [np.load(self._path(k, "keys.npy")) for k in parts]
        docs = self.docs()
        return Signed(
            sig=sig,
            keys=np.concatenate(keys, axis=1) if keys else np.zeros((b, 0), dtype=np.uint64),
            empty=docs["_empty"].to_numpy().astype(bool) if docs.height else np.zeros(0, dtype=bool),
        )

    def docs(self) -> pl.DataFrame:
        """Stored per-document rows of all indexed documents, in index order."""
        frames = [pl.read_parquet(self._path(k, "docs.parquet")) for k in range(len(self.meta["parts"]))]
        return pl.concat(frames, how="vertical") if frames else pl.DataFrame()

    def doc_ids(self) -> pl.Series:
        """``doc_id`` of all indexed documents (with :meth:`signed`, a precomputed reference set)."""
        docs = self.docs()
        return docs["doc_id"] if docs.height else pl.Series("doc_id", [], dtype=pl.String)

    def clusters(self) -> np.ndarray:
        """Cluster label (smallest member index in index order) of every indexed document."""
        path = self.directory / _CLUSTERS
        return np.load(path) if path.exists() else np.zeros(0, dtype=np.int64)

    def add(self, batches: pl.DataFrame | Iterable[pl.DataFrame]) -> pl.DataFrame:
        """Deduplicate a new partition (a frame, or its batches: doc_id, source, partition, text) against itself
        and the index, store it, return its rows. One batch's texts are in memory at a time."""
        frames = [batches] if isinstance(batches, pl.DataFrame) else batches

        def signed() -> Iterable[tuple[pl.DataFrame, Signed]]:
            for frame in frames:
                _check(frame)
                yield frame, sign(frame["text"], self.config)

        return self.add_signed(signed())

    def add_signed(self, batches: Iterable[tuple[pl.DataFrame, Signed]]) -> pl.DataFrame:
        """:meth:`add` from batches signed already: (rows with doc_id, source, partition and text or
        ``_neg_len``, their :class:`Signed`)."""
        chunks: list[pl.DataFrame] = []
        self._add(batches, chunks.append)
        return pl.concat(chunks, how="vertical") if chunks else pl.DataFrame(schema=_DECISION_SCHEMA)

    def add_signed_to(self, batches: Iterable[tuple[pl.DataFrame, Signed]], out: Path) -> int:
        """:meth:`add_signed`, its decisions written to the Parquet file ``out`` a chunk at a time (memory: one
        chunk of new rows and the rows of the clusters they join); returns the number of rows."""
        from ..lake import PartWriter

        with PartWriter(Path(out), _arrow_schema(_DECISION_SCHEMA)) as writer:
            return self._add(batches, lambda chunk: writer.write_table(chunk.cast(_DECISION_SCHEMA).to_arrow()))

    def _add(self, batches: Iterable[tuple[pl.DataFrame, Signed]], emit: Callable[[pl.DataFrame], object]) -> int:
        n_old, part = self.n_docs, len(self.meta["parts"])
        b, _ = self.config.lsh_params
        writer = SignedPartWriter(self._path(part, "sig.npy"), self._path(part, "keys.npy"), self.config.num_perm, b)
        from ..lake import PartWriter

        new_empty = []
        try:
            with PartWriter(self._path(part, "docs.parquet"), _arrow_schema(_DOCS_SCHEMA)) as docs:
                for frame, s in batches:
                    writer.append(s)
                    docs.write_table(frame.select("doc_id", "source", "partition",
                                                  _neg_len=order_keys(frame, self.config)["_neg_len"],
                                                  _empty=pl.Series(s.empty, dtype=pl.Boolean))
                                     .cast(_DOCS_SCHEMA).to_arrow())
                    new_empty.append(s.empty)
            writer.finish()
        except BaseException:
            writer.discard()
            raise
        n_new = docs.rows
        sizes = [p["n"] for p in self.meta["parts"]] + [n_new]
        parts = range(part + 1)
        old_empty = [pl.read_parquet(self._path(k, "docs.parquet"), columns=["_empty"])["_empty"].to_numpy()
                     for k in range(part)]
        both = Signed(  # signatures read a chunk of candidates at a time; the keys one band at a time
            sig=Rows([NpyRows(self._path(k, "sig.npy")) for k in parts]),
            keys=PartKeys([NpyBands(self._path(k, "keys.npy")) for k in parts]),
            empty=np.concatenate([*old_empty, *new_empty]).astype(bool) if n_old + n_new else np.zeros(0, bool),
        )
        parent = np.concatenate([self.clusters(), np.arange(n_old, n_old + n_new, dtype=np.int64)])
        labels = cluster_labels(both, self.config, min_j=n_old, parent=parent)
        del both, old_empty, new_empty, parent

        # A chunk of new rows at a time, decided among the rows of the clusters they are in (new and indexed, labels
        # made local to that set): the same decisions as over every document, without every row in memory.
        for lo in range(n_old, n_old + n_new, DECISION_ROWS):
            hi = min(lo + DECISION_ROWS, n_old + n_new)
            chosen = np.flatnonzero(np.isin(labels, np.unique(labels[lo:hi])))
            rows = _docs_at([self._path(k, "docs.parquet") for k in parts], sizes, chosen)
            local = np.searchsorted(chosen, labels[chosen])
            keys = order_keys(rows, self.config).select(pl.Series("_is_new", chosen >= n_old), pl.all())
            decided = decide(rows, local, rows["_empty"].to_numpy(), self.config, keys=keys)
            emit(decided.filter(pl.Series((chosen >= lo) & (chosen < hi))))

        _save_npy(self.directory / _CLUSTERS, labels)
        self.meta["parts"].append({"n": n_new})
        tmp = self.directory / (_META + ".tmp")
        tmp.write_text(json.dumps(self.meta, indent=1))
        os.replace(tmp, self.directory / _META)
        return n_new


def _arrow_schema(schema: dict) -> pa.Schema:
    return pl.DataFrame(schema=schema).to_arrow().schema


def _docs_at(paths: list[Path], sizes: list[int], rows: np.ndarray) -> pl.DataFrame:
    """The per-document rows at the (sorted) index positions ``rows`` of the parts ``paths`` (of ``sizes`` rows),
    read part by part in batches."""
    import pyarrow.parquet as pq

    found, start = [], 0
    for path, n in zip(paths, sizes, strict=True):
        lo, hi = np.searchsorted(rows, [start, start + n])
        if hi > lo:
            want, seen = rows[lo:hi] - start, 0
            for batch in pq.ParquetFile(path).iter_batches(batch_size=65536):
                sel = want[(want >= seen) & (want < seen + batch.num_rows)] - seen
                if len(sel):
                    found.append(pl.from_arrow(batch.take(sel)))
                seen += batch.num_rows
                if seen > want[-1]:  # past the last row wanted from this part
                    break
        start += n
    return pl.concat(found, how="vertical") if found else pl.DataFrame(schema=_DOCS_SCHEMA)


def sign_to_disk(folder: Path, batches: Iterable[pl.DataFrame], config: DedupConfig) -> tuple[Signed, pl.Series]:
    """Sign a document set batch by batch (frames with doc_id and text) into ``folder`` (``sig.npy``,
    ``keys.npy``), and return its :class:`Signed`, memory-mapped, with its doc_ids: a reference set (WebText
    against Common Crawl) with one batch of texts in memory."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    b, _ = config.lsh_params
    writer = SignedPartWriter(folder / "sig.npy", folder / "keys.npy", config.num_perm, b)
    ids, empty = [], []
    try:
        for frame in batches:
            s = sign(frame["text"], config)
            writer.append(s)
            ids.append(frame["doc_id"].cast(pl.String))
            empty.append(s.empty)
        writer.finish()
    except BaseException:
        writer.discard()
        raise
    doc_ids = pl.concat(ids) if ids else pl.Series("doc_id", [], dtype=pl.String)
    return Signed(sig=NpyRows(folder / "sig.npy"), keys=NpyBands(folder / "keys.npy"),
                  empty=np.concatenate(empty) if empty else np.zeros(0, dtype=bool)), doc_ids
