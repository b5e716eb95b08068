"""The official Python SDKs against rds-backup-sim serve (run by tests/sdk/run.sh).

Drives CreateBackup, DescribeBackupTasks and DescribeBackups through:
  - alibabacloud-rds20140815 with its default V3 signature, and with signature_algorithm="v2";
  - aliyun-python-sdk-rds (aliyun-python-sdk-core) over POST and over GET;
checks the typed results, and that each SDK raises its own exception type carrying our code
and HTTP status. RAM (docs/rules.md, "RAM authorization"): users declared through the control plane, the
README's example policy (examples/ram-policy.jsonl) allowed on env=test and denied on
env=prod, and Forbidden.RAM surfaced with its access_denied_detail. Prints
"N passed, M failed".

Usage: sdk_test.py HOST:PORT
"""

import json
import pathlib
import sys
import traceback
import urllib.request

ENDPOINT = sys.argv[1]
AK, SK = "testid", "testsecret"
RESULTS = {"passed": 0, "failed": 0}


def sim(line):
    """One control-plane line; returns the scenario answer."""
    req = urllib.request.Request(
        f"http://{ENDPOINT}/_sim/action", data=json.dumps(line).encode(), method="POST"
    )
    try:
        with urllib.request.urlopen(req) as r:
            return json.loads(r.read())
    except urllib.error.HTTPError as e:
        return json.loads(e.read())


def check(name, fn):
    try:
        fn()
        RESULTS["passed"] += 1
        print(f"ok   {name}")
    except Exception:  # noqa: BLE001 - a failing check of any kind is reported, not raised
        RESULTS["failed"] += 1
        print(f"FAIL {name}")
        traceback.print_exc()


def expect_equal(got, want, what):
    if got != want:
        raise AssertionError(f"{what}: got {got!r}, want {want!r}")


# ---------------------------------------------------------------- new SDK (tea-openapi)

def new_client(secret=SK, key=AK, algorithm=None):
    from alibabacloud_tea_openapi.models import Config
    from alibabacloud_rds20140815.client import Client

    config = Config(
        access_key_id=key,
        access_key_secret=secret,
        region_id="cn-hangzhou",
        endpoint=ENDPOINT,
        protocol="http",
    )
    if algorithm:
        config.signature_algorithm = algorithm
    return Client(config)


def new_sdk_error_class():
    try:
        from alibabacloud_tea_openapi.exceptions import ClientException

        return ClientException
    except ImportError:
        from Tea.exceptions import TeaException

        return TeaException


def new_expect_error(call, code, status):
    """Asserts `call` raises the new SDK's exception with `code` and `status`; returns it."""
    cls = new_sdk_error_class()
    try:
        call()
    except cls as e:
        got_status = getattr(e, "status_code", None)
        if got_status is None:
            got_status = (getattr(e, "data", None) or {}).get("statusCode")
        expect_equal(e.code, code, "code")
        expect_equal(got_status, status, "status")
        return e
    raise AssertionError(f"no {cls.__name__} raised, expected {code}")


def new_sdk_suite(label, algorithm):
    from alibabacloud_rds20140815 import models as m

    inst = f"rm-{label}"
    client = new_client(algorithm=algorithm)
    state = {}

    def setup():
        answer = sim({"Action": "Sim.CreateInstance", "DBInstanceId": inst, "Engine": "MySQL", "Databases": ["db1"]})
        expect_equal(answer["HttpStatus"], 200, "Sim.CreateInstance")

    def create_backup():
        r = client.create_backup(m.CreateBackupRequest(dbinstance_id=inst, backup_method="Physical"))
        expect_equal(r.status_code, 200, "status")
        if not r.body.backup_job_id:
            raise AssertionError("no backup_job_id")
        if len(r.body.request_id) != 36:
            raise AssertionError(f"request id {r.body.request_id!r}")
        state["job"] = r.body.backup_job_id

    def describe_backup_tasks():
        r = client.describe_backup_tasks(m.DescribeBackupTasksRequest(dbinstance_id=inst))
        jobs = r.body.items.backup_job
        expect_equal([j.backup_job_id for j in jobs], [state["job"]], "jobs")
        expect_equal(jobs[0].job_mode, "Manual", "job mode")

    def backup_job_exists():
        new_expect_error(
            lambda: client.create_backup(m.CreateBackupRequest(dbinstance_id=inst)), "BackupJobExists", 400
        )

    def describe_backups():
        sim({"Action": "Sim.AdvanceTime", "Seconds": 700})
        r = client.describe_backups(m.DescribeBackupsRequest(dbinstance_id=inst))
        backups = r.body.items.backup
        expect_equal(len(backups), 1, "backups")
        expect_equal(backups[0].backup_status, "Success", "backup status")
        expect_equal(backups[0].backup_mode, "Manual", "backup mode")
        expect_equal(r.body.total_record_count, "1", "total")

    def exceeded_backup_times():
        sim({"Action": "Sim.Configure", "DailyBackupLimit": 0})
        try:
            new_expect_error(
                lambda: client.create_backup(m.CreateBackupRequest(dbinstance_id=inst)), "Exceeded.BackupTimes", 403
            )
        finally:
            sim({"Action": "Sim.Configure", "DailyBackupLimit": 20})

    def instance_not_found():
        new_expect_error(
            lambda: client.create_backup(m.CreateBackupRequest(dbinstance_id="rm-missing")),
            "InvalidDBInstanceName.NotFound",
            404,
        )

    def wrong_secret():
        bad = new_client(secret="wrong", algorithm=algorithm)
        new_expect_error(
            lambda: bad.describe_backups(m.DescribeBackupsRequest(dbinstance_id=inst)), "SignatureDoesNotMatch", 400
        )

    def unknown_key():
        bad = new_client(key="nobody", algorithm=algorithm)
        new_expect_error(
            lambda: bad.describe_backups(m.DescribeBackupsRequest(dbinstance_id=inst)),
            "InvalidAccessKeyId.NotFound",
            404,
        )

    for name, fn in [
        ("setup", setup),
        ("CreateBackup", create_backup),
        ("DescribeBackupTasks", describe_backup_tasks),
        ("BackupJobExists", backup_job_exists),
        ("DescribeBackups", describe_backups),
        ("Exceeded.BackupTimes", exceeded_backup_times),
        ("InvalidDBInstanceName.NotFound", instance_not_found),
        ("SignatureDoesNotMatch", wrong_secret),
        ("InvalidAccessKeyId.NotFound", unknown_key),
    ]:
        check(f"python new SDK ({label}): {name}", fn)


# ---------------------------------------------------------------- old SDK (aliyunsdkcore)

def old_suite(method):
    from aliyunsdkcore.acs_exception.exceptions import ServerException
    from aliyunsdkcore.client import AcsClient
    from aliyunsdkrds.request.v20140815.CreateBackupRequest import CreateBackupRequest
    from aliyunsdkrds.request.v20140815.DescribeBackupsRequest import DescribeBackupsRequest
    from aliyunsdkrds.request.v20140815.DescribeBackupTasksRequest import DescribeBackupTasksRequest

    label = f"old-{method.lower()}"
    inst = f"rm-{label}"
    client = AcsClient(AK, SK, "cn-hangzhou")
    state = {}

    def prepare(req, instance=inst):
        req.set_endpoint(ENDPOINT)
        req.set_method(method)
        req.set_DBInstanceId(instance)
        return req

    def call(req, c=client):
        return json.loads(c.do_action_with_exception(req))

    def expect_error(req, code, status, c=client):
        try:
            call(req, c)
        except ServerException as e:
            expect_equal(e.get_error_code(), code, "code")
            expect_equal(e.get_http_status(), status, "status")
            return
        raise AssertionError(f"no ServerException raised, expected {code}")

    def setup():
        answer = sim({"Action": "Sim.CreateInstance", "DBInstanceId": inst, "Engine": "MySQL"})
        expect_equal(answer["HttpStatus"], 200, "Sim.CreateInstance")

    def create_backup():
        r = call(prepare(CreateBackupRequest()))
        if not r.get("BackupJobId"):
            raise AssertionError(f"no BackupJobId in {r}")
        state["job"] = r["BackupJobId"]

    def describe_backup_tasks():
        r = call(prepare(DescribeBackupTasksRequest()))
        expect_equal([j["BackupJobId"] for j in r["Items"]["BackupJob"]], [state["job"]], "jobs")

    def backup_job_exists():
        expect_error(prepare(CreateBackupRequest()), "BackupJobExists", 400)

    def describe_backups():
        sim({"Action": "Sim.AdvanceTime", "Seconds": 700})
        r = call(prepare(DescribeBackupsRequest()))
        expect_equal(len(r["Items"]["Backup"]), 1, "backups")
        expect_equal(r["Items"]["Backup"][0]["BackupStatus"], "Success", "status")

    def exceeded_backup_times():
        sim({"Action": "Sim.Configure", "DailyBackupLimit": 0})
        try:
            expect_error(prepare(CreateBackupRequest()), "Exceeded.BackupTimes", 403)
        finally:
            sim({"Action": "Sim.Configure", "DailyBackupLimit": 20})

    def instance_not_found():
        expect_error(prepare(CreateBackupRequest(), "rm-missing"), "InvalidDBInstanceName.NotFound", 404)

    def wrong_secret():
        # aliyunsdkcore compares its own string to sign with ours and renames the code.
        bad = AcsClient(AK, "wrong", "cn-hangzhou")
        expect_error(prepare(DescribeBackupsRequest()), "InvalidAccessKeySecret", 400, bad)

    def unknown_key():
        bad = AcsClient("nobody", SK, "cn-hangzhou")
        expect_error(prepare(DescribeBackupsRequest()), "InvalidAccessKeyId.NotFound", 404, bad)

    for name, fn in [
        ("setup", setup),
        ("CreateBackup", create_backup),
        ("DescribeBackupTasks", describe_backup_tasks),
        ("BackupJobExists", backup_job_exists),
        ("DescribeBackups", describe_backups),
        ("Exceeded.BackupTimes", exceeded_backup_times),
        ("InvalidDBInstanceName.NotFound", instance_not_found),
        ("InvalidAccessKeySecret", wrong_secret),
        ("InvalidAccessKeyId.NotFound", unknown_key),
    ]:
        check(f"python old SDK ({method}): {name}", fn)


# ---------------------------------------------------------------- RAM (ram.md)

EXAMPLE = pathlib.Path(__file__).resolve().parents[2] / "examples" / "ram-policy.jsonl"
ACCOUNT = "1234567890123456"


def example_setup_lines():
    """The README example's Sim.* lines: rm-test (env=test), rm-prod (env=prod), user team."""
    lines = [json.loads(l) for l in EXAMPLE.read_text().splitlines() if l.startswith("{")]
    return [l for l in lines if l["Action"].startswith("Sim.")]


def expect_denied(call, action, user, kind):
    """Forbidden.RAM (403) with the AccessDeniedDetail the new SDK exposes."""
    e = new_expect_error(call, "Forbidden.RAM", 403)
    detail = getattr(e, "access_denied_detail", None) or {}
    expect_equal(detail.get("AuthAction"), f"rds:{action}", "AuthAction")
    expect_equal(detail.get("NoPermissionType"), kind, "NoPermissionType")
    expect_equal(detail.get("AuthPrincipalDisplayName"), user, "AuthPrincipalDisplayName")
    expect_equal(detail.get("AuthPrincipalOwnerId"), ACCOUNT, "AuthPrincipalOwnerId")
    expect_equal(detail.get("PolicyType"), "AccountLevelIdentityBasedPolicy", "PolicyType")


def ram_suite():
    from alibabacloud_rds20140815 import models as m

    team = {line["UserName"]: line for line in example_setup_lines() if "UserName" in line}["team"]
    v3 = new_client(key=team["AccessKeyId"], secret=team["AccessKeySecret"])
    v2 = new_client(key=team["AccessKeyId"], secret=team["AccessKeySecret"], algorithm="v2")
    ops = new_client(key="ak-sdk-ops", secret="s-sdk-ops")
    state = {}

    def setup():
        for line in example_setup_lines():
            expect_equal(sim(line)["HttpStatus"], 200, line["Action"])
        answer = sim({
            "Action": "Sim.PutIdentity", "AccountId": ACCOUNT, "UserName": "ops",
            "AccessKeyId": "ak-sdk-ops", "AccessKeySecret": "s-sdk-ops",
            "Policies": [{"Version": "1", "Statement": [
                {"Effect": "Allow", "Action": "rds:*", "Resource": "*"},
                {"Effect": "Deny", "Action": "rds:CreateBackup", "Resource": "acs:rds:*:*:dbinstance/rm-prod"},
            ]}],
        })
        expect_equal(answer["HttpStatus"], 200, "Sim.PutIdentity")

    def example_allowed_on_env_test():
        r = v3.create_backup(m.CreateBackupRequest(dbinstance_id="rm-test"))
        expect_equal(r.status_code, 200, "status")
        state["job"] = r.body.backup_job_id
        r = v2.describe_backup_tasks(m.DescribeBackupTasksRequest(dbinstance_id="rm-test"))
        expect_equal([j.backup_job_id for j in r.body.items.backup_job], [state["job"]], "jobs")

    def example_denied_on_env_prod():
        expect_denied(
            lambda: v3.create_backup(m.CreateBackupRequest(dbinstance_id="rm-prod")),
            "CreateBackup", "team", "ImplicitDeny",
        )
        expect_denied(
            lambda: v2.describe_backups(m.DescribeBackupsRequest(dbinstance_id="rm-prod")),
            "DescribeBackups", "team", "ImplicitDeny",
        )

    def explicit_deny():
        expect_denied(
            lambda: ops.create_backup(m.CreateBackupRequest(dbinstance_id="rm-prod")),
            "CreateBackup", "ops", "ExplicitDeny",
        )
        r = ops.describe_backup_tasks(m.DescribeBackupTasksRequest(dbinstance_id="rm-prod"))
        expect_equal(r.body.items.backup_job, [], "jobs on rm-prod")

    def other_account_unknown():
        # The default account's root (testid) does not see account 1234567890123456's instance.
        new_expect_error(
            lambda: new_client().create_backup(m.CreateBackupRequest(dbinstance_id="rm-test")),
            "InvalidDBInstanceName.NotFound",
            404,
        )

    for name, fn in [
        ("setup (README example through the control plane)", setup),
        ("README policy allows env=test", example_allowed_on_env_test),
        ("README policy denies env=prod: Forbidden.RAM ImplicitDeny", example_denied_on_env_prod),
        ("Forbidden.RAM ExplicitDeny", explicit_deny),
        ("another account's instance is unknown", other_account_unknown),
    ]:
        check(f"python new SDK (RAM): {name}", fn)


def main():
    new_sdk_suite("v3", None)
    new_sdk_suite("v2", "v2")
    old_suite("POST")
    old_suite("GET")
    ram_suite()
    print(f"{RESULTS['passed']} passed, {RESULTS['failed']} failed")
    return 1 if RESULTS["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
