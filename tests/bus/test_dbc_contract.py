"""The DBC loads cleanly, holds the contract, and a broken DBC is refused with file and key."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from hil.bus import contract
from hil.bus.codec import Codec
from hil.errors import DbcError
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


def test_every_enum_of_the_contract_has_its_value_table() -> None:
    codec = Codec.load(DBC)
    for (name, sig), values in contract.CHOICES.items():
        assert set(values) <= set(codec.specs[name].choices[sig].values())


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
