"""The pytest plugin, run on inner pytest sessions (pytester) as a user's suite runs it."""

from __future__ import annotations

import pytest

from helpers import serve_alive, wait_gone

INNER_TESTS = """
import json, os, pytest

def record(rds_sim, name):
    with open(os.environ["RDS_SIM_PIDS"], "a") as out:
        out.write(json.dumps({"test": name, "pid": rds_sim.pid, "clock": rds_sim.now()}) + "\\n")

@pytest.mark.parametrize("n", range(3))
def test_each_test_sees_a_reset_simulation(rds_sim, rds_sim_pool, n):
    assert rds_sim.state()["Instances"] == {}
    assert rds_sim.state()["Settings"]["DailyBackupLimit"] == 20
    rds_sim.create_instance("rm-a")          # would fail without the reset
    rds_sim.configure(DailyBackupLimit=n)    # settings are reset too
    assert rds_sim_pool.starts == 1
    record(rds_sim, f"default-{n}")

@pytest.mark.rds_sim(clock="manual")
def test_manual_clock(rds_sim):
    assert rds_sim.now() == "2026-01-01T00:00:00Z"
    rds_sim.advance(3600)
    record(rds_sim, "manual")

@pytest.mark.rds_sim(clock="manual")
def test_manual_clock_again(rds_sim):
    assert rds_sim.now() == "2026-01-01T00:00:00Z"   # the clock was reset
    record(rds_sim, "manual-again")
"""


def _records(path):
    import json

    return [json.loads(line) for line in path.read_text().splitlines()]


def test_one_emulator_per_run_reset_before_every_test_and_stopped_at_the_end(pytester, monkeypatch, tmp_path):
    pids = tmp_path / "pids.jsonl"
    monkeypatch.setenv("RDS_SIM_PIDS", str(pids))
    pytester.makepyfile(test_inner=INNER_TESTS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=5)
    records = {r["test"]: r for r in _records(pids)}
    default = {records[f"default-{n}"]["pid"] for n in range(3)}
    manual = {records["manual"]["pid"], records["manual-again"]["pid"]}
    assert len(default) == 1 and len(manual) == 1 and default != manual
    assert records["default-0"]["clock"] != "2026-01-01T00:00:00Z"  # the real clock
    for pid in default | manual:
        assert not serve_alive(pid), f"serve {pid} outlived the pytest run"


def test_the_clock_option_makes_every_emulator_manual(pytester):
    pytester.makepyfile(
        test_inner="""
        def test_clock(rds_sim):
            assert rds_sim.clock == "manual"
            assert rds_sim.now() == "2026-01-01T00:00:00Z"
        """
    )
    pytester.runpytest_subprocess("--rds-sim-clock", "manual", "-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_the_ini_option_sets_the_clock(pytester):
    pytester.makeini("[pytest]\nrds_sim_clock = manual\n")
    pytester.makepyfile(
        test_inner="""
        def test_clock(rds_sim):
            assert rds_sim.now() == "2026-01-01T00:00:00Z"
        """
    )
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_rds_client_is_the_official_client_pointed_at_rds_sim(pytester):
    pytest.importorskip("alibabacloud_rds20140815", reason="the CI installs the official SDK")
    pytester.makepyfile(
        test_inner="""
        from alibabacloud_rds20140815 import models

        def test_backup(rds_sim, rds_client):
            rds_sim.create_instance("rm-a")
            job = rds_client.create_backup(models.CreateBackupRequest(dbinstance_id="rm-a"))
            assert job.body.backup_job_id
        """
    )
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_requires_marker_skips_and_names_the_missing_capability(pytester):
    pytester.makepyfile(
        test_inner="""
        import pytest

        @pytest.mark.rds_sim_requires("Sim.NoSuchAction")
        def test_action(rds_sim):
            pass

        @pytest.mark.rds_sim_requires("--no-such-option")
        def test_option(rds_sim):
            pass

        @pytest.mark.rds_sim_requires("Sim.AdvanceTime", "--listen")
        def test_present(rds_sim):
            pass
        """
    )
    result = pytester.runpytest_subprocess("-rs", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, skipped=2)
    result.stdout.fnmatch_lines(
        [
            "*needs Sim.NoSuchAction: this rds-backup-sim binary (*) answers InvalidAction.NotFound for it*",
            "*needs serve --no-such-option: `* serve --help` does not list it*",
        ]
    )


def test_a_marker_with_an_unknown_option_is_a_usage_error(pytester):
    pytester.makepyfile(
        test_inner="""
        import pytest

        @pytest.mark.rds_sim(clok="manual")
        def test_typo(rds_sim):
            pass
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*rds_sim does not take clok (it takes clock, seed, accept_any_key)*"])


def test_a_failed_test_reports_the_server_log(pytester):
    from rds_backup_sim import capabilities, find_binary

    if not capabilities(find_binary()).has_option("--log-format"):
        pytest.skip("needs the request log on standard error (serve --log-format): this binary has none")
    pytester.makepyfile(
        test_inner="""
        def test_fails(rds_sim):
            rds_sim.action({"Action": "CreateBackup", "DBInstanceId": "rm-missing"})
            assert False
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*rds-backup-sim log*", "*InvalidDBInstanceName.NotFound*"])


def test_session_teardown_stops_the_emulator_after_a_failing_test(pytester, monkeypatch, tmp_path):
    pids = tmp_path / "pids.jsonl"
    monkeypatch.setenv("RDS_SIM_PIDS", str(pids))
    pytester.makepyfile(
        test_inner="""
        import json, os

        def test_fails(rds_sim):
            with open(os.environ["RDS_SIM_PIDS"], "a") as out:
                out.write(json.dumps({"pid": rds_sim.pid}) + "\\n")
            raise RuntimeError("the test failed")
        """
    )
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(failed=1)
    [record] = _records(pids)
    assert wait_gone(record["pid"], 5.0)
