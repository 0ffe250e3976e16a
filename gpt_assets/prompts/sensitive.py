"""GPT-4's sensitive-prompt classifier (GPT-4 Technical Report §6 and System Card §3.1): a classifier that judges
whether a prompt asks for something the model should not help with, trained on labelled prompts.

Labelled prompts land under ``raw/safety/``: ``safety/sensitive/`` holds positives (HH-RLHF's red-team dialogues, whose
first human turn is the request), ``safety/ordinary/`` negatives (ordinary instructions: self-instruct seed tasks, the
OpenAssistant prompt lottery, any prompt file), ``safety/labelled/`` rows that carry their own ``sensitive`` field (the
sample world's labelled prompts). The classifier is fastText on the lower-cased prompt (as the quality filter,
GPT-3 App. A's kind of linear text classifier); the GPT-4 report gives no model, data size or threshold for it.

What the lineage does with it: ``prompt_splits`` records each prompt's score and flag, ``demonstrations`` are refusals
for flagged prompts, and the evaluation reports how often SFT and PPO refuse sensitive and ordinary test prompts.
"""

from __future__ import annotations

import hashlib
import re
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

from gpt_assets.heldout import is_heldout
from gpt_assets.ingest.jsonl import _prompt_items, _prompt_text
from gpt_assets.ingest.rejects import Reject

SENSITIVE, ORDINARY = "__label__sensitive", "__label__ordinary"
LABEL_FOLDERS = {"sensitive": True, "ordinary": False, "labelled": None}  # None: each row says
REFUSAL = "I'm sorry, but I can't help with that request."
# A response is a refusal when it opens with one of these (lower-cased, after leading whitespace): the string match
# that safety evaluations use for refusal rates (e.g. HarmBench's and the GPT-4 system card's "refusal style")
REFUSAL_OPENINGS = ("i'm sorry", "i am sorry", "sorry, but", "i can't help", "i cannot help", "i won't help",
                    "i can't assist", "i cannot assist")
_HUMAN, _ASSISTANT = "\n\nHuman:", "\n\nAssistant:"
_SPACE = re.compile(r"\s+")

SAFETY_SCHEMA = pa.schema(
    [("label_id", pa.string()), ("text", pa.string()), ("sensitive", pa.bool_()), ("label_source", pa.string()),
     ("source_file", pa.string()), ("line", pa.int64())]
)


def first_human_turn(dialogue: str) -> str | None:
    """The first ``Human:`` turn of an HH-RLHF dialogue (the red-teamer's request), or None."""
    start = dialogue.find(_HUMAN)
    if start < 0:
        return None
    start += len(_HUMAN)
    end = dialogue.find(_ASSISTANT, start)
    text = dialogue[start: end if end >= 0 else len(dialogue)].strip()
    return text or None


def _label(value: object) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0", "yes", "no"):
        return value.strip().lower() in ("true", "1", "yes")
    return None


def read_safety(path: str | Path, folder: str) -> Iterator[dict | Reject]:
    """Labelled prompts of one file under ``raw/safety/<folder>/``: HH-RLHF dialogues (the first human turn), a JSON
    string a line, or objects with ``text``/``prompt``/``instruction``; under ``labelled/`` each object's
    ``sensitive`` (true/false) is its label, else the folder's. The id is a hash of the text (the same prompt twice is
    one prompt: the second copy is quarantined as ``duplicate_id``)."""
    file = str(path)
    fixed = LABEL_FOLDERS[folder]
    for item in _prompt_items(path):
        if isinstance(item, Reject):
            yield item
            continue
        line, obj = item
        chosen = obj.get("chosen")
        text = first_human_turn(chosen) if isinstance(chosen, str) else _prompt_text(obj)
        if text is None:
            yield Reject(file, line, "missing_text", str(obj)[:120])
            continue
        label = fixed if fixed is not None else _label(obj.get("sensitive"))
        if label is None:
            yield Reject(file, line, "missing_label", f"sensitive={obj.get('sensitive')!r} (true or false)")
            continue
        yield {"label_id": hashlib.blake2b(normalize(text).encode(), digest_size=8).hexdigest(), "text": text,
               "sensitive": label, "label_source": folder, "source_file": file, "line": line}


def normalize(text: str) -> str:
    """One line of lower-cased words: what the classifier reads."""
    return _SPACE.sub(" ", text.lower()).strip()


def is_refusal(response: str) -> bool:
    return response.lstrip().lower().startswith(REFUSAL_OPENINGS)


def heldout(label_ids: Sequence[str], share: float, seed: int) -> np.ndarray:
    """A seeded held-out mask by hash of the id (the project's ``is_heldout``): the same prompts whatever the order."""
    return np.array([is_heldout(f"{seed}:{i}", share) for i in label_ids], dtype=bool)


@dataclass(frozen=True)
class SensitiveConfig:
    threshold: float = 0.5  # ours: flagged when P(sensitive) >= threshold (GPT-4 gives none)
    heldout_share: float = 0.2  # ours
    balance: bool = True  # ours: train on as many sensitive as ordinary prompts (real red-team sets outnumber them)
    balance_by: str = "undersample"  # ours: "undersample" the larger label, or "oversample" (repeat) the smaller
    seed: int = 0
    # fastText settings: ours, chosen on the real files (HH-RLHF red-team against self-instruct + OpenAssistant
    # prompts, bench/RESULTS.md "Sensitive-prompt classifier")
    epoch: int = 25
    lr: float = 0.5
    word_ngrams: int = 2
    dim: int = 32
    min_count: int = 1


class SensitiveClassifier:
    def __init__(self, model, threshold: float):
        self.model = model
        self.threshold = threshold

    def score(self, texts: Sequence[str]) -> np.ndarray:
        """P(sensitive) per prompt."""
        if not len(texts):
            return np.zeros(0)
        # list input and k=1 (fasttext-wheel 0.9.2 with numpy 2: see gpt_assets/quality.py)
        labels, probs = self.model.predict([normalize(t) for t in texts], k=1)
        p = np.array([ps[0] for ps in probs], dtype=np.float64)
        pos = np.array([ls[0] == SENSITIVE for ls in labels], dtype=bool)
        return np.clip(np.where(pos, p, 1.0 - p), 0.0, 1.0)

    def flag(self, texts: Sequence[str]) -> np.ndarray:
        return self.score(texts) >= self.threshold

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.model.save_model(str(path))

    @classmethod
    def load(cls, path: Path, threshold: float = SensitiveConfig.threshold) -> SensitiveClassifier:
        import fasttext
        import fasttext.FastText

        fasttext.FastText.eprint = lambda *args, **kwargs: None
        return cls(fasttext.load_model(str(path)), threshold)


def precision_recall(y: np.ndarray, flagged: np.ndarray) -> dict[str, float]:
    tp = int((y & flagged).sum())
    fp = int((~y & flagged).sum())
    fn = int((y & ~flagged).sum())
    precision = tp / (tp + fp) if tp + fp else float("nan")
    recall = tp / (tp + fn) if tp + fn else float("nan")
    f1 = 2 * precision * recall / (precision + recall) if tp else 0.0
    negatives = int((~y).sum())
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
            "false_positive_rate": round(fp / negatives, 4) if negatives else float("nan"),
            "positives": int(y.sum()), "negatives": negatives, "flagged": int(flagged.sum())}


def train(texts: Sequence[str], labels: Sequence[bool], label_ids: Sequence[str], groups: Sequence[str],
          cfg: SensitiveConfig) -> tuple[SensitiveClassifier, dict]:
    """Train on the labelled prompts less a held-out share; precision and recall on the held-out, overall and per
    group (``groups``: where each prompt came from, e.g. its ``label_source``)."""
    import fasttext

    y = np.asarray(labels, dtype=bool)
    held = heldout(label_ids, cfg.heldout_share, cfg.seed)
    if y[~held].all() or not y[~held].any():
        raise ValueError(f"the sensitive-prompt classifier needs both labels to train on: {int(y[~held].sum())} "
                         f"sensitive and {int((~y[~held]).sum())} ordinary prompts outside the held-out share")
    rng = np.random.default_rng(cfg.seed)
    rows = np.flatnonzero(~held)
    if cfg.balance and cfg.balance_by not in ("undersample", "oversample"):
        raise ValueError(f"balance_by is 'undersample' or 'oversample', got {cfg.balance_by!r}")
    if cfg.balance:  # as many of each label, so 0.5 is the prior
        pos, neg = rows[y[rows]], rows[~y[rows]]
        if cfg.balance_by == "oversample":  # every prompt kept, the smaller label's repeated (the rest sampled)
            n = max(len(pos), len(neg))
            rows = np.concatenate([np.concatenate([np.tile(c, n // len(c)), rng.choice(c, n % len(c), replace=False)])
                                   for c in (pos, neg)])
        else:  # a seeded sample of the larger label
            n = min(len(pos), len(neg))
            rows = np.concatenate([np.sort(rng.choice(c, n, replace=False)) if len(c) > n else c
                                   for c in (pos, neg)])
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "train.txt"
        with open(path, "w", encoding="utf-8") as fh:
            for i in rng.permutation(rows):
                fh.write(f"{SENSITIVE if y[i] else ORDINARY} {normalize(texts[i])}\n")
        model = fasttext.train_supervised(str(path), epoch=cfg.epoch, lr=cfg.lr, wordNgrams=cfg.word_ngrams,
                                          dim=cfg.dim, minCount=cfg.min_count, thread=1, seed=cfg.seed, verbose=0)
    clf = SensitiveClassifier(model, cfg.threshold)
    h = np.flatnonzero(held)
    flagged = clf.flag([texts[i] for i in h])
    g = np.asarray(groups)[h]
    metrics = {"train_prompts": int((~held).sum()), "heldout_prompts": int(held.sum()),
               "heldout": precision_recall(y[h], flagged),
               "heldout_by_source": {str(s): precision_recall(y[h][g == s], flagged[g == s]) for s in sorted(set(g))},
               "config": asdict(cfg)}
    return clf, metrics
