"""The training stages' paper parameters as typed run config: the launchpad shows each with its default and source.

A field whose default is the paper's value and that no preset changes has that value here (the launchpad shows
kl_coef 0.02); a field the presets size (model shape, learning rates, budgets) defaults to None = the preset's
value, its description giving the paper's and the presets'. ``overrides`` still reaches every other field of the
stage's config in ``training/``.
"""

# No `from __future__ import annotations`: Dagster reads the annotations.

from typing import ClassVar, Literal

from pydantic import Field

from gpt_assets.defs.checkpoints import TrainingConfig


class PretrainParams(TrainingConfig):
    """``base_lm``: GPT-2 pretraining (GPT-2 §2.3, GPT-3 §2.3 / App. B)."""

    TRAINING_FIELDS: ClassVar[tuple[str, ...]] = ("n_layer", "n_embd", "n_ctx", "batch_size", "max_steps", "lr",
                                                  "warmup_steps", "weight_decay", "min_lr_ratio")
    n_layer: int | None = Field(default=None, description="Layers; GPT-2 Table 2: 12 (smallest); None = preset "
                                "(tiny 3, gpt2-124m 12).")
    n_embd: int | None = Field(default=None, description="Width; GPT-2 Table 2: 768; None = preset (tiny 96).")
    n_ctx: int | None = Field(default=None, description="Context; GPT-2 §2.3: 1024; None = preset (tiny 128).")
    batch_size: int | None = Field(default=None, description="Sequences per step; GPT-2 §2.3: 512; None = preset "
                                   "(tiny 16).")
    max_steps: int | None = Field(default=None, description="Steps; GPT-3 §2.2 trained on 300B tokens (~600k "
                                  "steps); None = preset (tiny 1,200: ~6 passes over the demo mixture, chosen "
                                  "by measurement, bench/RESULTS.md).")
    lr: float | None = Field(default=None, description="Peak learning rate; GPT-3 Table 2.1 (125M): 6e-4; None = "
                             "preset (tiny 3e-3).")
    warmup_steps: int | None = Field(default=None, description="GPT-3 App. B: linear warmup over 375M tokens "
                                     "(715 steps); None = preset (tiny 10).")
    weight_decay: float = Field(default=0.1, description="GPT-3 App. B: weight decay 0.1.")
    min_lr_ratio: float = Field(default=0.1, description="GPT-3 App. B: cosine decay to 10% of the peak.")


class SFTParams(TrainingConfig):
    """``sft_model``: supervised fine-tuning on demonstrations (InstructGPT §3.5, App. C.1)."""

    TRAINING_FIELDS: ClassVar[tuple[str, ...]] = ("epochs", "lr", "batch_size", "resid_pdrop", "min_lr_ratio",
                                                  "ptx_coef")
    epochs: int | None = Field(default=None, description="InstructGPT C.1: 16 epochs; None = preset (tiny 2: SFT "
                               "copies the prompt's slots 3.8x as often as after 1, 3 leaves 9.7% of RM prompts with "
                               "K identical samples, bench/RESULTS.md; gpt2-124m 16).")
    lr: float | None = Field(default=None, description="InstructGPT C.1: 9.65e-6 (1.3B, 6B); None = preset (tiny "
                             "3e-3, gpt2-124m 2e-5).")
    batch_size: int | None = Field(default=None, description="InstructGPT C.1: 32 (1.3B, 6B); None = preset.")
    resid_pdrop: float = Field(default=0.2, description="InstructGPT C.1: residual dropout 0.2.")
    min_lr_ratio: float = Field(default=0.1, description="InstructGPT C.1: cosine decay to 10% of the peak.")
    ptx_coef: float | None = Field(default=None, description="Ours (C.1 has none): weight of the next-token loss of "
                                   "pretraining blocks added to each step, so that a small model fine-tuned at a "
                                   "high learning rate stays a language model for PPO-ptx; None = preset (gpt2-124m "
                                   "0 = off, tiny 0.3).")


class RewardParams(TrainingConfig):
    """``reward_model``: K-wise reward model (InstructGPT §3.5, App. C.2)."""

    TRAINING_FIELDS: ClassVar[tuple[str, ...]] = ("epochs", "lr", "batch_size", "normalize", "min_lr_ratio")
    epochs: int = Field(default=1, description="InstructGPT §3.5 / C.2: a single epoch (more overfits).")
    lr: float | None = Field(default=None, description="InstructGPT C.2 (6B RM): 9e-6; None = preset (tiny 1e-3, "
                             "gpt2-124m 1e-5).")
    batch_size: int | None = Field(default=None, description="Prompts per step, each with all its C(K,2) pairs; "
                                   "InstructGPT C.2: 64; None = preset (tiny 8).")
    normalize: bool = Field(default=True, description="InstructGPT §3.5: set the bias so labeler demonstrations "
                            "score mean 0.")
    min_lr_ratio: float = Field(default=0.1, description="InstructGPT C.2: cosine schedule down to 10%.")


class PPOParams(TrainingConfig):
    """``ppo_policy``: PPO-ptx (InstructGPT §3.5, App. C.3-C.4)."""

    TRAINING_FIELDS: ClassVar[tuple[str, ...]] = ("kl_coef", "ptx_coef", "clip_ratio", "gamma", "ppo_epochs",
                                                  "episodes", "batch_size", "minibatch_size", "lr", "ema_decay")
    kl_coef: float = Field(default=0.02, description="beta: per-token KL penalty to the SFT policy, subtracted from "
                           "the reward (InstructGPT §3.5 eq. 2, C.4).")
    ptx_coef: float | None = Field(default=None, description="gamma_ptx: weight of the pretraining term (§3.5 eq. "
                                   "2, C.4: 27.8). It multiplies the mean per-token next-token loss of a pretraining "
                                   "batch of 8x the RL minibatch's sequences (C.4: 8 times more pretraining examples "
                                   "than RL episodes), added to the PPO loss (a mean per response token) before one "
                                   "optimizer step, as C.4 accumulates both gradients and DeepSpeed-Chat applies its "
                                   "unsup_coef 27.8; 0 = plain PPO. None = preset (gpt2-124m 27.8; tiny 1: at 27.8 "
                                   "the 3-layer model's continued pretraining crowds out the RL signal and its reward "
                                   "falls, bench/RESULTS.md).")
    clip_ratio: float = Field(default=0.2, description="InstructGPT C.4: PPO clip ratio 0.2.")
    gamma: float = Field(default=1.0, description="InstructGPT C.4: no discount in the generalized advantage.")
    ppo_epochs: int = Field(default=1, description="InstructGPT C.4: one inner epoch over each batch.")
    episodes: int | None = Field(default=None, description="InstructGPT C.4: 256k episodes; None = preset (tiny "
                                 "320).")
    batch_size: int | None = Field(default=None, description="Episodes per iteration; InstructGPT C.4: 512; None "
                                   "= preset (tiny 16).")
    minibatch_size: int | None = Field(default=None, description="InstructGPT C.4: minibatches of 64; None = "
                                       "preset (tiny 8).")
    lr: float | None = Field(default=None, description="Policy learning rate (per model size in the paper, not "
                             "reproduced); None = preset (tiny 1e-4, gpt2-124m 1e-5).")
    ema_decay: float | None = Field(default=None, description="InstructGPT C.4: EMA of the policy weights, 0.992; "
                                    "None = preset (gpt2-124m 0.992, tiny 0 = off).")
    reward: Literal["reward_model", "gold"] = Field(
        default="reward_model", description="What PPO maximizes: the reward model (InstructGPT §3.5), or the sample "
        "world's gold preference itself, the oracle upper bound (Gao et al. 2022's gold reward model); either way the "
        "gold score is recorded per iteration where it is known.")
