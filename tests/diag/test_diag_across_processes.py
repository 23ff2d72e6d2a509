"""`hil diag` in one process against `hil serve` in another, over udp_multicast, in a private network
namespace (only loopback: multicast never leaves it). The served stage silences the ABS for 1.5 s:
afterwards the TCU's DTC for it is read (confirmed), cleared now that the cause is gone, and the VIN
and a negative response come back."""

from __future__ import annotations

import sys
from pathlib import Path

from tests.netns import needs_netns, run_isolated
from tests.support import ROOT

pytestmark = needs_netns

STAGE = """stage: abs_lost
duration: 60 s
steps:
  - {at: 0 s, accel: 0 %}
faults:
  - {at: 500 ms, for: 1500 ms, node: ABS, kind: silence}
"""


def test_hil_diag_reads_and_clears_a_dtc_caused_by_a_fault_served_by_another_process(tmp_path: Path) -> None:
    (tmp_path / "abs_lost.yaml").write_text(STAGE)
    hil = f"{sys.executable} -m hil.cli"
    rig = ROOT / "rigs" / "udp.toml"
    script = f"""
{hil} serve {rig} --stage {tmp_path}/abs_lost.yaml --out {tmp_path}/serve > {tmp_path}/serve.txt 2>&1 &
srv=$!
sleep 2.5
{hil} diag {rig} --timeout 3 read-did 0xF190 > {tmp_path}/vin.txt
{hil} diag {rig} --timeout 3 --node TCU read-dtc > {tmp_path}/after.txt
{hil} diag {rig} --timeout 3 clear-dtc > {tmp_path}/clear.txt
{hil} diag {rig} --timeout 3 read-dtc --mask 0x08 > {tmp_path}/cleared.txt
set +e
{hil} diag {rig} --timeout 3 read-did 0x1234 > {tmp_path}/nrc.txt 2>&1
echo $? > {tmp_path}/nrc.code
kill -TERM $srv
wait $srv
"""
    done = run_isolated(script, timeout_s=120)
    served = (tmp_path / "serve.txt").read_text() if (tmp_path / "serve.txt").exists() else ""
    assert done.returncode == 0, f"{done.stderr}\n{served}"

    def out(name: str) -> str:
        return (tmp_path / name).read_text()

    assert "0xF190 VIN: 'SALEA7EU0T2000001'" in out("vin.txt")
    after = out("after.txt")  # the ABS is back: its test passes again, the DTC stays confirmed
    assert "TCU: 1 DTC(s)" in after and "U0121-00 (0xC12100) status 0x0E" in after and "confirmed" in after
    assert "DTCs cleared" in out("clear.txt")
    assert "TCU: 0 DTC(s) matching status mask 0x08" in out("cleared.txt")
    assert out("nrc.code").strip() == "1" and "negative response 0x31" in out("nrc.txt")
