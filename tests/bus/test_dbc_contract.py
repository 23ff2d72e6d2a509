"""The DBC loads cleanly, holds the contract, and a broken DBC is refused with file and key."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import cantools
import pytest

from hil.bus import contract
from hil.bus.codec import Codec, signal_limits
from hil.cli import main
from hil.errors import DbcError
from hil.models.enums import Gear, RejectReason
from tests.support import ROOT

DBC = ROOT / "dbc" / "d7xr_powertrain.dbc"


def test_cantools_dump_loads_the_dbc_cleanly() -> None:
    cmd = [sys.executable, "-m", "cantools", "dump", str(DBC)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "DRV_Controls" in done.stdout


def test_dbc_holds_every_contract_message_signal_sender_and_cycle() -> None:
    codec = Codec.load(DBC)
    for name, (sender, cycle_ms, e2e, signals) in contract.MESSAGES.items():
        spec = codec.specs[name]
        assert spec.sender == sender
        assert spec.cycle_ns == (cycle_ms * 1_000_000 if cycle_ms else None)
        assert spec.e2e is e2e
        assert set(signals) <= set(spec.signals)
        assert spec.frame_id < 0x800, "11-bit identifiers"
    assert {n.name for n in codec.db.nodes} >= set(contract.NODES)


@pytest.mark.parametrize(("message", "signal"), sorted(contract.ENUMS))
def test_every_enum_value_of_the_contract_has_the_same_number_in_the_dbc(message: str, signal: str) -> None:
    dbc_table = {label: raw for raw, label in Codec.load(DBC).specs[message].choices[signal].items()}
    assert dbc_table == contract.ENUMS[(message, signal)]


def test_contract_value_tables_are_the_python_enums() -> None:
    assert contract.ENUMS[("TCU_Status", "ShiftRejectReason")] == {r.name: r.value for r in RejectReason}
    assert contract.ENUMS[("TCU_Status", "GearActual")]["R"] == Gear.R == 9
    assert contract.ENUMS[("TCU_Status", "GearActual")]["8"] == 8


def test_dbc_that_moves_an_enum_value_is_refused_with_both_numbers(tmp_path: Path) -> None:
    path = _broken(tmp_path, '1 "OVERREV" 2 "UNDERREV"', '1 "UNDERREV" 2 "OVERREV"')
    with pytest.raises(DbcError, match=r"1 should be OVERREV \(DBC: UNDERREV\), 2 should be UNDERREV") as err:
        Codec.load(path)
    assert err.value.key == "TCU_Status.ShiftRejectReason"


def test_dbc_that_drops_an_enum_value_is_refused(tmp_path: Path) -> None:
    path = _broken(tmp_path, ' 6 "INPUT_LOST"', "")
    with pytest.raises(DbcError, match=r"6 should be INPUT_LOST \(DBC: none\)"):
        Codec.load(path)


def test_safety_messages_have_the_lowest_ids() -> None:
    codec = Codec.load(DBC)
    ids = {n: s.frame_id for n, s in codec.specs.items()}
    assert ids["HHB_Status"] == min(ids.values())
    assert ids["DRV_Controls"] < ids["TCU_Status"]


def _broken(tmp_path: Path, old: str, new: str) -> Path:
    text = DBC.read_text()
    assert old in text
    path = tmp_path / "broken.dbc"
    path.write_text(text.replace(old, new, 1))
    return path


def test_dbc_missing_a_contract_signal_is_refused_with_the_signal_named(tmp_path: Path) -> None:
    path = _broken(tmp_path, " SG_ PaddleUp ", " SG_ PaddleUpp ")
    with pytest.raises(DbcError) as err:
        Codec.load(path)
    assert err.value.file == str(path)
    assert err.value.key == "DRV_Controls.PaddleUp"


def test_dbc_with_a_wrong_cycle_time_is_refused(tmp_path: Path) -> None:
    path = _broken(tmp_path, 'BA_ "GenMsgCycleTime" BO_ 128 10;', 'BA_ "GenMsgCycleTime" BO_ 128 20;')
    with pytest.raises(DbcError, match=r"ECM_Engine.GenMsgCycleTime: is 20 ms, contract says 10"):
        Codec.load(path)


def test_dbc_that_does_not_parse_is_refused_with_the_file_named(tmp_path: Path) -> None:
    path = _broken(tmp_path, "BO_ 96 DRV_Controls: 8 DRV", "BO_ 96 DRV_Controls 8 DRV")
    with pytest.raises(DbcError, match="does not load") as err:
        Codec.load(path)
    assert err.value.file == str(path)


@pytest.mark.parametrize(
    ("edit", "key", "reason"),
    [   # each of these crashed `hil run` (OverflowError, KeyError)
        ((" SG_ EngineSpeed : 16|16@1+", " SG_ EngineSpeed : 16|8@1+"), "ECM_Engine.EngineSpeed", "needs 0..9000"),
        ((" SG_ EngineStalled : 13|1@1+", " SG_ EngineStall : 13|1@1+"), "ECM_Engine.EngineStalled", "missing"),
        ((" SG_ ConverterLockup : 27|1@1+ (1,0) [0|1]", " SG_ ConverterLockup : 27|1@1+ (1,0) [0|0.5]"),
         "TCU_Status.ConverterLockup", "needs 0..1"),
        ((" SG_ OutputSpeed : 40|14@1+ (0.5,0)", " SG_ OutputSpeed : 40|14@1+ (0,0)"),
         "TCU_Status.OutputSpeed", "scale"),
        ((" SG_ Selector : 14|3@1+ (1,0)", " SG_ Selector : 14|3@1+ (2,0)"), "DRV_Controls.Selector", "scale 1"),
        (("BO_ 992 TCU_Identity: 8 TCU", "BO_ 992 TCU_Ident: 8 TCU"), "TCU_Identity", "missing"),
    ],
)
def test_dbc_that_run_would_trip_on_is_refused_by_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], edit: tuple[str, str], key: str, reason: str,
) -> None:
    path = _broken(tmp_path, *edit)
    with pytest.raises(DbcError) as err:
        Codec.load(path)
    assert err.value.key == key
    assert reason in err.value.reason
    rig = tmp_path / "rig.toml"
    rig.write_text((ROOT / "rigs" / "virtual.toml").read_text().replace('"../', f'"{ROOT}/').replace(
        f'"{DBC}"', f'"{path}"'))
    assert main(["check", str(rig)]) == 2
    assert f"{path}: {key}" in capsys.readouterr().err


def test_a_signals_limits_are_what_its_bits_carry_not_only_what_the_dbc_declares(tmp_path: Path) -> None:
    path = _broken(tmp_path, " SG_ DeadTimeMs : 32|12@1+ (1,0) [0|4095]", " SG_ DeadTimeMs : 32|6@1+ (1,0) [0|4095]")
    db = cantools.database.load_file(str(path))
    message = db.get_message_by_name("TCU_ShiftEvent")
    assert signal_limits(message.get_signal_by_name("DeadTimeMs"), "k", str(path)) == (0.0, 63.0)
    assert signal_limits(message.get_signal_by_name("ShiftTimeMs"), "k", str(path)) == (0.0, 4095.0)
