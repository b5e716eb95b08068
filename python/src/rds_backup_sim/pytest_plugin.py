"""The pytest plugin (entry point `pytest11`): fixtures over one emulator per test run.

Fixtures:
    rds_sim: the `Emulator`, started once per pytest run (session) and reset before every
        test, so each test starts from an empty simulation.
    rds_client: the official SDK client (`alibabacloud_rds20140815`) pointed at `rds_sim`.
    rds_sim_session: the same session emulator without the reset, for session- or
        module-scoped fixtures of your own.
    rds_sim_pool: the session's emulators, one per distinct `rds_sim` marker.

Markers:
    @pytest.mark.rds_sim(clock="manual", seed=7, accept_any_key=True): this test's
        `rds_sim` is a (session-wide, also reset) emulator with these options.
    @pytest.mark.rds_sim_requires("Sim.InjectFault", "--accept-any-key"): skip, naming
        what is missing, unless the binary has every listed action or `serve` option.

Options: `--rds-sim-clock real|manual` (ini `rds_sim_clock`) sets the default clock;
`--rds-sim-bin PATH` (ini `rds_sim_bin`) the executable.
"""

from __future__ import annotations

from typing import Any, Dict, Generator, Iterator, List, Optional, Tuple

import pytest

from ._binary import capabilities, find_binary
from ._emulator import Emulator

_Key = Tuple[str, Optional[int], bool]
_MARKER_FIELDS = ("clock", "seed", "accept_any_key")
_LOG_START = pytest.StashKey[Tuple[Emulator, int]]()
#: How much of the server's log a failed test's report shows.
_LOG_TAIL_LINES = 60


class EmulatorPool:
    """The session's emulators, started on first use, one per distinct set of options."""

    def __init__(self, binary: Optional[str], clock: str) -> None:
        self.binary = binary
        self.default_clock = clock
        self._emulators: Dict[_Key, Emulator] = {}
        #: How many emulators this pool started (one per distinct marker in use).
        self.starts = 0

    def get(self, clock: Optional[str] = None, seed: Optional[int] = None, accept_any_key: bool = False) -> Emulator:
        """The running emulator for these options, started if it is the first use."""
        key: _Key = (clock or self.default_clock, seed, bool(accept_any_key))
        emulator = self._emulators.get(key)
        if emulator is None:
            emulator = Emulator(clock=key[0], seed=key[1], accept_any_key=key[2], binary=self.binary)
            emulator.start()
            self._emulators[key] = emulator
            self.starts += 1
        return emulator

    def close(self) -> None:
        """Stops every emulator (also when one of the stops is interrupted)."""
        emulators, self._emulators = list(self._emulators.values()), {}
        try:
            while emulators:
                emulators.pop().stop()
        finally:
            for emulator in emulators:
                emulator.stop(timeout=1.0)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("rds-backup-sim", "rds-backup-sim emulator")
    group.addoption(
        "--rds-sim-clock",
        dest="rds_sim_clock",
        choices=("real", "manual"),
        default=None,
        help="the clock of the rds_sim fixture's emulator (default real; ini rds_sim_clock)",
    )
    group.addoption(
        "--rds-sim-bin",
        dest="rds_sim_bin",
        default=None,
        help="the rds-backup-sim executable (default: the installed one; ini rds_sim_bin)",
    )
    parser.addini("rds_sim_clock", "the rds_sim fixture's default clock: real or manual", default="real")
    parser.addini("rds_sim_bin", "the rds-backup-sim executable for the rds_sim fixture", default="")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "rds_sim(clock=None, seed=None, accept_any_key=False): the options of this test's "
        "rds_sim emulator (one session-wide emulator per distinct set of options)",
    )
    config.addinivalue_line(
        "markers",
        "rds_sim_requires(*capabilities): skip unless the rds-backup-sim binary has every "
        "listed action (Sim.InjectFault, DescribeDBInstances) or serve option (--accept-any-key)",
    )


def _default_clock(config: pytest.Config) -> str:
    clock = config.getoption("rds_sim_clock") or config.getini("rds_sim_clock") or "real"
    if clock not in ("real", "manual"):
        raise pytest.UsageError(f"rds_sim_clock must be real or manual, not {clock!r}")
    return str(clock)


@pytest.fixture(scope="session")
def rds_sim_pool(pytestconfig: pytest.Config) -> Iterator[EmulatorPool]:
    """The session's emulators; all are stopped when the session ends (or is interrupted)."""
    binary = pytestconfig.getoption("rds_sim_bin") or pytestconfig.getini("rds_sim_bin") or None
    pool = EmulatorPool(find_binary(binary), _default_clock(pytestconfig))
    try:
        yield pool
    finally:
        pool.close()


@pytest.fixture(scope="session")
def rds_sim_session(rds_sim_pool: EmulatorPool) -> Emulator:
    """The session's default emulator, not reset: for fixtures of a wider scope."""
    return rds_sim_pool.get()


def _marker_options(node: pytest.Item) -> Dict[str, Any]:
    marker = node.get_closest_marker("rds_sim")
    if marker is None:
        return {}
    if marker.args:
        raise pytest.UsageError(f"{node.nodeid}: rds_sim takes keyword arguments only ({', '.join(_MARKER_FIELDS)})")
    unknown = sorted(set(marker.kwargs) - set(_MARKER_FIELDS))
    if unknown:
        raise pytest.UsageError(
            f"{node.nodeid}: rds_sim does not take {', '.join(unknown)} (it takes {', '.join(_MARKER_FIELDS)})"
        )
    return dict(marker.kwargs)


def _required(node: pytest.Item) -> Tuple[str, ...]:
    found: List[str] = []
    for marker in node.iter_markers("rds_sim_requires"):
        found.extend(str(arg) for arg in marker.args)
    return tuple(found)


def _skip_unless_options(binary: str, options: Tuple[str, ...]) -> None:
    caps = capabilities(binary)
    for option in options:
        if not caps.has_option(option):
            pytest.skip(f"needs serve {option}: `{binary} serve --help` does not list it")


@pytest.fixture
def rds_sim(request: pytest.FixtureRequest, rds_sim_pool: EmulatorPool) -> Emulator:
    """The session's emulator, reset: no instances, jobs, sets, identities or faults, ids
    from the start, the clock at its start (real: now; manual: 2026-01-01T00:00:00Z)."""
    node = request.node
    options = _marker_options(node)
    required = _required(node)
    assert rds_sim_pool.binary is not None, "rds_sim_pool always resolves its binary"
    needed_options = tuple(r for r in required if r.startswith("--"))
    if options.get("accept_any_key"):
        needed_options += ("--accept-any-key",)
    _skip_unless_options(rds_sim_pool.binary, needed_options)
    emulator = rds_sim_pool.get(**options)
    for action in (r for r in required if not r.startswith("--")):
        if not emulator.supports(action):
            pytest.skip(
                f"needs {action}: this rds-backup-sim binary ({rds_sim_pool.binary}) answers "
                f"InvalidAction.NotFound for it"
            )
    emulator.reset()
    node.stash[_LOG_START] = (emulator, emulator.log_position())
    return emulator


@pytest.fixture
def rds_client(rds_sim: Emulator) -> Any:
    """`alibabacloud_rds20140815.client.Client` configured for `rds_sim`."""
    return rds_sim.client()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
    outcome = yield
    report = outcome.get_result()
    started = item.stash.get(_LOG_START, None)
    if started is None or not report.failed or call.when == "setup":
        return
    emulator, position = started
    if not emulator.running:
        return
    lines = emulator.log(since=position).splitlines()
    if lines:
        report.sections.append(("rds-backup-sim log", "\n".join(lines[-_LOG_TAIL_LINES:])))
