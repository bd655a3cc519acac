"""A throwaway Kannel for the test session: bearerbox + smsbox, with Kannel's fakesmsc as the operator.

Config, logs and fakesmsc's output live in a temp dir; every port is a free one. Kannel runs as the
current user, root included (it needs no privilege: nothing below 1024, no file outside the temp dir).
fakesmsc speaks to bearerbox's `smsc = fake` port: what Kannel sends a phone appears in its output
("Got message N: <from to text ...>"), and the messages it is started with are texts "typed" on a phone."""

import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar
from urllib.parse import unquote_to_bytes

from tests.support.postgres import free_port

BEARERBOX = Path("/usr/sbin/bearerbox")
SMSBOX = Path("/usr/sbin/smsbox")
FAKESMSC = Path("/usr/lib/kannel/test/fakesmsc")
USERNAME, PASSWORD = "acquis", "sendsms-secret"
TOKEN = "kannel-test-token"
Found = TypeVar("Found")
GOT = re.compile(r"Got message \d+: <(\S+) (\S+) (text|ucs-2|data) ?(.*)>$")

CONFIG = """\
group = core
admin-port = {admin_port}
admin-password = admin-secret
admin-allow-ip = "127.0.0.1"
smsbox-port = {smsbox_port}
box-allow-ip = "127.0.0.1"
log-file = "{dir}/bearerbox.log"
log-level = 0
access-log = "{dir}/access.log"
dlr-storage = internal

group = smsc
smsc = fake
smsc-id = FAKE
port = {fake_port}
connect-allow-ip = "127.0.0.1"

group = smsbox
bearerbox-host = 127.0.0.1
sendsms-port = {sendsms_port}
sendsms-interface = 127.0.0.1
log-file = "{dir}/smsbox.log"
log-level = 0

group = sendsms-user
username = {username}
password = {password}
concatenation = true
max-messages = 3

group = sms-service
keyword = default
catch-all = true
get-url = "http://127.0.0.1:{callback_port}/sms/incoming?token={token}&from=%p&text=%a"
max-messages = 3
concatenation = true
omit-empty = true
"""


def available() -> bool:
    return all(path.exists() for path in (BEARERBOX, SMSBOX, FAKESMSC))


def decode(kind: str, data: str) -> str:
    """fakesmsc's rendering of a message's text: plain, or URL-encoded UCS-2 (big-endian)."""
    if kind == "ucs-2":
        return unquote_to_bytes(data.replace("+", "%20")).decode("utf-16-be")
    if kind == "data":
        return unquote_to_bytes(data.replace("+", "%20")).decode("latin-1")
    return data


class Kannel:
    """One gateway; `callback_port` is where the test serves Acquis (get-url and dlr-url point there)."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="acquis-kannel-"))
        self.ports = {name: free_port() for name in ("admin_port", "smsbox_port", "fake_port", "sendsms_port",
                                                     "callback_port")}
        self.config = self.dir / "kannel.conf"
        self.config.write_text(CONFIG.format(dir=self.dir, username=USERNAME, password=PASSWORD, token=TOKEN,
                                             **self.ports))
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.phone_output: Path | None = None
        self.runs = 0

    @property
    def sendsms_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['sendsms_port']}/cgi-bin/sendsms"

    @property
    def callback_port(self) -> int:
        return self.ports["callback_port"]

    def start(self) -> "Kannel":
        self._spawn("bearerbox", [str(BEARERBOX), str(self.config)])
        _wait_for_port(self.ports["smsbox_port"], "bearerbox")
        self.start_smsbox()
        self.operator()
        return self

    def start_smsbox(self) -> None:
        self._spawn("smsbox", [str(SMSBOX), str(self.config)])
        _wait_for_port(self.ports["sendsms_port"], "smsbox")

    def stop_smsbox(self) -> None:
        """Kannel's HTTP side goes away: sendsms refuses connections, as when the gateway is down."""
        self._end("smsbox")

    def operator(self, *typed: str) -> None:
        """(Re)connect fakesmsc, sending `typed` ("FROM TO text WORDS") as texts from phones; bearerbox takes one
        fakesmsc at a time, and queues what it sends while none is connected."""
        self._end("fakesmsc")
        self.runs += 1
        self.phone_output = self.dir / f"fakesmsc-{self.runs}.out"
        command = [str(FAKESMSC), "-H", "127.0.0.1", "-r", str(self.ports["fake_port"]), "-i", "0.1",
                   "-m", str(len(typed)), *(typed or ("0 0 text unused",))]
        self._spawn("fakesmsc", command, output=self.phone_output)

    def received(self) -> list[tuple[str, str, str]]:
        """What the phones got so far: (from, to, text)."""
        if self.phone_output is None or not self.phone_output.exists():
            return []
        found = []
        for line in self.phone_output.read_text(errors="replace").splitlines():
            match = GOT.search(line)
            if match:
                found.append((match[1], match[2], decode(match[3], match[4])))
        return found

    def wait_for(self, condition: Callable[[], Found], what: str, seconds: float = 20) -> Found:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            value = condition()
            if value:
                return value
            time.sleep(0.05)
        raise AssertionError(f"{what}: not within {seconds} s\n{self.logs()}")

    def logs(self) -> str:
        tails = []
        for name in sorted(self.dir.glob("*.log")) + sorted(self.dir.glob("*.out")):
            tails.append(f"--- {name.name}\n" + "\n".join(name.read_text(errors="replace").splitlines()[-15:]))
        return "\n".join(tails)

    def stop(self) -> None:
        try:
            for name in ("fakesmsc", "smsbox", "bearerbox"):
                self._end(name)
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    def _spawn(self, name: str, command: list[str], output: Path | None = None) -> None:
        target = output or self.dir / f"{name}.out"
        with target.open("ab") as out:
            self.processes[name] = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, cwd=self.dir,
                                                    start_new_session=True)

    def _end(self, name: str) -> None:
        process = self.processes.pop(name, None)
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def _wait_for_port(port: int, what: str, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"{what} did not open port {port} within {seconds} s")
