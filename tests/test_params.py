"""The training stages' paper parameters are typed run config with defaults and sources (the launchpad's view)."""

from gpt_assets.defs.params import PPOParams, PretrainParams, RewardParams, SFTParams
from training.config import from_dict
from training.ppo import PPOConfig


def test_every_paper_parameter_is_a_described_field_and_the_preset_fills_the_rest():
    for cls in (PretrainParams, SFTParams, RewardParams, PPOParams):
        for name, field in cls.model_fields.items():
            assert field.description, (cls.__name__, name)
        assert set(cls.TRAINING_FIELDS) <= set(cls.model_fields)
    fields = PPOParams.model_fields
    assert fields["kl_coef"].default == 0.02 and "§3.5" in fields["kl_coef"].description
    assert "27.8" in fields["ptx_coef"].description and "per-token" in fields["ptx_coef"].description
    cfg = from_dict(PPOConfig, PPOParams().training_config("tiny", device="cpu"))
    assert (cfg.kl_coef, cfg.ptx_coef, cfg.episodes, cfg.ema_decay) == (0.02, 1.0, 320, 0.0)  # preset sizes
    cfg = from_dict(PPOConfig, PPOParams().training_config("gpt2-124m", device="cuda"))
    assert (cfg.ptx_coef, cfg.ema_decay) == (27.8, 0.992)  # the paper's
    cfg = from_dict(PPOConfig, PPOParams(kl_coef=0.05, episodes=64, overrides={"episodes": 32})
                    .training_config("tiny", device="cpu"))
    assert (cfg.kl_coef, cfg.episodes) == (0.05, 32)  # a typed field over the preset, overrides over both


def test_the_launchpad_shows_kl_coef_with_its_default_and_source():
    import dagster as dg

    from gpt_assets.definitions import defs

    op = defs.resolve_asset_graph().get(dg.AssetKey("ppo_policy")).assets_def.op
    kl = op.config_schema.config_type.fields["kl_coef"]
    assert kl.default_value == 0.02 and "§3.5" in kl.description
    episodes = op.config_schema.config_type.fields["episodes"]
    assert "256k" in episodes.description  # preset-sized: the paper's value in the description
