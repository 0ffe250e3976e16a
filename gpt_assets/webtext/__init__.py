"""GPT-2 WebText (§2.1): outbound Reddit links with enough karma, their pages, cleaned and deduplicated."""
