"""`Emulator`: one `rds-backup-sim serve` process and its control plane, from Python."""

from __future__ import annotations

import http.client
import json
import os
import tempfile
from types import TracebackType
from typing import IO, Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Type, Union

from ._binary import capabilities, find_binary
from ._process import ServerProcess, argv_for
from .errors import ActionError, EmulatorError, NotRunningError, UnsupportedError

#: Codes with which a binary says it does not know an action at all.
_UNKNOWN_ACTION = ("InvalidAction.NotFound", "Sim.NotImplemented")

Line = Mapping[str, Any]
KeyPairs = Union[Mapping[str, str], Iterable[Tuple[str, str]]]


class Emulator:
    """`rds-backup-sim serve` on `127.0.0.1:<a free port>`, started and stopped from Python.

    Use it as a context manager (or call `start()` and `stop()`); the process is stopped on
    exit, also when the body raises, and never outlives the interpreter:

        with Emulator(clock="manual") as sim:
            sim.create_instance("rm-a", Engine="MySQL")
            rds = sim.client()          # the official SDK's client, pointed here

    Options:
        clock: "real" (simulation time follows the real clock, plus what `advance` added)
            or "manual" (starts at 2026-01-01T00:00:00Z and moves only by `advance`).
        seed: the simulation seed (`serve --seed`), default 0.
        state_dir: durable state in this directory (`serve --state-dir`); default memory.
        access_key_id, access_key_secret: the key the SDK helpers sign with; always accepted.
        extra_keys: more accepted keys, `{id: secret}` or `(id, secret)` pairs.
        accept_any_key: accept any AccessKey unverified (`serve --accept-any-key`); raises
            `UnsupportedError` if the binary lacks the option.
        region_id: the region the SDK helpers configure.
        admin_token: protect the control plane (`serve --admin-token`); sent by this class.
        identities: a JSON Lines file of `Sim.PutIdentity` lines (`serve --identities`).
        binary: the executable (default: `find_binary()`).
        log_path: where the server's standard error (its log) goes; default a temporary
            file, readable with `log()`.
        extra_args: more `serve` arguments, passed as they are.
        start_timeout: seconds to wait for the start-up line.
        die_with_parent: (Linux) the kernel kills the server when the thread that started
            it exits; set False to start an emulator from a thread that ends before it.
        request_timeout: seconds a control-plane call may take.
    """

    def __init__(
        self,
        *,
        clock: str = "real",
        seed: Optional[int] = None,
        state_dir: Optional[Union[str, os.PathLike[str]]] = None,
        access_key_id: str = "testid",
        access_key_secret: str = "testsecret",
        extra_keys: KeyPairs = (),
        accept_any_key: bool = False,
        region_id: str = "cn-hangzhou",
        admin_token: Optional[str] = None,
        identities: Optional[Union[str, os.PathLike[str]]] = None,
        binary: Optional[str] = None,
        log_path: Optional[Union[str, os.PathLike[str]]] = None,
        extra_args: Sequence[str] = (),
        start_timeout: float = 10.0,
        die_with_parent: bool = True,
        request_timeout: float = 30.0,
    ) -> None:
        if clock not in ("real", "manual"):
            raise ValueError(f'clock must be "real" or "manual", not {clock!r}')
        if seed is not None and not (isinstance(seed, int) and 0 <= seed < 2**64):
            raise ValueError(f"seed must be an integer from 0 to 2**64-1, not {seed!r}")
        pairs = list(extra_keys.items() if isinstance(extra_keys, Mapping) else extra_keys)
        for key_id, _ in [(access_key_id, access_key_secret)] + pairs:
            if not key_id or ":" in key_id:
                raise ValueError(f"an AccessKeyId must be non-empty and without ':', not {key_id!r}")
        self.clock = clock
        self.seed = seed
        self.state_dir = os.fspath(state_dir) if state_dir is not None else None
        self.access_key_id = access_key_id
        self.access_key_secret = access_key_secret
        self.extra_keys: Dict[str, str] = dict(pairs)
        self.accept_any_key = accept_any_key
        self.region_id = region_id
        self.admin_token = admin_token
        self.identities = os.fspath(identities) if identities is not None else None
        self.binary = find_binary(binary)
        self.log_path = os.fspath(log_path) if log_path is not None else None
        self.extra_args = list(extra_args)
        self.start_timeout = start_timeout
        self.die_with_parent = die_with_parent
        self.request_timeout = request_timeout
        self._server: Optional[ServerProcess] = None
        self._log: Optional[IO[bytes]] = None
        self._supported: Dict[str, bool] = {}

    # ------------------------------------------------------------------ life cycle

    def start(self) -> Emulator:
        """Starts the server and waits for its start-up line. Returns self."""
        if self._server is not None:
            raise EmulatorError("this Emulator is already started")
        if self.accept_any_key and not capabilities(self.binary).has_option("--accept-any-key"):
            raise UnsupportedError("--accept-any-key", f"`{self.binary} serve --help` does not list the option")
        keys = [f"{self.access_key_id}:{self.access_key_secret}"]
        keys += [f"{k}:{v}" for k, v in self.extra_keys.items()]
        argv = argv_for(
            self.binary,
            self.clock,
            self.seed,
            self.state_dir,
            keys,
            self.accept_any_key,
            self.admin_token,
            self.identities,
            self.extra_args,
        )
        # Append mode: the server shares this file description, so its writes must go to
        # the end whatever offset `log()` reads from.
        if self.log_path is not None:
            self._log = open(self.log_path, "a+b")
            if os.path.isfile(self.log_path):
                self._log.truncate(0)
        else:
            self._log = tempfile.TemporaryFile(mode="a+b")
        try:
            self._server = ServerProcess(argv, self._log, self.start_timeout, self.die_with_parent)
        except BaseException:
            self._log.close()
            self._log = None
            raise
        return self

    def stop(self, timeout: float = 15.0) -> Optional[int]:
        """Stops the server cleanly (SIGTERM; SIGKILL after `timeout` s). Idempotent.
        Returns its exit status, or None if it was never started."""
        server, self._server = self._server, None
        if server is None:
            return None
        try:
            return server.stop(timeout)
        finally:
            if self._log is not None:
                self._log.close()
                self._log = None

    def __enter__(self) -> Emulator:
        if self._server is None:
            self.start()
        return self

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        where = self.endpoint if self._server is not None else "stopped"
        return f"<Emulator {where} clock={self.clock}>"

    # ------------------------------------------------------------------ where it is

    def _running(self) -> ServerProcess:
        if self._server is None:
            raise NotRunningError("the emulator is not running: call start() or use `with`")
        return self._server

    @property
    def running(self) -> bool:
        """Whether the process is started and alive."""
        return self._server is not None and self._server.running()

    @property
    def port(self) -> int:
        """The port the server bound."""
        return self._running().port

    @property
    def endpoint(self) -> str:
        """`127.0.0.1:PORT`: what the SDKs take as `endpoint`."""
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        """`http://127.0.0.1:PORT`."""
        return f"http://{self.endpoint}"

    @property
    def pid(self) -> int:
        """The server's process id."""
        return self._running().pid

    @property
    def banner(self) -> str:
        """The server's start-up line."""
        return self._running().banner

    def log_position(self) -> int:
        """The size in bytes of what the server wrote to standard error so far."""
        self._running()
        assert self._log is not None, "a running Emulator has its log file open"
        self._log.flush()
        return os.fstat(self._log.fileno()).st_size

    def log(self, since: int = 0) -> str:
        """What the server wrote to standard error (its request log, when it has one),
        from byte `since` (a `log_position()`) on. Empty when `log_path` is a device."""
        self._running()
        assert self._log is not None, "a running Emulator has its log file open"
        self._log.flush()
        pos = self._log.tell()
        try:
            self._log.seek(since)
            return self._log.read().decode("utf-8", "replace")
        finally:
            self._log.seek(pos)

    # ------------------------------------------------------------------ control plane

    def _request(self, method: str, path: str, body: Optional[bytes] = None) -> Tuple[int, bytes]:
        server = self._running()
        headers = {"Content-Type": "application/json"}
        if self.admin_token is not None:
            headers["Authorization"] = f"Bearer {self.admin_token}"
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=self.request_timeout)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            return response.status, response.read()
        except (OSError, http.client.HTTPException) as e:
            alive = "running" if server.running() else f"exited with {server.proc.returncode}"
            raise EmulatorError(f"{method} {path} failed: {e} (the server is {alive})") from e
        finally:
            conn.close()

    def _json(self, method: str, path: str, body: Optional[bytes] = None) -> Any:
        status, data = self._request(method, path, body)
        try:
            return json.loads(data)
        except ValueError as e:
            raise EmulatorError(f"{method} {path} answered {status} with non-JSON: {data[:200]!r}") from e

    def action(self, line: Line, *, check: bool = False) -> Dict[str, Any]:
        """Applies one scenario line (`POST /_sim/action`) and returns its answer, with
        `HttpStatus`. With `check=True`, an answer other than 200 raises `ActionError`."""
        answer = self._json("POST", "/_sim/action", json.dumps(dict(line)).encode())
        if not isinstance(answer, dict):
            raise EmulatorError(f"/_sim/action answered {answer!r}, not an object")
        if check and answer.get("HttpStatus") != 200:
            raise ActionError(line, answer)
        return answer

    def replay(self, lines: Iterable[Union[Line, str]]) -> List[Dict[str, Any]]:
        """Applies lines as one batch (`POST /_sim/replay`); one answer per line. A line is
        a mapping or a JSON string."""
        text = "\n".join(line if isinstance(line, str) else json.dumps(dict(line)) for line in lines)
        status, data = self._request("POST", "/_sim/replay", text.encode())
        answers = []
        for raw in data.decode("utf-8").splitlines():
            if raw.strip():
                answers.append(json.loads(raw))
        if status != 200 and not answers:
            raise EmulatorError(f"/_sim/replay answered {status}: {data[:200]!r}")
        return answers

    def reset(self) -> None:
        """An empty simulation with the start-up settings: no instances, jobs, sets,
        identities or faults; ids start over; the clock back at its start."""
        status, data = self._request("POST", "/_sim/reset")
        if status != 200:
            raise EmulatorError(f"/_sim/reset answered {status}: {data[:200]!r}")

    def state(self) -> Dict[str, Any]:
        """The whole simulation (`GET /_sim/state`)."""
        return dict(self._json("GET", "/_sim/state"))

    def restore(self, state: Mapping[str, Any]) -> None:
        """Replaces the simulation with a `state()` snapshot (`PUT /_sim/state`)."""
        status, data = self._request("PUT", "/_sim/state", json.dumps(dict(state)).encode())
        if status != 200:
            raise EmulatorError(f"PUT /_sim/state answered {status}: {data[:300]!r}")

    def health(self) -> bool:
        """Whether `GET /_sim/health` answers ok."""
        return bool(self._json("GET", "/_sim/health") == {"status": "ok"})

    def requests(self, limit: int = 100, *, since_reset: bool = False) -> List[Dict[str, Any]]:
        """The last `limit` requests the server answered, on `/` and `/_sim/` (`GET
        /_sim/requests`; the server keeps 1,000), oldest first, each as the request log's
        JSON object (`action`, `instance`, `access_key_id`, `status`, `code`, `fault_id`, …).
        `since_reset=True` keeps only those after the last `/_sim/reset` (in a test using
        the `rds_sim` fixture: the test's own). A binary without a request log raises
        `UnsupportedError`."""
        asked = 1000 if since_reset else int(limit)
        status, data = self._request("GET", f"/_sim/requests?limit={asked}")
        if status == 404:
            raise UnsupportedError("GET /_sim/requests", "the server answers 404 (it keeps no request log)")
        if status != 200:
            raise EmulatorError(f"GET /_sim/requests answered {status}: {data[:200]!r}")
        seen = [json.loads(raw) for raw in data.decode("utf-8").splitlines() if raw.strip()]
        if since_reset:
            resets = [i for i, r in enumerate(seen) if r.get("path") == "/_sim/reset"]
            if resets:
                seen = seen[resets[-1] + 1 :]
        return seen[-int(limit) :] if limit > 0 else []

    def now(self) -> str:
        """The simulation clock (RFC 3339)."""
        return str(self.state()["Clock"])

    def advance(self, seconds: Optional[int] = None, *, to: Optional[str] = None) -> str:
        """Moves the simulation clock forward by `seconds` or to `to` (RFC 3339); jobs that
        fall due end, automatic backups that fall due start. Returns the new clock."""
        if (seconds is None) == (to is None):
            raise ValueError("give exactly one of seconds and to")
        line: Dict[str, Any] = {"Action": "Sim.AdvanceTime"}
        if seconds is not None:
            line["Seconds"] = seconds
        else:
            line["To"] = to
        return str(self.action(line, check=True)["Clock"])

    def configure(self, **settings: Any) -> Dict[str, Any]:
        """`Sim.Configure` with these fields (`DailyBackupLimit=2`, `Seed=7`, …)."""
        return self.action({"Action": "Sim.Configure", **settings}, check=True)

    def create_instance(self, db_instance_id: str, engine: str = "MySQL", **fields: Any) -> Dict[str, Any]:
        """`Sim.CreateInstance`; `fields` in wire spelling (`Databases=["db1"]`,
        `DBInstanceStorageType="cloud_essd"`, `BackupPolicy={...}`, `Tags={...}`)."""
        line = {"Action": "Sim.CreateInstance", "DBInstanceId": db_instance_id, "Engine": engine, **fields}
        return self.action(line, check=True)

    def modify_instance(self, db_instance_id: str, **fields: Any) -> Dict[str, Any]:
        """`Sim.ModifyInstance` (`DBInstanceStatus="Stopped"`, `LockMode=...`, …)."""
        return self.action({"Action": "Sim.ModifyInstance", "DBInstanceId": db_instance_id, **fields}, check=True)

    def put_identity(self, access_key_id: str, access_key_secret: str, **fields: Any) -> Dict[str, Any]:
        """`Sim.PutIdentity` (`AccountId=`, `UserName=`, `Policies=[...]`), see RAM."""
        line = {
            "Action": "Sim.PutIdentity",
            "AccessKeyId": access_key_id,
            "AccessKeySecret": access_key_secret,
            **fields,
        }
        return self.action(line, check=True)

    # ------------------------------------------------------------------ faults

    def supports(self, action: str) -> bool:
        """Whether this binary knows `action`: sends `{"Action": action}` alone (for
        `Sim.InjectFault` or `DescribeDBInstances` a refused line that changes nothing) and
        looks for `InvalidAction.NotFound` or `Sim.NotImplemented`. Cached. Do not probe
        an action whose bare line changes something (`Sim.ClearFaults` clears every fault)."""
        if action not in self._supported:
            code = self.action({"Action": action}).get("Code")
            self._supported[action] = code not in _UNKNOWN_ACTION
        return self._supported[action]

    def _require(self, action: str, what: str) -> None:
        if not self.supports(action):
            raise UnsupportedError(action, f"the control plane answers InvalidAction.NotFound ({what})")

    def inject_fault(
        self,
        fault: str,
        target: Optional[str] = None,
        *,
        db_instance_id: Optional[str] = None,
        access_key_id: Optional[str] = None,
        times: Optional[int] = None,
        probability: Optional[float] = None,
        phase: Optional[str] = None,
        latency_ms: Optional[int] = None,
        until: Optional[str] = None,
    ) -> str:
        """Declares a fault (`Sim.InjectFault`) and returns its `FaultId`.

        `fault`: `Throttling`, `ServiceUnavailable`, `InternalError`, `Timeout`, `Latency`
        or `JobFails`; `target`: an API action or `*` (not for `JobFails`); `phase`:
        `Before` (not applied) or `After` (applied, then the answer is replaced: a lost
        answer). At least one of `times` and `probability`. A refused declaration raises
        `ActionError` (`Sim.InvalidParameter`); a binary without fault injection raises
        `UnsupportedError`.
        """
        self._require("Sim.InjectFault", "fault injection")
        line: Dict[str, Any] = {"Action": "Sim.InjectFault", "Fault": fault}
        optional = {
            "Target": target,
            "DBInstanceId": db_instance_id,
            "AccessKeyId": access_key_id,
            "Times": times,
            "Probability": probability,
            "Phase": phase,
            "LatencyMs": latency_ms,
            "Until": until,
        }
        line.update({k: v for k, v in optional.items() if v is not None})
        return str(self.action(line, check=True)["FaultId"])

    def clear_faults(self, fault_id: Optional[str] = None) -> None:
        """Removes every fault, or only `fault_id` (`Sim.ClearFaults`)."""
        self._require("Sim.InjectFault", "fault injection")
        line: Dict[str, Any] = {"Action": "Sim.ClearFaults"}
        if fault_id is not None:
            line["FaultId"] = fault_id
        self.action(line, check=True)

    def faults(self) -> List[Dict[str, Any]]:
        """The declared faults with their `Fired` counts (`Sim.DescribeFaults`)."""
        self._require("Sim.InjectFault", "fault injection")
        return list(self.action({"Action": "Sim.DescribeFaults"}, check=True)["Faults"])

    # ------------------------------------------------------------------ the official SDK

    def sdk_config(self, **overrides: Any) -> Any:
        """An `alibabacloud_tea_openapi.models.Config` for this emulator (key, secret,
        region, endpoint, `protocol="http"`); `overrides` are further `Config` fields."""
        from ._sdk import sdk_config

        return sdk_config(self, **overrides)

    def client(self, **overrides: Any) -> Any:
        """The official client (`alibabacloud_rds20140815.client.Client`) for this emulator."""
        from ._sdk import client

        return client(self, **overrides)
