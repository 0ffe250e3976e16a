"""Thin Dagster definitions, one module per lineage stage."""
