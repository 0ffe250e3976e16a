"""PyTorch/transformers training for the InstructGPT lineage (GPT-2 architecture).

Stages, each a plain function over a config dataclass and data, also runnable as
``python -m training.<stage> --config file.json``:

- ``tokenizer``  byte-level BPE (GPT-2 §2.2)
- ``pretrain``   base language model (GPT-2 / GPT-3 §2.3, App. B)
- ``sft``        supervised fine-tuning on demonstrations (InstructGPT §3.5, App. C.1)
- ``reward``     K-wise reward model (InstructGPT §3.5, App. C.2)
- ``ppo``        PPO-ptx (InstructGPT §3.5, App. C.3-C.4)
- ``sample``     K responses per prompt for ranking
- ``evaluate``   win rate, KL to a reference, held-out perplexity (InstructGPT §3.6)

This package never imports dagster.
"""
