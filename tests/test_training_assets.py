"""Training assets on the tiny world: checkpoints are save_pretrained folders, listed in the catalog."""

import json

from transformers import AutoModelForCausalLM, AutoTokenizer


def test_training_checkpoints_load_and_generate(lineage):
    rows = {a: (v, p, json.loads(m)) for a, v, p, m in
            lineage.sql("select asset, version, path, metrics from checkpoints")}
    assert set(rows) >= {"bpe_tokenizer", "base_lm", "sft_model"}
    assert rows["base_lm"][2]["val_ppl"] > 1 and rows["sft_model"][2]["val_loss"] > 0
    for asset in ("base_lm", "sft_model"):
        path = rows[asset][1]
        tok, model = AutoTokenizer.from_pretrained(path), AutoModelForCausalLM.from_pretrained(path)
        ids = tok("Write a short poem about the sea.", return_tensors="pt")["input_ids"]
        out = model.generate(ids, max_new_tokens=8, do_sample=False, pad_token_id=tok.pad_token_id)
        assert out.shape[1] > ids.shape[1]
    latest = (lineage.root / "checkpoints/sft_model/LATEST").read_text().strip()
    assert latest == rows["sft_model"][0] and not list((lineage.root / "checkpoints/sft_model").glob(".*partial*"))
