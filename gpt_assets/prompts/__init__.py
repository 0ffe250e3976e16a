"""InstructGPT prompt datasets (§3.2): cleaning, the by-user splits, labelers."""
