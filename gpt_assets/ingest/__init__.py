"""Readers for every landing-zone format; each yields accepted rows and quarantine rows."""
