"""The lineage's jobs, one per partitioning, and the code location's name: what `gpt-assets run` launches.

A run of a defined job (not Dagster's ``__ephemeral_asset_job__``) shows in the UI under its job's name, on the
Overview timeline, and carries the code location's origin so "Re-execute" in the UI launches it again there.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import dagster as dg
from dagster._core.remote_origin import (  # the origin the UI reads to re-execute a run (no public constructor)
    ManagedGrpcPythonEnvCodeLocationOrigin,
    RemoteJobOrigin,
    RemoteRepositoryOrigin,
)
from dagster._core.types.loadable_target_origin import LoadableTargetOrigin

from gpt_assets.paths import repo_root

# workspace.yaml and pyproject's [tool.dagster] name the code location so; a run's origin names it too.
LOCATION = "gpt_assets"
MODULE = "gpt_assets.definitions"
REPOSITORY = "__repository__"  # a Definitions object's repository name
# Job per partitions definition (None: unpartitioned); the runner launches each stage of a run as one of them.
JOB_NAMES: dict[str | None, str] = {None: "lineage", "reddit_months": "reddit_month", "cc_crawls": "crawl",
                                   "rlhf_rounds": "rlhf_rounds"}


def pdef_name(pdef: dg.PartitionsDefinition | None) -> str | None:
    return None if pdef is None else getattr(pdef, "name", None) or str(pdef)


def lineage_jobs(assets: Sequence) -> list[dg.UnresolvedAssetJobDefinition]:
    """One asset job per partitioning of ``assets`` (every asset of that partitioning, with its checks)."""
    keys: dict[str | None, list[dg.AssetKey]] = {}
    for a in assets:
        for spec in a.specs:
            keys.setdefault(pdef_name(spec.partitions_def), []).append(spec.key)
    return [dg.define_asset_job(JOB_NAMES[p], selection=dg.AssetSelection.assets(*ks),
                                description=f"The lineage's {'unpartitioned' if p is None else p} assets; "
                                            "`gpt-assets run` launches each stage as a run of this job.")
            for p, ks in sorted(keys.items(), key=lambda kv: kv[0] or "")]


def job_origin(job_name: str) -> RemoteJobOrigin:
    """The origin of a job in this checkout's code location, as the UI's workspace loads it (workspace.yaml)."""
    target = LoadableTargetOrigin(executable_path=sys.executable, module_name=MODULE,
                                  working_directory=str(repo_root()))
    location = ManagedGrpcPythonEnvCodeLocationOrigin(target, location_name=LOCATION)
    return RemoteJobOrigin(RemoteRepositoryOrigin(location, REPOSITORY), job_name)


@contextmanager
def runs_with_origin(instance: dg.DagsterInstance, job_name: str) -> Iterator[None]:
    """Runs the instance creates inside carry the job's origin in the code location.

    ``execute_in_process`` records no origin, so the UI cannot re-execute its runs (dagster-io/dagster#19458); this
    passes the origin to the instance's own ``create_run_for_job`` for the duration.
    """
    create = instance.create_run_for_job

    def with_origin(*args, **kwargs):
        kwargs.setdefault("remote_job_origin", job_origin(job_name))
        return create(*args, **kwargs)

    instance.create_run_for_job = with_origin  # type: ignore[method-assign]
    try:
        yield
    finally:
        del instance.create_run_for_job
