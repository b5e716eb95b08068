"""Tests of backup_job.py, written the way its team would: the `rds_sim` and `rds_client`
fixtures, time travel instead of sleeping, and injected faults for the paths that fail."""

from __future__ import annotations

import math

import pytest

from backup_job import BackupJob, Settings, summary


@pytest.fixture
def slept():
    """The back-offs and poll intervals the job waited, in order."""
    return []


@pytest.fixture
def job(rds_sim, rds_client, slept):
    def sleep(seconds):  # a wait of the job moves the emulator's clock instead
        slept.append(seconds)
        rds_sim.advance(math.ceil(seconds))

    return BackupJob(rds_client, rds_sim.region_id, sleep=sleep)


def backups(rds_sim, instance_id):
    """(BackupMode, BackupStatus) of the instance's sets, newest first."""
    answer = rds_sim.action({"Action": "DescribeBackups", "DBInstanceId": instance_id}, check=True)
    return [(b["BackupMode"], b["BackupStatus"]) for b in answer["Items"]["Backup"]]


def test_a_backup_is_started_and_polled_until_its_set_exists(rds_sim, job, slept):
    rds_sim.create_instance("rm-a", Engine="MySQL")
    outcome = job.backup_instance("rm-a")
    assert (outcome.status, outcome.attempts, outcome.adopted) == ("Success", 1, False)
    assert outcome.backup_id is not None
    assert backups(rds_sim, "rm-a") == [("Manual", "Success")]
    assert slept == [60.0] * 10  # a 600 s job, polled every minute


@pytest.mark.rds_sim(clock="manual")  # a day boundary in the middle would refill the quota
def test_quota_exhaustion_is_reported_and_not_retried(rds_sim, job, slept):
    rds_sim.configure(DailyBackupLimit=1)
    rds_sim.create_instance("rm-a")
    assert job.backup_instance("rm-a").status == "Success"
    slept.clear()
    outcome = job.backup_instance("rm-a")
    assert (outcome.status, outcome.attempts) == ("QuotaExhausted", 1)
    assert outcome.detail.startswith("Exceeded.BackupTimes: ")
    assert slept == []
    assert backups(rds_sim, "rm-a") == [("Manual", "Success")]


@pytest.mark.rds_sim(clock="manual")
def test_an_automatic_backup_in_progress_is_waited_for_then_ours_starts(rds_sim, job):
    # The manual clock starts on Thursday 2026-01-01 00:00Z; the window opens at 00:01Z.
    policy = {"PreferredBackupTime": "00:01Z-01:00Z", "PreferredBackupPeriod": "Thursday,Friday"}
    rds_sim.create_instance("rm-a", BackupPolicy=policy)
    rds_sim.advance(60)  # the automatic backup starts and holds the instance for 600 s
    outcome = job.backup_instance("rm-a")
    assert (outcome.status, outcome.attempts, outcome.adopted) == ("Success", 2, False)
    assert backups(rds_sim, "rm-a") == [("Manual", "Success"), ("Automated", "Success")]


def test_a_colleagues_job_is_not_mistaken_for_ours(rds_sim, job):
    rds_sim.create_instance("rm-a")
    rds_sim.action({"Action": "CreateBackup", "DBInstanceId": "rm-a"}, check=True)  # someone else's
    outcome = job.backup_instance("rm-a")
    assert (outcome.status, outcome.attempts, outcome.adopted) == ("Success", 2, False)
    assert backups(rds_sim, "rm-a") == [("Manual", "Success"), ("Manual", "Success")]


def test_a_failed_job_is_reported_as_failed(rds_sim, rds_client):
    rds_sim.create_instance("rm-a")

    def sleep(seconds):  # the job fails while we wait for it
        rds_sim.action({"Action": "Sim.FailBackupJob", "DBInstanceId": "rm-a"}, check=True)

    outcome = BackupJob(rds_client, rds_sim.region_id, sleep=sleep).backup_instance("rm-a")
    assert outcome.status == "Failed"
    assert outcome.detail == f"job {outcome.backup_job_id} ended Failed"
    assert backups(rds_sim, "rm-a") == [("Manual", "Failed")]


@pytest.mark.rds_sim_requires("Sim.InjectFault")
def test_throttling_is_retried_with_exponential_back_off(rds_sim, job, slept):
    rds_sim.create_instance("rm-a")
    rds_sim.inject_fault("Throttling", "CreateBackup", times=2)
    rds_sim.inject_fault("Throttling", "DescribeBackupTasks", times=1)
    outcome = job.backup_instance("rm-a")
    assert (outcome.status, outcome.attempts) == ("Success", 3)
    assert slept[:3] == [2.0, 4.0, 2.0]  # two CreateBackup back-offs, then one for the poll
    assert backups(rds_sim, "rm-a") == [("Manual", "Success")]


@pytest.mark.rds_sim_requires("Sim.InjectFault")
def test_throttling_that_never_ends_gives_up_after_max_attempts(rds_sim, rds_client):
    rds_sim.create_instance("rm-a")
    rds_sim.inject_fault("Throttling", "CreateBackup", probability=1.0)
    job = BackupJob(rds_client, rds_sim.region_id, sleep=lambda s: None, settings=Settings(max_attempts=3))
    outcome = job.backup_instance("rm-a")
    assert (outcome.status, outcome.attempts) == ("Error", 3)
    assert outcome.detail == "Throttling.User: CreateBackup failed 3 times"


@pytest.mark.rds_sim_requires("Sim.InjectFault")
@pytest.mark.parametrize("fault", ["InternalError", "ServiceUnavailable", "Timeout"])
def test_job_exists_after_a_lost_answer_means_our_job_started(rds_sim, job, fault):
    rds_sim.create_instance("rm-a")
    # The first CreateBackup is applied, then its answer is lost (a 5xx, or no answer).
    hold = {"latency_ms": 0} if fault == "Timeout" else {}  # close at once, no answer
    rds_sim.inject_fault(fault, "CreateBackup", times=1, phase="After", **hold)
    outcome = job.backup_instance("rm-a")
    assert (outcome.status, outcome.attempts, outcome.adopted) == ("Success", 2, True)
    assert backups(rds_sim, "rm-a") == [("Manual", "Success")]  # one backup, not two
    [declared] = rds_sim.faults()
    assert declared["Fired"] == 1


@pytest.mark.rds_sim_requires("Sim.InjectFault")
def test_a_job_that_fails_by_injection_is_reported(rds_sim, job):
    rds_sim.create_instance("rm-a")
    rds_sim.inject_fault("JobFails", db_instance_id="rm-a", times=1)
    outcome = job.backup_instance("rm-a")
    assert outcome.status == "Failed"
    assert backups(rds_sim, "rm-a") == [("Manual", "Failed")]


@pytest.mark.rds_sim(clock="manual")  # no day boundary in the middle
@pytest.mark.rds_sim_requires("DescribeDBInstances")
def test_the_nightly_run_backs_up_every_running_primary_and_reports_each(rds_sim, job):
    rds_sim.configure(DailyBackupLimit=1)
    rds_sim.create_instance("rm-a")
    rds_sim.create_instance("rm-spent")
    rds_sim.create_instance("rm-b", Engine="PostgreSQL")
    rds_sim.create_instance("rm-stopped")
    rds_sim.modify_instance("rm-stopped", DBInstanceStatus="Stopped")
    rds_sim.create_instance("rm-ro", DBInstanceType="Readonly")
    rds_sim.create_instance("rm-other-region", RegionId="cn-beijing")
    rds_sim.action({"Action": "CreateBackup", "DBInstanceId": "rm-spent"}, check=True)  # today's one
    outcomes = job.run()
    assert [(o.instance_id, o.status) for o in outcomes] == [
        ("rm-a", "Success"),
        ("rm-spent", "QuotaExhausted"),
        ("rm-b", "Success"),
    ]
    assert summary(outcomes) == {"Success": 2, "QuotaExhausted": 1}
