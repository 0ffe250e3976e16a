"""PPO-ptx (InstructGPT §3.5, App. C.3-C.4).

Objective: E_(x,y)~pi [ r(x, y) - beta * log(pi(y|x) / pi_SFT(y|x)) ] + gamma_ptx * E_x~pretrain [ log pi(x) ].
The KL penalty is paid per token, the reward model's score at the last token; advantages come from GAE with
no discount; the value function is a separate network initialised from the reward model.
"""

from __future__ import annotations

import copy
import shutil
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn
from transformers import AutoModelForCausalLM

from training.checkpoint import Checkpointer
from training.config import RunConfig, config_from_cli
from training.data import cached_tokens, iter_texts, model_inputs, stream_indices
from training.generation import Samples, concat, encode_prompts, sample, token_logprobs
from training.optim import adamw, param_groups
from training.reward import load_reward_model
from training.runtime import LogFn, TrainResult, autocast, pretraining_backward, print_log, setup, step_generator
from training.tokenizer import load_tokenizer

RewardFn = Callable[[str, str], float]  # (prompt, response text) -> score; replaces the reward model when given


@dataclass
class PPOConfig(RunConfig):
    """PPO-ptx. One step is one iteration: sample ``batch_size`` episodes, then update on them."""

    policy_init: str = ""  # SFT folder: the policy and the frozen KL reference start here (§3.5, C.4)
    # the frozen KL reference when it is not the policy's start: iterated RLHF continues the last round's policy while
    # the penalty stays the KL to SFT (§3.5 eq. 2); "" = policy_init
    reference_init: str = ""
    reward_model: str = ""  # reward model folder; "" when a reward function is passed instead
    value_init: str = ""  # "" = the reward model (C.4: value function initialised from the RM), else the policy
    kl_coef: float = 0.02  # beta, per-token KL penalty to the SFT policy (§3.5 eq. 2, C.4)
    # gamma_ptx (§3.5 eq. 2, C.4): multiplies the mean next-token loss per pretraining token, added to the PPO loss (a
    # mean per response token) before one optimizer step, as C.4 accumulates both gradients and DeepSpeed-Chat applies
    # its unsup_coef 27.8; 0 = plain PPO. The tiny preset uses 1: at 27.8 a 3-layer model's continued pretraining
    # crowds out the RL signal and the reward falls over training (bench/RESULTS.md)
    ptx_coef: float = 27.8
    gamma: float = 1.0  # C.4: no discount when estimating the generalised advantage
    lam: float = 0.95  # GAE lambda: paper silent; ours (Stiennon et al. 2020's value)
    clip_ratio: float = 0.2  # C.4: PPO clip ratio 0.2
    value_clip: float = 0.2  # paper silent; ours (clip value updates like the policy)
    vf_coef: float = 1.0  # paper silent; ours (separate networks, so this only scales the value gradient)
    episodes: int = 256_000  # C.4: 256k episodes
    batch_size: int = 512  # C.4: episodes per iteration
    minibatch_size: int = 64  # C.4: each batch split into 8 minibatches of 64
    ppo_epochs: int = 1  # C.4: a single inner epoch
    micro_batch_size: int = 16  # rows per forward pass (generation and updates); ours
    lr: float = 1e-5  # paper's per-size values not reproduced here; ours for GPT-2 small
    value_lr: float = 1e-5  # paper silent; ours
    warmup_iters: int = 10  # C.4: constant LR, warmup over the first 10 iterations from one tenth of the peak
    weight_decay: float = 0.0  # paper silent; ours
    beta1: float = 0.9  # paper silent
    beta2: float = 0.95  # paper silent
    eps: float = 1e-8  # paper silent
    grad_clip: float = 1.0  # paper silent; ours
    ema_decay: float = 0.992  # C.4: EMA of the policy weights; the EMA is the saved policy; 0 = off
    temperature: float = 1.0  # C.4: sampling temperature 1 for rollouts
    top_k: int = 0  # 0 = full distribution (C.4 samples at temperature 1)
    max_new_tokens: int = 256  # paper silent; ours
    max_prompt_len: int = 0  # 0 = the context less max_new_tokens
    no_eos_penalty: float = -1.0  # paper silent; ours: added to the score of responses that never emit EOS; 0 = off
    whiten_advantages: bool = True  # paper silent; ours (standard PPO practice)
    ptx_batch_size: int = 0  # pretraining sequences per minibatch; 0 = 8 x minibatch_size (C.4: 8 times more
    # pretraining examples than RL episodes)
    ptx_block_size: int = 0  # tokens per pretraining sequence; 0 = the model's context
    prompts_path: str = ""  # CLI only: .jsonl/.parquet with a prompt column
    prompt_column: str = "prompt"
    ptx_path: str = ""  # CLI only: pretraining texts (.jsonl/.parquet with a text column)

    # tiny: no no-EOS penalty. Measured on the earlier demo world, whose answers were mostly longer than its 32-token
    # cap (63% of demonstrations): with the penalty PPO learned to stop early and lost to SFT by the gold
    # preference (win 0.45 vs 0.52 without; bench/RESULTS.md). The world's answers now fit the 48-token cap (92%);
    # the penalty is not yet re-measured there.
    PRESETS = {
        "tiny": {"episodes": 320, "batch_size": 16, "minibatch_size": 8, "micro_batch_size": 16, "lr": 1e-4,
                 "value_lr": 1e-3, "warmup_iters": 2, "ema_decay": 0.0, "max_new_tokens": 48, "ptx_block_size": 64,
                 "no_eos_penalty": 0.0, "ptx_coef": 1.0, "log_every": 1},
        "gpt2-124m": {"device": "cuda", "micro_batch_size": 32, "max_new_tokens": 128, "checkpoint_every": 50},
    }

    @property
    def iterations(self) -> int:
        return self.episodes // self.batch_size


@dataclass
class Rollout:
    """A batch of episodes on one (prompt, response) frame: every (B, N) tensor is aligned with the response tokens."""

    samples: Samples
    logprobs: torch.Tensor
    ref_logprobs: torch.Tensor
    values: torch.Tensor
    scores: torch.Tensor  # (B,) reward model (or reward function) score, before the no-EOS penalty
    monitor: torch.Tensor | None  # (B,) the monitor's score (the gold preference where known), never trained on
    rewards: torch.Tensor
    advantages: torch.Tensor
    returns: torch.Tensor

    @property
    def mask(self) -> torch.Tensor:
        return self.samples.response_mask.float()


def masked_mean(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    return (x * mask).sum() / mask.sum().clamp(min=1)


def whiten(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Zero mean, unit variance over the masked entries."""
    mean = masked_mean(x, mask)
    var = masked_mean((x - mean) ** 2, mask)
    return (x - mean) * torch.rsqrt(var + 1e-8) * mask


def gae(rewards: torch.Tensor, values: torch.Tensor, mask: torch.Tensor, gamma: float,
        lam: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Generalised advantage estimates and returns over right-padded response tokens (B, N)."""
    advantages = torch.zeros_like(rewards)
    last = torch.zeros_like(rewards[:, 0])
    n = rewards.shape[1]
    for t in reversed(range(n)):
        alive_next = mask[:, t + 1] if t + 1 < n else torch.zeros_like(last)
        next_value = values[:, t + 1] * alive_next if t + 1 < n else torch.zeros_like(last)
        delta = rewards[:, t] + gamma * next_value - values[:, t]
        last = delta + gamma * lam * alive_next * last
        advantages[:, t] = last
    advantages = advantages * mask
    return advantages, (advantages + values) * mask


def kl_rewards(logprobs: torch.Tensor, ref_logprobs: torch.Tensor, scores: torch.Tensor, mask: torch.Tensor,
               kl_coef: float) -> torch.Tensor:
    """Per-token reward: -beta * (log pi - log pi_ref), plus the score on each response's last token."""
    rewards = -kl_coef * (logprobs - ref_logprobs) * mask
    last = (mask.sum(dim=1).long() - 1).clamp(min=0)
    rewards[torch.arange(len(rewards)), last] += scores
    return rewards


def token_values(value_model: nn.Module, ids: torch.Tensor, mask: torch.Tensor, start: int) -> torch.Tensor:
    """V(state before token t) for the tokens ``ids[:, start:]``: the scalar head read at every position."""
    hidden = value_model.transformer(**model_inputs(ids, mask)).last_hidden_state[:, start - 1:-1]
    return value_model.score(hidden).squeeze(-1).float()


class PPOTrainer:
    """Policy, frozen reference, value function, optional reward model and EMA: one PPO-ptx run."""

    def __init__(self, cfg: PPOConfig, reward_fn: RewardFn | None = None, monitor_fn: RewardFn | None = None):
        if not reward_fn and not cfg.reward_model:
            raise ValueError("PPO needs a reward model folder (reward_model) or a reward function")
        self.cfg = cfg
        self.device = device = setup(cfg)
        self.tokenizer = load_tokenizer(cfg.policy_init)
        no_dropout = {"resid_pdrop": 0.0, "embd_pdrop": 0.0, "attn_pdrop": 0.0}  # paper silent; ours (exact ratios)
        self.policy = AutoModelForCausalLM.from_pretrained(cfg.policy_init, **no_dropout).to(device)
        self.reference = (AutoModelForCausalLM.from_pretrained(cfg.reference_init, **no_dropout).to(device)
                          if cfg.reference_init else copy.deepcopy(self.policy)).requires_grad_(False).eval()
        self.reward_fn = reward_fn
        self.monitor_fn = monitor_fn
        self.reward_model = None
        if cfg.reward_model:
            self.reward_model = load_reward_model(cfg.reward_model).to(device).requires_grad_(False).eval()
        self.value = load_reward_model(cfg.value_init or cfg.reward_model or cfg.policy_init).to(device)
        self.ema = copy.deepcopy(self.policy).requires_grad_(False) if cfg.ema_decay else None
        groups = [*param_groups(self.policy, cfg.weight_decay), *param_groups(self.value, cfg.weight_decay)]
        self.base_lrs = [cfg.lr, cfg.lr, cfg.value_lr, cfg.value_lr]
        self.optimizer = adamw(groups, cfg.lr, (cfg.beta1, cfg.beta2), cfg.eps, device)
        self.max_prompt_len = cfg.max_prompt_len or self.policy.config.n_positions - cfg.max_new_tokens

    def modules(self) -> dict[str, nn.Module]:
        return {"policy": self.policy, "value": self.value, **({"ema": self.ema} if self.ema else {})}

    def lr_factor(self, step: int) -> float:
        """C.4: constant learning rate after a warmup from one tenth of the peak over the first iterations."""
        if step >= self.cfg.warmup_iters:
            return 1.0
        return 0.1 + 0.9 * step / self.cfg.warmup_iters

    def _judge(self, fn: RewardFn, s: Samples, prompts: Sequence[str]) -> torch.Tensor:
        texts = self.tokenizer.batch_decode(s.responses(drop_eos=self.tokenizer.eos_token_id))
        return torch.tensor([fn(p, t) for p, t in zip(prompts, texts, strict=True)], device=self.device,
                            dtype=torch.float)

    @torch.no_grad()
    def score(self, s: Samples, prompts: Sequence[str]) -> torch.Tensor:
        """Reward model score (read at the last non-pad token) or the reward function's."""
        if self.reward_fn:
            return self._judge(self.reward_fn, s, prompts)
        with autocast(self.device):
            return self.reward_model(**model_inputs(s.input_ids, s.attention_mask)).logits[:, 0].float()

    @torch.no_grad()
    def rollout(self, prompts: Sequence[str], generator: torch.Generator) -> Rollout:
        """Sample episodes with the policy and compute everything the update needs."""
        cfg, tok = self.cfg, self.tokenizer
        self.policy.eval()
        self.value.eval()
        chunks, logp, ref, values, scores, monitor = [], [], [], [], [], []
        for i in range(0, len(prompts), cfg.micro_batch_size):
            batch = prompts[i:i + cfg.micro_batch_size]
            ids = encode_prompts(tok, batch, self.max_prompt_len)
            with autocast(self.device):
                s = sample(self.policy, ids, max_new_tokens=cfg.max_new_tokens, eos_id=tok.eos_token_id,
                           pad_id=tok.pad_token_id, temperature=cfg.temperature, top_k=cfg.top_k, generator=generator)
            chunks.append(s)
            scores.append(self.score(s, batch))
            if self.monitor_fn:  # the oracle run monitors the reward it trains on: its scores, not a second pass
                monitor.append(scores[-1] if self.monitor_fn is self.reward_fn else
                               self._judge(self.monitor_fn, s, batch))
        s = concat(chunks, tok.pad_token_id)
        for i in range(0, len(prompts), cfg.micro_batch_size):
            rows = slice(i, i + cfg.micro_batch_size)
            ids, mask = s.input_ids[rows], s.attention_mask[rows]
            with autocast(self.device):
                logp.append(token_logprobs(self.policy, ids, mask, s.prompt_len))
                ref.append(token_logprobs(self.reference, ids, mask, s.prompt_len))
                values.append(token_values(self.value, ids, mask, s.prompt_len))
        mask = s.response_mask.float()
        logp, ref, values = (torch.cat(x) * mask for x in (logp, ref, values))
        scores = torch.cat(scores)
        penalised = scores + cfg.no_eos_penalty * (~s.ended).float()  # responses that never emit EOS
        rewards = kl_rewards(logp, ref, penalised, mask, cfg.kl_coef)
        advantages, returns = gae(rewards, values, mask, cfg.gamma, cfg.lam)
        if cfg.whiten_advantages:
            advantages = whiten(advantages, mask)
        return Rollout(s, logp, ref, values, scores, torch.cat(monitor) if monitor else None, rewards, advantages,
                       returns)

    def update(self, r: Rollout, generator: torch.Generator, ptx: np.ndarray | None, factor: float) -> dict[str, float]:
        """``ppo_epochs`` passes over random minibatches: clipped surrogate + clipped value loss + gamma_ptx * LM loss.

        ``generator`` (CPU) orders the minibatches and draws the pretraining sequences.
        """
        cfg = self.cfg
        for group, base in zip(self.optimizer.param_groups, self.base_lrs, strict=True):
            group["lr"] = base * factor
        self.policy.train()
        self.value.train()
        stats: dict[str, list[float]] = {k: [] for k in ("pg_loss", "vf_loss", "ptx_loss", "clipfrac", "approx_kl")}
        n = len(r.scores)
        for _ in range(cfg.ppo_epochs):
            order = torch.randperm(n, generator=generator).tolist()
            for start in range(0, n, cfg.minibatch_size):
                rows = order[start:start + cfg.minibatch_size]
                n_tokens = r.mask[rows].sum().clamp(min=1)
                mb = {k: 0.0 for k in stats}
                for i in range(0, len(rows), cfg.micro_batch_size):
                    part = self._losses(r, rows[i:i + cfg.micro_batch_size], n_tokens)
                    loss = part["pg_loss"] + cfg.vf_coef * part["vf_loss"]
                    loss.backward()
                    for k, v in part.items():
                        mb[k] += v.item()
                if ptx is not None and cfg.ptx_coef:
                    mb["ptx_loss"] = self._ptx_step(ptx, generator)
                torch.nn.utils.clip_grad_norm_([*self.policy.parameters(), *self.value.parameters()], cfg.grad_clip)
                self.optimizer.step()
                self.optimizer.zero_grad(set_to_none=True)
                self._update_ema()
                for k, v in mb.items():
                    stats[k].append(v)
        return {k: float(np.mean(v)) for k, v in stats.items()}

    def _losses(self, r: Rollout, rows: list[int], n_tokens: torch.Tensor) -> dict[str, torch.Tensor]:
        """This micro-batch's share of the minibatch losses (token sums divided by the minibatch's token count)."""
        cfg, p = self.cfg, r.samples.prompt_len
        ids, mask = r.samples.input_ids[rows], r.samples.attention_mask[rows]
        m = r.mask[rows]
        with autocast(self.device):
            logp = token_logprobs(self.policy, ids, mask, p)
            values = token_values(self.value, ids, mask, p)
        log_ratio = (logp - r.logprobs[rows]) * m
        ratio = torch.exp(log_ratio)
        adv = r.advantages[rows]
        pg = torch.max(-adv * ratio, -adv * ratio.clamp(1 - cfg.clip_ratio, 1 + cfg.clip_ratio))
        old_v, ret = r.values[rows], r.returns[rows]
        clipped_v = old_v + (values - old_v).clamp(-cfg.value_clip, cfg.value_clip)
        vf = 0.5 * torch.max((values - ret) ** 2, (clipped_v - ret) ** 2)
        return {
            "pg_loss": (pg * m).sum() / n_tokens,
            "vf_loss": (vf * m).sum() / n_tokens,
            "clipfrac": (((ratio - 1).abs() > cfg.clip_ratio).float() * m).sum().detach() / n_tokens,
            "approx_kl": (0.5 * log_ratio**2 * m).sum().detach() / n_tokens,
        }

    def _ptx_step(self, ptx: np.ndarray, generator: torch.Generator) -> float:
        """gamma_ptx times the next-token loss of pretraining sequences (gradients added to the PPO ones)."""
        cfg = self.cfg
        return pretraining_backward(self.policy, ptx, cfg.ptx_block_size, cfg.ptx_batch_size or 8 * cfg.minibatch_size,
                                    cfg.micro_batch_size, cfg.ptx_coef, generator, self.device)

    @torch.no_grad()
    def _update_ema(self) -> None:
        if self.ema is not None:
            for e, p in zip(self.ema.parameters(), self.policy.parameters(), strict=True):
                e.lerp_(p, 1 - self.cfg.ema_decay)


def rollout_metrics(r: Rollout) -> dict[str, float]:
    """Per-step rollout statistics: score, KL to the reference (per response), total reward (score - beta * KL,
    with the no-EOS penalty), value, response length, EOS rate."""
    mask = r.mask
    kl = ((r.logprobs - r.ref_logprobs) * mask).sum(dim=1)
    return {
        **({"gold": r.monitor.mean().item()} if r.monitor is not None else {}),
        "reward": r.scores.mean().item(),
        "kl": kl.mean().item(),
        "total_reward": r.rewards.sum(dim=1).mean().item(),
        "value": masked_mean(r.values, mask).item(),
        "response_len": mask.sum(dim=1).mean().item(),
        "eos_rate": r.samples.ended.float().mean().item(),
    }


def train_ppo(cfg: PPOConfig, prompts: Sequence[str], ptx_texts: Iterable[str] = (),
              reward_fn: RewardFn | None = None, log: LogFn = print_log,
              monitor_fn: RewardFn | None = None) -> TrainResult:
    """Run PPO(-ptx) from ``cfg.policy_init``; returns the policy (its EMA when enabled) and per-step metrics.

    ``monitor_fn`` (the gold preference, where known) scores every rollout beside the reward it is trained on: its
    mean is ``gold`` in the history, and the final folder gets ``overoptimization.png`` (Gao et al. 2022).
    """
    if not prompts:
        raise ValueError("PPO needs prompts")
    trainer = PPOTrainer(cfg, reward_fn, monitor_fn)
    ptx = None
    if cfg.ptx_coef:
        ptx = cached_tokens(ptx_texts, trainer.tokenizer, Path(cfg.out_dir) / f".{cfg.name}.tokens" / "ptx.bin")
        if len(ptx) == 0:
            raise ValueError("PPO-ptx needs pretraining texts (ptx_texts); set ptx_coef to 0 for plain PPO")
    ckpt = Checkpointer(cfg, trainer.modules(), trainer.optimizer, log)
    start, history = ckpt.resume()
    total = cfg.iterations
    t0 = time.time()
    for step in range(start, total):
        batch = [prompts[i] for i in stream_indices(len(prompts), cfg.batch_size, step, cfg.seed)]
        r = trainer.rollout(batch, step_generator(cfg.seed, step, trainer.device))
        factor = trainer.lr_factor(step)
        losses = trainer.update(r, step_generator(cfg.seed + 1, step), ptx, factor)

        done = step + 1
        metrics = {"step": float(done), **rollout_metrics(r), **losses, "lr": cfg.lr * factor}
        history.append(metrics)
        ckpt.maybe_save(done, history, total)
        if done % cfg.log_every == 0 or done == total:
            log(done, {**metrics, "episodes_per_s": (done - start) * cfg.batch_size / (time.time() - t0)})

    policy = trainer.ema if trainer.ema is not None else trainer.policy
    final = {k: history[-1][k] for k in ("reward", "kl")} if history else {}
    path = ckpt.finish(policy, trainer.tokenizer, final, history)
    if monitor_fn and ckpt.world.main:
        plot_overoptimization(history, path / "overoptimization.png")
    shutil.rmtree(Path(cfg.out_dir) / f".{cfg.name}.tokens", ignore_errors=True)
    return TrainResult(model=policy, path=path, history=history, metrics=final)


def plot_overoptimization(history: Sequence[dict[str, float]], path: Path) -> bool:
    """Gold score and reward-model score of the rollouts against their KL to the SFT policy (Gao et al. 2022, Fig. 1):
    the reward rising while the gold score falls is over-optimization of the reward model."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        return False
    rows = [h for h in history if "gold" in h and "kl" in h]
    if not rows:
        return False
    fig = Figure(figsize=(6, 3.2))
    ax = fig.subplots()
    kl = [h["kl"] for h in rows]
    ax.plot(kl, [h["gold"] for h in rows], "o-", ms=3, label="gold score", color="tab:green")
    ax.set_xlabel("KL(policy || SFT) per response, nats")
    ax.set_ylabel("gold score")
    twin = ax.twinx()
    twin.plot(kl, [h["reward"] for h in rows], "s-", ms=3, label="reward model score", color="tab:blue")
    twin.set_ylabel("reward model score")
    fig.legend(loc="lower right", fontsize=7)
    ax.set_title("gold and reward-model score against KL over training", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    return True


def main(argv: list[str] | None = None) -> None:
    cfg = config_from_cli(PPOConfig, argv, __doc__ or "")
    prompts = list(iter_texts(cfg.prompts_path, cfg.prompt_column))
    ptx = iter_texts(cfg.ptx_path) if cfg.ptx_path else ()
    result = train_ppo(cfg, prompts, ptx)
    print(f"wrote {result.path}: {result.metrics}")


if __name__ == "__main__":
    main()
