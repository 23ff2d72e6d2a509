"""`--mqtt` takes HOST[:PORT], mqtt:// and mqtts://; an unreachable broker is said on stderr, counts end the run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from hil.cli import main
from hil.config.rig import load_rig
from hil.errors import UsageError
from hil.mqtt.config import BrokerAddress, parse_broker
from tests.mqtt.conftest import Broker, free_port
from tests.support import ROOT, VIRTUAL_RIG, unique_channel


@pytest.mark.parametrize(("text", "address"), [
    ("broker.lan", BrokerAddress("broker.lan", None, None)),
    ("127.0.0.1:1884", BrokerAddress("127.0.0.1", 1884, None)),
    ("mqtt://broker.lan", BrokerAddress("broker.lan", 1883, False)),
    ("mqtts://broker.lan", BrokerAddress("broker.lan", 8883, True)),
    ("mqtts://[::1]:9883/", BrokerAddress("::1", 9883, True)),
])
def test_broker_addresses_in_every_form_tools_use(text: str, address: BrokerAddress) -> None:
    assert parse_broker(text) == address


@pytest.mark.parametrize(("text", "reason"), [
    ("ws://broker.lan", "the scheme must be mqtt:// or mqtts://"),
    ("mqtt://user:secret@broker.lan", "only HOST[:PORT] after the scheme"),
    ("mqtt://broker.lan:99999", "port must be 1..65535"),
])
def test_a_broker_address_hil_cannot_use_is_refused_with_the_reason(text: str, reason: str) -> None:
    with pytest.raises(UsageError, match=reason.replace("[", r"\[").replace("]", r"\]")):
        parse_broker(text)


def test_mqtts_turns_tls_on_with_the_system_cas_and_mqtt_turns_it_off() -> None:
    secure = load_rig(VIRTUAL_RIG).with_broker("mqtts://broker.lan")
    assert secure.spec.mqtt is not None and secure.spec.mqtt.port == 8883
    assert secure.spec.mqtt.tls is not None and secure.spec.mqtt.tls.ca_file is None
    plain = secure.with_broker("mqtt://broker.lan")
    assert plain.spec.mqtt is not None and plain.spec.mqtt.tls is None and plain.spec.mqtt.port == 1883


def test_an_unreachable_broker_is_said_on_stderr_and_the_run_goes_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    port = free_port()  # nothing listens there
    assert main(["run", "--duration", "2", "--out", str(tmp_path / "r"), "--channel", unique_channel(),
                 "--mqtt", f"mqtt://127.0.0.1:{port}"]) == 0
    captured = capsys.readouterr()
    assert f"warning: MQTT broker 127.0.0.1:{port} unreachable" in captured.err
    assert f"mqtt 127.0.0.1:{port}: 0 published" in captured.out
    assert (tmp_path / "r" / "run.json").is_file()


@pytest.mark.mqtt
def test_a_run_with_a_broker_url_publishes_and_counts_what_it_sent(
    broker: Broker, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", "--duration", "2", "--out", str(tmp_path / "r"), "--channel", unique_channel(),
                 "--mqtt", f"mqtt://127.0.0.1:{broker.port}"]) == 0
    summary = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("mqtt "))
    published = int(summary.split(": ")[1].split()[0])
    assert published > 0 and "events dropped" in summary


def test_without_the_mqtt_extra_the_bridge_is_skipped_with_one_line(tmp_path: Path) -> None:
    code = ("import sys\nsys.modules['aiomqtt'] = None\nfrom hil.cli import main\n"
            f"sys.exit(main(['run', '--duration', '1', '--out', 'r', '--channel', {unique_channel()!r}, "
            "'--mqtt', '127.0.0.1:1883']))\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env={"PYTHONPATH": str(ROOT)},
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "warning: MQTT to 127.0.0.1:1883 skipped: needs the [mqtt] extra" in done.stderr
    assert "Traceback" not in done.stderr
