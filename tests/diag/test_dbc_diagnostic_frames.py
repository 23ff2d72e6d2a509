"""The diagnostic frames are in the DBC where the contract says, and a DBC that moves one is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from hil.bus import contract
from hil.bus.codec import Codec
from hil.errors import DbcError
from tests.support import ROOT

DBC = ROOT / "dbc" / "d7xr_powertrain.dbc"


def test_every_diagnostic_frame_has_its_id_and_sender_and_no_cycle_or_e2e() -> None:
    codec = Codec.load(DBC)
    for name, (frame_id, sender) in contract.DIAGNOSTIC.items():
        spec = codec.specs[name]
        assert (spec.frame_id, spec.sender, spec.cycle_ns, spec.e2e, spec.length) == (frame_id, sender, None, False, 8)
    ids = {s.frame_id for s in codec.specs.values()}
    assert {0x7DF, 0x7E1, 0x7E2, 0x7E3, 0x7E9, 0x7EA, 0x7EB} <= ids


def test_a_dbc_with_a_moved_response_id_is_refused_naming_the_message(tmp_path: Path) -> None:
    path = tmp_path / "moved.dbc"
    path.write_text(DBC.read_text().replace("BO_ 2025 TCU_DiagResponse", "BO_ 2024 TCU_DiagResponse"))
    with pytest.raises(DbcError) as info:
        Codec.load(path)
    assert info.value.key == "TCU_DiagResponse" and "0x7E9" in info.value.reason
