"""The landing-zone sensor: a new dump becomes exactly one partition run; a second tick asks for nothing."""

import shutil

import dagster as dg

from gpt_assets.defs.sensors import commoncrawl_landing_sensor, reddit_landing_sensor
from gpt_assets.resources import DataRoot


def _tick(instance, root, cursor, sensor=reddit_landing_sensor):
    context = dg.build_sensor_context(instance=instance, cursor=cursor, resources={"data": DataRoot(path=str(root))})
    return sensor(context)


def test_a_new_reddit_dump_requests_one_run(tiny_world, tmp_path):
    root = tmp_path / "data"
    shutil.copytree(tiny_world / "raw", root / "raw")
    with dg.instance_for_test() as instance:
        crawls = _tick(instance, root, None, commoncrawl_landing_sensor)
        assert {r.partition_key for r in crawls.run_requests} == {"CC-MAIN-2017-43", "CC-MAIN-2017-47"}
        first = _tick(instance, root, None)
        assert {r.partition_key for r in first.run_requests} == {"2017-10", "2017-11"}
        for req in first.dynamic_partitions_requests:
            instance.add_dynamic_partitions(req.partitions_def_name, list(req.partition_keys))
        shutil.copy(root / "raw/reddit/RS_2017-11.zst", root / "raw/reddit/RS_2017-12.zst")
        second = _tick(instance, root, first.cursor)
        assert [(r.partition_key, r.asset_selection[0].to_user_string()) for r in second.run_requests] == [
            ("2017-12", "reddit_submissions")]
        assert [list(r.partition_keys) for r in second.dynamic_partitions_requests] == [["2017-12"]]
        third = _tick(instance, root, second.cursor)
        assert not third.run_requests and third.skip_reason
