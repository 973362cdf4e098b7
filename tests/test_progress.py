"""Progress on long work: ``dispatch solve`` streams the solve and shows elapsed time, best
objective and orders served as the search improves; ``dispatch map build`` shows its stages.
The output is rendered by rich into a string console with a fake clock: no timing involved."""

from __future__ import annotations

import io
import itertools
import re

from rich.console import Console

from dispatch_service import progress
from dispatch_service.api.v1 import dispatch_pb2 as pb
from dispatch_service.cli import _solve
from tests.conftest import start_server

EXAMPLES = __import__("pathlib").Path(__file__).resolve().parent.parent / "examples"


def _update(elapsed_s: float, objective: float, served: int, unserved: int, final: bool = False, limit_s: float = 5.0) -> pb.SolveProgress:
    plan = pb.SolveResponse()
    route = plan.routes.add(engineer_id="e1")
    for i in range(served):
        route.visits.add(order_id=f"o{i}")
    for i in range(unserved):
        plan.unassigned_orders.add(order_id=f"u{i}")
    plan.stats.objective = objective
    plan.stats.solutions_found = served
    plan.stats.effective_time_limit.FromTimedelta(__import__("datetime").timedelta(seconds=limit_s))
    update = pb.SolveProgress(plan=plan, final=final)
    update.elapsed.FromTimedelta(__import__("datetime").timedelta(seconds=elapsed_s))
    return update


def _console(terminal: bool) -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, force_terminal=terminal, force_interactive=terminal, width=110, color_system=None), out


def _fake_clock(step_s: float = 0.5):
    ticks = itertools.count()
    return lambda: next(ticks) * step_s


def test_log_output_has_one_line_per_improvement_then_the_final_plan():
    updates = [_update(0.2, 9_000, 3, 3), _update(1.4, 7_250.5, 5, 1), _update(5.0, 7_100, 6, 0, final=True)]
    console, out = _console(terminal=False)
    final = progress.follow_solve(iter(updates), console, _fake_clock())
    assert final is updates[-1].plan
    lines = out.getvalue().splitlines()
    assert lines == [
        "          0.2 s  best 9,000  served 3/6  solution 3",
        "          1.4 s  best 7,250  served 5/6  solution 5",
        "final     5.0 s  best 7,100  served 6/6  solution 6",
    ]


def test_terminal_output_is_a_bar_with_elapsed_best_and_served():
    updates = [_update(1.0, 9_000, 3, 3), _update(2.5, 8_000, 4, 2), _update(5.0, 7_100, 6, 0, final=True)]
    console, out = _console(terminal=True)
    final = progress.follow_solve(iter(updates), console, _fake_clock(step_s=1.0), auto_refresh=False)
    assert final is updates[-1].plan
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", out.getvalue())  # cursor movement of the live display
    for shown in ("best 9,000", "served 3/6", "best 8,000", "served 4/6", "best 7,100", "served 6/6"):
        assert shown in text
    # rich's elapsed column reads the injected clock (one second per call).
    assert re.search(r"0:00:0[1-9]", text)
    assert text.index("best 9,000") < text.index("best 8,000") < text.index("best 7,100")


def test_a_stream_without_a_final_message_gives_no_plan():
    console, _ = _console(terminal=False)
    assert progress.follow_solve(iter([_update(0.2, 9_000, 3, 3)]), console) is None


def test_solve_command_streams_from_a_real_server(capsys):
    """``dispatch solve`` without --quiet calls SolveStream and shows progress on its console,
    then prints the same plan table as before on stdout."""
    server = start_server(workers=1)
    try:
        console, out = _console(terminal=False)
        code = _solve(str(EXAMPLES / "small.json"), f"127.0.0.1:{server.port}", False, 60.0, quiet=False, console=console)
        assert code == 0
        lines = out.getvalue().splitlines()
        assert lines and lines[-1].startswith("final ") and "served 5/6" in lines[-1]
        assert "WO-1001" in capsys.readouterr().out
        quiet_console, quiet_out = _console(terminal=False)
        assert _solve(str(EXAMPLES / "small.json"), f"127.0.0.1:{server.port}", False, 60.0, quiet=True, console=quiet_console) == 0
        assert quiet_out.getvalue() == ""
    finally:
        server.stop(grace_s=1.0)


def test_map_build_shows_its_stages(tmp_path):
    from geo.mapbuild import main

    from tests.geo.conftest import OAKLAND_OSM

    console, out = _console(terminal=False)
    assert main([str(OAKLAND_OSM), "-o", str(tmp_path / "m.npz")], console=console, clock=_fake_clock(0.25)) == 0
    lines = out.getvalue().splitlines()
    names = [re.sub(r" \(\d+\.\d s\)$", "", line.removeprefix("✓ ")) for line in lines]
    assert names[0] == "loading osmnx" and names[1] == "keeping the drivable ways"
    assert names[2].startswith("building the graph of ") and names[2].endswith(" ways")
    assert names[3:] == ["keeping the largest strongly connected part", "road classes, speeds and geometry",
                         "preparing queries (CCH node order)", f"checking and writing {tmp_path / 'm.npz'}"]
    assert all(line.endswith("(0.2 s)") for line in lines)  # two clock reads per stage, 0.25 s apart


def test_map_build_quiet_shows_nothing(tmp_path, capsys):
    from geo.mapbuild import main

    from tests.geo.conftest import OAKLAND_OSM

    assert main([str(OAKLAND_OSM), "-o", str(tmp_path / "m.npz"), "--quiet"]) == 0
    assert capsys.readouterr().err == ""
