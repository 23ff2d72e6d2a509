"""The tester side: a udsoncan client over can-isotp on a python-can bus, for a person at the bench.

Real time (a tester waits for answers); used by `hil diag`. Addresses come from the diagnostic
catalog, so the tester and the emulated controllers agree on IDs by construction.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import cast

import can
import isotp
import udsoncan
from udsoncan.client import Client
from udsoncan.connections import PythonIsoTpConnection
from udsoncan.exceptions import NegativeResponseException, TimeoutException, UnexpectedResponseException
from udsoncan.typing import ClientConfig

from hil.diag.catalog import catalog
from hil.diag.dtc import DtcInfo, DtcStatus
from hil.diag.isotp_link import PADDING
from hil.errors import BusError, CheckFailedError

DID_NAMES = {0xF190: "VIN", 0xF188: "software version", 0xF18C: "serial number",
             0xF1A0: "calibration hash (SHA-256, first 8 bytes)"}
ASCII_DIDS = frozenset({0xF190, 0xF188, 0xF18C})


class _Raw(udsoncan.DidCodec):
    """Any DID read as the bytes that follow it (one DID per request)."""

    def decode(self, string_bin: bytes) -> bytes:
        return bytes(string_bin)

    def __len__(self) -> int:
        raise udsoncan.DidCodec.ReadAllRemainingData


@dataclass(frozen=True, slots=True)
class DtcReading:
    code: int
    status: int
    info: DtcInfo | None

    def line(self) -> str:
        bits = [str(b.name).lower() for b in DtcStatus if self.status & b] or ["(no bit set)"]
        text = self.info.text if self.info else "not in this tool's catalog"
        code = self.info.display if self.info else f"0x{self.code:06X}"
        return f"{code} (0x{self.code:06X}) status 0x{self.status:02X} {' '.join(bits)}: {text}"


@contextlib.contextmanager
def uds_client(bus: can.BusABC, node: str, timeout_s: float = 1.0) -> Iterator[Client]:
    diag = catalog()[node]
    address = isotp.Address(isotp.AddressingMode.Normal_11bits, txid=diag.request_id, rxid=diag.response_id)
    stack = isotp.CanStack(bus, address=address, params={
        "tx_padding": PADDING, "tx_data_min_length": 8, "stmin": 0, "blocksize": 0})
    config = cast(ClientConfig, dict(udsoncan.configs.default_client_config))
    config["request_timeout"] = timeout_s
    config["p2_timeout"] = timeout_s
    config["p2_star_timeout"] = timeout_s * 5
    config["data_identifiers"] = {"default": _Raw()}
    client = Client(PythonIsoTpConnection(stack), config=config)
    try:
        with client:
            yield client
    except NegativeResponseException as exc:
        code = exc.response.code
        raise CheckFailedError(f"{node}: negative response 0x{code:02X} ({exc.response.code_name})") from None
    except TimeoutException:
        raise BusError(f"{node}: no answer on 0x{diag.response_id:X} within {timeout_s:g} s") from None
    except UnexpectedResponseException as exc:
        raise BusError(f"{node}: unexpected response: {exc}") from None


def read_dtcs(client: Client, node: str, mask: int = 0xFF) -> list[DtcReading]:
    known = {d.info.code: d.info for d in catalog()[node].dtcs}
    response = client.get_dtc_by_status_mask(mask)
    assert response is not None  # udsoncan returns None only when the positive response is suppressed
    dtcs = response.service_data.dtcs
    return [DtcReading(d.id, d.status.get_byte_as_int(), known.get(d.id)) for d in dtcs]


def read_did(client: Client, did: int) -> bytes:
    response = client.read_data_by_identifier(did)
    assert response is not None
    value = response.service_data.values[did]
    return bytes(value)


def describe_did(did: int, value: bytes) -> str:
    if did in ASCII_DIDS and value.isascii():
        return f"0x{did:04X} {DID_NAMES[did]}: {value.decode('ascii')!r}"
    live = {d.did: d for n in catalog().values() for d in n.dids}.get(did)
    what = f"{live.name} ({live.encoding})" if live else DID_NAMES.get(did, "data")
    return f"0x{did:04X} {what}: {value.hex(' ')}"
