"""Evaluation tasks as published (gpt_assets.ingest.tasks): real LAMBADA and HellaSwag, and PIQA, ARC and
Winogrande in their documented layouts (examples written here, not copied)."""

import json

import pytest

from gpt_assets.ingest.rejects import Reject
from gpt_assets.ingest.tasks import read_tasks
from tests.real_landing import REAL


def _write(path, records):
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records))
    return path


def _split(items):
    items = list(items)
    rows = [i for i in items if isinstance(i, dict)]
    return rows, [i for i in items if isinstance(i, Reject)]


@pytest.fixture()
def real():
    if not REAL.exists():
        pytest.skip("../shared/real-samples/ is absent")
    return REAL


def test_real_lambada_is_the_passage_up_to_its_last_word(real):
    path = real / "bench_lambada_openai_test.jsonl"
    rows, rejects = _split(read_tasks(path, "lambada", "test"))
    passages = [json.loads(line)["text"] for line in path.read_text().splitlines()]
    assert len(rows) == len(passages) == 5153 and not rejects
    for row, text in zip(rows, passages, strict=True):
        assert row["kind"] == "last_word" and row["label"] == 0 and len(row["choices"]) == 1
        assert row["context"] + " " + row["choices"][0] == text.strip() and " " not in row["choices"][0]


def test_real_hellaswag_as_lm_evaluation_harness_reads_it(real):
    rows, rejects = _split(read_tasks(real / "bench_hellaswag_val_1000.jsonl", "hellaswag", "validation"))
    assert len(rows) == 1000 and not rejects
    assert all(r["kind"] == "multiple_choice" and len(r["choices"]) == 4 and 0 <= r["label"] < 4 for r in rows)
    assert all(r["split"] == "validation" for r in rows)  # the record's own split ("val"), named as all are
    first = rows[0]  # {"activity_label": "Pole vault", "ctx_a": "Pole vault is a sport ...", "ctx_b": "a few women"}
    assert first["context"] == ("Pole vault: Pole vault is a sport where you run with a pole and stop and swing "
                                "your body. A few women") and first["label"] == 3 and first["id"] == "20022"
    assert not any("[" in r["context"] or any("[" in c for c in r["choices"]) for r in rows)


def test_piqa_with_its_labels_file_beside_it(tmp_path):
    _write(tmp_path / "train.jsonl", [{"goal": "Keep bread fresh", "sol1": "Seal it in a bag.", "sol2": "Wet it."},
                                      {"goal": "Open a jar", "sol1": "Freeze the lid.", "sol2": "Warm the lid."}])
    (tmp_path / "train-labels.lst").write_text("0\n1\n")
    rows, rejects = _split(read_tasks(tmp_path / "train.jsonl", "piqa", "train"))
    assert not rejects and [r["label"] for r in rows] == [0, 1]
    assert rows[0]["context"] == "Question: Keep bread fresh\nAnswer:" and rows[1]["choices"][1] == "Warm the lid."


def test_arc_in_both_published_layouts_and_a_bad_answer_key(tmp_path):
    ai2 = {"id": "Mercury_1", "question": {"stem": "Which is a gas at room temperature?", "choices": [
        {"text": "iron", "label": "A"}, {"text": "oxygen", "label": "B"}, {"text": "salt", "label": "C"}]},
           "answerKey": "B"}
    hf = {"id": "NYSED_2", "question": "How many legs has a spider?", "choices": {"text": ["six", "eight"],
                                                                                   "label": ["1", "2"]},
          "answerKey": "2"}
    bad = {**ai2, "id": "x", "answerKey": "E"}
    rows, rejects = _split(read_tasks(_write(tmp_path / "ARC-Easy-Test.jsonl", [ai2, hf, bad]), "arc_easy", "test"))
    assert [(r["id"], r["label"], len(r["choices"])) for r in rows] == [("Mercury_1", 1, 3), ("NYSED_2", 1, 2)]
    assert [(r.reason, r.position) for r in rejects] == [("malformed_example", 3)]


def test_winogrande_blank_options_and_unlabeled_test_split(tmp_path):
    records = [{"qID": "q1", "sentence": "The cup did not fit in the box because the _ was too big.",
                "option1": "cup", "option2": "box", "answer": "1"},
               {"qID": "q2", "sentence": "Anna thanked Maria because _ had helped.", "option1": "Anna",
                "option2": "Maria", "answer": ""},
               {"qID": "q3", "sentence": "No blank here.", "option1": "a", "option2": "b", "answer": "1"},
               {"qID": "q4", "sentence": "Two _ blanks _.", "option1": "a", "option2": "b", "answer": "2"},
               {"qID": "q5", "sentence": "One _ blank.", "option1": "a", "option2": "b", "answer": "3"},
               "not json", {"question": "no known layout"}]
    rows, rejects = _split(read_tasks(_write(tmp_path / "winogrande.jsonl", records), "winogrande", "dev"))
    assert [(r["id"], r["kind"], r["label"]) for r in rows] == [("q1", "fill_blank", 0), ("q2", "fill_blank", None)]
    assert [r.reason for r in rejects] == ["malformed_example"] * 3 + ["invalid_json", "unknown_task_layout"]


def test_a_label_out_of_range_is_quarantined(tmp_path):
    records = [{"ind": 1, "activity_label": "A", "ctx_a": "x", "ctx_b": "y", "endings": ["a", "b"], "label": 5}]
    rows, rejects = _split(read_tasks(_write(tmp_path / "h.jsonl", records), "hellaswag", "val"))
    assert not rows and [r.reason for r in rejects] == ["label_out_of_range"]
