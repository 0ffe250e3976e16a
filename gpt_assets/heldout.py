"""Which keys are held out: a hash of the key, so every asset and stage holds out the same documents, prompts and
examples on every machine and run."""

import hashlib


def is_heldout(key: str, share: float) -> bool:
    return int(hashlib.blake2b(key.encode(), digest_size=8).hexdigest(), 16) / 2**64 < share
