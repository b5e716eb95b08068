"""The official SDK helpers: `sdk_config()`, `client()`, and a clear message without the SDK."""

from __future__ import annotations

import sys

import pytest

import rds_backup_sim
from rds_backup_sim import Emulator, MissingSDKError

models = pytest.importorskip("alibabacloud_rds20140815.models", reason="the CI installs the official SDK")
from alibabacloud_tea_openapi.exceptions import ClientException  # noqa: E402


def test_sdk_config_points_the_official_sdk_at_the_emulator(rds_sim):
    config = rds_sim.sdk_config(read_timeout=5000)
    assert (config.access_key_id, config.access_key_secret) == ("testid", "testsecret")
    assert (config.region_id, config.endpoint, config.protocol) == ("cn-hangzhou", rds_sim.endpoint, "http")
    assert config.read_timeout == 5000
    assert rds_backup_sim.sdk_config(rds_sim).endpoint == rds_sim.endpoint


def test_the_rds_client_fixture_creates_and_describes_backups(rds_sim, rds_client):
    rds_sim.create_instance("rm-a", Engine="MySQL")
    job = rds_client.create_backup(models.CreateBackupRequest(dbinstance_id="rm-a"))
    assert job.status_code == 200
    tasks = rds_client.describe_backup_tasks(models.DescribeBackupTasksRequest(dbinstance_id="rm-a"))
    assert [t.backup_job_id for t in tasks.body.items.backup_job] == [job.body.backup_job_id]
    with pytest.raises(ClientException) as raised:
        rds_client.create_backup(models.CreateBackupRequest(dbinstance_id="rm-a"))
    assert (raised.value.code, raised.value.status_code) == ("BackupJobExists", 400)


def test_extra_keys_are_accepted_besides_the_default_one():
    with Emulator(extra_keys={"ak-team": "team-secret"}) as sim:
        sim.create_instance("rm-a")
        team = sim.client(access_key_id="ak-team", access_key_secret="team-secret")
        answer = team.describe_backups(models.DescribeBackupsRequest(dbinstance_id="rm-a"))
        assert answer.body.total_record_count == "0"
        sim.client().describe_backups(models.DescribeBackupsRequest(dbinstance_id="rm-a"))
        wrong = sim.client(access_key_id="ak-team", access_key_secret="guess")
        with pytest.raises(ClientException) as raised:
            wrong.describe_backups(models.DescribeBackupsRequest(dbinstance_id="rm-a"))
        assert (raised.value.code, raised.value.status_code) == ("SignatureDoesNotMatch", 400)


@pytest.mark.rds_sim(accept_any_key=True)
def test_accept_any_key_takes_a_key_it_was_never_given(rds_sim):
    rds_sim.create_instance("rm-a")
    stranger = rds_sim.client(access_key_id="LTAI-anything", access_key_secret="whatever")
    job = stranger.create_backup(models.CreateBackupRequest(dbinstance_id="rm-a"))
    assert job.status_code == 200 and job.body.backup_job_id


@pytest.mark.parametrize(
    ("helper", "module"),
    [("sdk_config", "alibabacloud_tea_openapi.models"), ("client", "alibabacloud_rds20140815.client")],
)
def test_without_the_sdk_the_helpers_say_what_to_install(rds_sim, monkeypatch, helper, module):
    monkeypatch.setitem(sys.modules, module, None)  # makes `import` raise ImportError
    with pytest.raises(MissingSDKError) as raised:
        getattr(rds_sim, helper)()
    assert f"{helper}() needs the official Alibaba SDK, which is not installed" in str(raised.value)
    assert "pip install alibabacloud-rds20140815" in str(raised.value)
    assert isinstance(raised.value, ImportError)
