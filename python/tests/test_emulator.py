"""`Emulator`: the process, its start-up line, the control plane, and clean stops."""

from __future__ import annotations

import http.client
import json
import os
import sysconfig
from pathlib import Path

import pytest

from helpers import fake_serve, serve_alive
from rds_backup_sim import (
    BIN_ENV,
    ActionError,
    BinaryNotFoundError,
    Emulator,
    EmulatorError,
    NotRunningError,
    StartError,
    UnsupportedError,
    capabilities,
    find_binary,
)

MANUAL_START = "2026-01-01T00:00:00Z"


def test_start_reads_the_bound_port_from_the_start_up_line_and_stop_ends_the_process():
    with Emulator(clock="manual") as sim:
        pid = sim.pid
        assert sim.banner.startswith(f"rds-backup-sim serve: listening on http://{sim.endpoint}; clock manual")
        assert sim.endpoint == f"127.0.0.1:{sim.port}" and sim.port > 0
        assert sim.url == f"http://127.0.0.1:{sim.port}"
        assert sim.health() is True
        assert serve_alive(pid)
    assert not serve_alive(pid)
    assert sim.running is False


def test_stop_is_clean_and_idempotent():
    sim = Emulator().start()
    assert sim.stop() == 0  # SIGTERM: the server stops cleanly with status 0
    assert sim.stop() is None
    with pytest.raises(NotRunningError, match="not running"):
        _ = sim.endpoint


def test_the_context_manager_stops_the_process_when_the_body_raises():
    with pytest.raises(RuntimeError, match="boom"):
        with Emulator() as sim:
            pid = sim.pid
            raise RuntimeError("boom")
    assert not serve_alive(pid)


def test_an_action_returns_its_answer_and_check_raises_the_exact_error():
    with Emulator(clock="manual") as sim:
        created = sim.create_instance("rm-a", Engine="MySQL", Databases=["db1"])
        assert created["HttpStatus"] == 200 and created["DBInstanceId"] == "rm-a"
        again = sim.action({"Action": "Sim.CreateInstance", "DBInstanceId": "rm-a", "Engine": "MySQL"})
        assert (again["HttpStatus"], again["Code"]) == (400, "Sim.InstanceAlreadyExists")
        with pytest.raises(ActionError) as raised:
            sim.create_instance("rm-a")
        assert (raised.value.status, raised.value.code) == (400, "Sim.InstanceAlreadyExists")
        assert raised.value.message == again["Message"]
        assert str(raised.value).startswith("Sim.CreateInstance answered 400 Sim.InstanceAlreadyExists: ")


def test_api_actions_run_on_the_control_plane_with_the_rules():
    with Emulator(clock="manual") as sim:
        sim.create_instance("rm-a")
        first = sim.action({"Action": "CreateBackup", "DBInstanceId": "rm-a"})
        assert first["HttpStatus"] == 200 and first["BackupJobId"]
        second = sim.action({"Action": "CreateBackup", "DBInstanceId": "rm-a"})
        assert (second["HttpStatus"], second["Code"]) == (400, "BackupJobExists")
        assert second["Message"] == "A backup job already exists in the specified DB instance."


def test_replay_applies_the_lines_in_order_as_one_batch():
    with Emulator(clock="manual") as sim:
        answers = sim.replay(
            [
                {"Action": "Sim.CreateInstance", "DBInstanceId": "rm-a", "Engine": "MySQL"},
                '{"Action": "CreateBackup", "DBInstanceId": "rm-a"}',
                {"Action": "CreateBackup", "DBInstanceId": "rm-a"},
            ]
        )
        assert [a["HttpStatus"] for a in answers] == [200, 200, 400]
        assert answers[2]["Code"] == "BackupJobExists"


def test_advance_moves_the_manual_clock_and_ends_jobs():
    with Emulator(clock="manual") as sim:
        assert sim.now() == MANUAL_START
        sim.create_instance("rm-a")
        sim.action({"Action": "CreateBackup", "DBInstanceId": "rm-a"}, check=True)
        assert sim.advance(599) == "2026-01-01T00:09:59Z"
        tasks = sim.action({"Action": "DescribeBackupTasks", "DBInstanceId": "rm-a"})
        assert len(tasks["Items"]["BackupJob"]) == 1
        assert sim.advance(to="2026-01-01T00:10:00Z") == "2026-01-01T00:10:00Z"
        tasks = sim.action({"Action": "DescribeBackupTasks", "DBInstanceId": "rm-a"})
        assert tasks["Items"]["BackupJob"] == []
        with pytest.raises(ValueError, match="exactly one of seconds and to"):
            sim.advance()
        with pytest.raises(ActionError) as raised:
            sim.advance(to="2025-01-01T00:00:00Z")
        assert raised.value.code == "Sim.TimeWentBackwards"


def test_reset_empties_the_simulation_and_restarts_ids_and_clock():
    with Emulator(clock="manual", seed=7) as sim:
        sim.create_instance("rm-a")
        job = sim.action({"Action": "CreateBackup", "DBInstanceId": "rm-a"})["BackupJobId"]
        sim.advance(3600)
        sim.reset()
        state = sim.state()
        assert state["Instances"] == {}
        assert state["Clock"] == MANUAL_START
        assert state["Settings"]["Seed"] == 7
        sim.create_instance("rm-a")
        assert sim.action({"Action": "CreateBackup", "DBInstanceId": "rm-a"})["BackupJobId"] == job


def test_state_and_restore_round_trip():
    with Emulator(clock="manual") as sim:
        sim.create_instance("rm-a", Databases=["db1"])
        snapshot = sim.state()
        sim.reset()
        sim.restore(snapshot)
        assert list(sim.state()["Instances"]) == ["rm-a"]
        with pytest.raises(EmulatorError, match="PUT /_sim/state answered 400"):
            sim.restore({"Settings": "nonsense"})


def test_state_dir_keeps_the_simulation_across_restarts(tmp_path):
    with Emulator(clock="manual", state_dir=tmp_path / "state") as sim:
        sim.create_instance("rm-durable")
    with Emulator(clock="manual", state_dir=tmp_path / "state") as sim:
        assert list(sim.state()["Instances"]) == ["rm-durable"]


def test_admin_token_protects_the_control_plane_and_the_emulator_sends_it():
    with Emulator(admin_token="s3cret") as sim:
        assert sim.create_instance("rm-a")["HttpStatus"] == 200
        conn = http.client.HTTPConnection("127.0.0.1", sim.port, timeout=10)
        conn.request("GET", "/_sim/state")
        response = conn.getresponse()
        assert response.status == 401
        assert json.loads(response.read())["Code"] == "Sim.Unauthorized"
        conn.close()


def test_the_server_does_not_inherit_rds_sim_environment_variables(monkeypatch):
    monkeypatch.setenv("RDS_SIM_ADMIN_TOKEN", "from-the-environment")
    monkeypatch.setenv("RDS_SIM_STATE_DIR", "/nonexistent/state")
    with Emulator() as sim:
        environ = Path(f"/proc/{sim.pid}/environ").read_bytes().split(b"\0")
        assert [v for v in environ if v.startswith(b"RDS_SIM_")] == []
        assert sim.state()["Instances"] == {}  # no token needed, no state dir


def test_options_are_checked_before_anything_starts():
    with pytest.raises(ValueError, match='clock must be "real" or "manual"'):
        Emulator(clock="fast")
    with pytest.raises(ValueError, match="without ':'"):
        Emulator(extra_keys={"a:b": "secret"})
    with pytest.raises(ValueError, match="seed must be an integer"):
        Emulator(seed=-1)


def test_a_server_that_refuses_to_start_is_reported_with_its_standard_error():
    with pytest.raises(StartError) as raised:
        Emulator(extra_args=["--no-such-flag"]).start()
    assert "exited with status 2 before it listened" in str(raised.value)
    assert "--no-such-flag" in str(raised.value)


def test_a_server_that_prints_no_start_up_line_is_killed_after_the_timeout(tmp_path):
    sim = Emulator(binary=fake_serve(tmp_path, "silent"), start_timeout=0.5)
    with pytest.raises(StartError, match="printed no start-up line within 0.5 s"):
        sim.start()
    assert sim.running is False


def test_full_pipes_never_block_the_server(tmp_path):
    # 4 MiB on each of stdout and stderr after the start-up line: far beyond a pipe's
    # buffer; the control plane still answers and the log holds all of stderr.
    with Emulator(binary=fake_serve(tmp_path, "flood")) as sim:
        assert sim.health() is True
        deadline_ok = False
        for _ in range(100):
            if sim.log_position() >= 4096 * 1024:
                deadline_ok = True
                break
            sim.health()
        assert deadline_ok
        assert sim.log(since=4096 * 1024 - 1024) == "x" * 1023 + "\n"


def test_binary_lookup_explains_where_it_looked(monkeypatch, tmp_path):
    with pytest.raises(BinaryNotFoundError, match="is not an executable file"):
        find_binary(str(tmp_path / "missing"))
    monkeypatch.setenv("RDS_BACKUP_SIM_BIN", str(tmp_path / "missing"))
    with pytest.raises(BinaryNotFoundError, match="RDS_BACKUP_SIM_BIN=.*is not an executable file"):
        Emulator()


def test_the_binary_is_the_one_the_wheel_installed_beside_this_interpreter():
    binary = find_binary()
    assert os.path.basename(binary) == "rds-backup-sim"
    if BIN_ENV not in os.environ:
        assert os.path.dirname(binary) == sysconfig.get_path("scripts")
    assert capabilities(binary).has_option("--listen")
    assert not capabilities(binary).has_option("--no-such-option")


def test_accept_any_key_on_a_binary_without_it_names_the_missing_option(tmp_path):
    with pytest.raises(UnsupportedError) as raised:
        Emulator(binary=fake_serve(tmp_path), accept_any_key=True).start()
    assert raised.value.capability == "--accept-any-key"
    assert "does not list the option" in str(raised.value)


def test_fault_injection_on_a_binary_without_it_names_the_missing_action(tmp_path):
    with Emulator(binary=fake_serve(tmp_path)) as sim:
        assert sim.supports("Sim.InjectFault") is False
        with pytest.raises(UnsupportedError) as raised:
            sim.inject_fault("Throttling", "CreateBackup", times=1)
        assert raised.value.capability == "Sim.InjectFault"
        assert "InvalidAction.NotFound" in str(raised.value)


def test_a_known_action_is_supported():
    with Emulator() as sim:
        assert sim.supports("Sim.AdvanceTime") is True
        assert sim.supports("Sim.NoSuchAction") is False


@pytest.mark.rds_sim_requires("Sim.InjectFault")
def test_faults_are_declared_listed_and_cleared(rds_sim):
    rds_sim.create_instance("rm-a")
    fault = rds_sim.inject_fault("Throttling", "CreateBackup", db_instance_id="rm-a", times=1)
    assert fault == "f-1"
    answer = rds_sim.action({"Action": "CreateBackup", "DBInstanceId": "rm-a"})
    assert (answer["HttpStatus"], answer["Code"]) == (400, "Throttling.User")
    assert answer["Message"] == "Request was denied due to user flow control."
    [listed] = rds_sim.faults()
    assert (listed["FaultId"], listed["Fired"], listed["Active"]) == ("f-1", 1, False)
    with pytest.raises(ActionError) as raised:
        rds_sim.inject_fault("Throttling", "CreateBackup", times=1, phase="After")
    assert raised.value.code == "Sim.InvalidParameter"
    rds_sim.clear_faults()
    assert rds_sim.faults() == []


def test_the_request_list_on_a_binary_without_a_request_log_names_what_is_missing(tmp_path):
    with Emulator(binary=fake_serve(tmp_path)) as sim:
        with pytest.raises(UnsupportedError) as raised:
            sim.requests()
        assert raised.value.capability == "GET /_sim/requests"


@pytest.mark.rds_sim_requires("--log-format")
def test_the_request_list_shows_what_the_server_answered_since_the_reset(rds_sim):
    rds_sim.action({"Action": "CreateBackup", "DBInstanceId": "rm-missing"})
    [last] = rds_sim.requests(limit=1)
    assert (last["path"], last["action"], last["instance"]) == ("/_sim/action", "CreateBackup", "rm-missing")
    assert (last["status"], last["code"]) == (404, "InvalidDBInstanceName.NotFound")
    rds_sim.reset()
    rds_sim.health()
    assert [r["path"] for r in rds_sim.requests(since_reset=True)] == ["/_sim/health"]
