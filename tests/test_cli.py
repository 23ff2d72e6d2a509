"""The command line contract: exit codes, --help everywhere, `hil run` writes a CAN log."""

from __future__ import annotations

import json
from pathlib import Path

import can
import pytest

from hil.cli import build_parser, main
from tests.support import VIRTUAL_RIG, unique_channel


def test_every_command_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    for name in sub.choices:  # type: ignore[union-attr]
        assert main([name, "--help"]) == 0
        assert "usage: hil" in capsys.readouterr().out


def test_unknown_flag_exits_2() -> None:
    assert main(["run", "--no-such-flag"]) == 2


def test_missing_stage_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", str(VIRTUAL_RIG), "--stage", str(tmp_path / "nope.yaml"), "--out", str(tmp_path)]) == 2
    assert "nope.yaml" in capsys.readouterr().err


def test_unopenable_bus_exits_3(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["run", str(VIRTUAL_RIG), "--interface", "socketcan", "--channel", "nosuchcan9",
                 "--duration", "0.1", "--out", str(tmp_path)])
    assert code == 3
    assert "cannot open bus" in capsys.readouterr().err


def test_hil_run_writes_a_readable_can_log_and_run_info(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "res"
    assert main(["run", "--duration", "2", "--out", str(out), "--channel", unique_channel()]) == 0
    frames = list(can.LogReader(str(out / "can.log")))
    assert len(frames) >= 6 * 200
    assert {f.arbitration_id for f in frames} >= {0x50, 0x60, 0x70, 0x80, 0x90, 0xA0, 0xB0}
    info = json.loads((out / "run.json").read_text())
    assert info["simulated_s"] == 2.0
    assert len(info["calibration"]["sha256"]) == 64
    assert info["bus_health"]["frames_tx"] == len(frames)
    assert "simulated in" in capsys.readouterr().out


def test_python_dash_m_hil_is_the_command_line() -> None:
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "hil", "--version"], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().startswith("hil ")


HEAVY = ("can", "cantools", "pydantic", "pyarrow", "matplotlib", "pandas", "rich.progress", "aiomqtt", "asammdf")


def _modules_after(code: str) -> set[str]:
    import subprocess
    import sys

    from tests.support import ROOT

    probe = f"import sys\n{code}\nprint('LOADED', *(m for m in {HEAVY!r} if m in sys.modules))\n"
    done = subprocess.run([sys.executable, "-c", probe], env={"PYTHONPATH": str(ROOT)}, capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0, done.stderr
    return set(done.stdout.splitlines()[-1].split()[1:])


def test_hil_help_loads_no_library_it_does_not_need() -> None:
    assert _modules_after("from hil.cli import main\nmain(['--help'])") == set()


def test_hil_serve_never_loads_the_output_libraries(tmp_path: Path) -> None:
    code = (f"from hil.cli import main\nassert main(['serve', {str(VIRTUAL_RIG)!r}, '--duration', '0.3', "
            f"'--out', {str(tmp_path / 'serve')!r}, '--channel', {unique_channel()!r}]) == 0")
    loaded = _modules_after(code)
    assert loaded >= {"can", "cantools"}, "it did serve"
    assert not loaded & {"pyarrow", "matplotlib", "pandas", "rich.progress", "asammdf"}


def test_every_command_of_the_light_parser_is_registered_with_the_same_help() -> None:
    import importlib

    from hil.cli import COMMANDS

    for name, (module, summary) in COMMANDS.items():
        full = build_parser(name)
        sub = next(a for a in full._actions if a.dest == "command")
        helps = {c.dest: c.help for c in sub._choices_actions}  # type: ignore[attr-defined]
        assert helps[name] == summary, f"cli.COMMANDS[{name!r}] and {module} disagree"
        assert importlib.import_module(module).register


def test_quiet_run_prints_nothing_but_problems(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "-q", "--duration", "1", "--out", str(tmp_path / "q"), "--channel", unique_channel()]) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert (tmp_path / "q" / "run.json").is_file()


def test_verbosity_flags_go_before_or_after_the_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-q", "check", str(VIRTUAL_RIG)]) == 0
    assert capsys.readouterr().out == ""
    assert main(["check", str(VIRTUAL_RIG), "-v"]) == 0
    assert capsys.readouterr().out.startswith("ok: virtual.toml")


def test_check_reports_problems_on_stderr(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rig = tmp_path / "rig.toml"
    rig.write_text(VIRTUAL_RIG.read_text().replace('time = "virtual"', 'time = "fast"'))
    assert main(["check", str(rig)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.startswith(f"error: {rig}")


def test_frames_hil_sends_carry_the_rigs_channel_into_the_log(tmp_path: Path) -> None:
    channel = unique_channel()
    assert main(["run", "-q", "--duration", "0.1", "--out", str(tmp_path / "r"), "--channel", channel]) == 0
    with can.LogReader(str(tmp_path / "r" / "can.log")) as reader:
        channels = {msg.channel for msg in reader}
    assert channels == {channel}


def test_quiet_compare_prints_no_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "r"
    assert main(["run", "-q", "--duration", "1", "--out", str(out), "--channel", unique_channel()]) == 0
    assert main(["compare", "-q", str(out), str(out)]) == 0
    assert capsys.readouterr().out == ""


def test_check_warns_that_an_mf4_log_needs_its_extra(tmp_path: Path) -> None:
    import subprocess
    import sys

    from tests.support import ROOT

    rig = tmp_path / "rig.toml"
    rig.write_text(VIRTUAL_RIG.read_text().replace('log = "can.log"', 'log = "can.mf4"').replace('"../', f'"{ROOT}/'))
    code = ("import sys\nsys.modules['asammdf'] = None\nfrom hil.cli import main\n"
            f"sys.exit(main(['check', {str(rig)!r}]))\n")
    done = subprocess.run([sys.executable, "-c", code], env={"PYTHONPATH": str(ROOT)}, capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0
    assert "warning: log can.mf4: needs the [mf4] extra" in done.stderr
