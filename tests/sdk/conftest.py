"""Starts a real `gdap serve --dev --tls` for the SDK tests and points the SDKs' TLS at its CA.

It also serves on 127.0.0.1:443 (`--also-listen`): MSAL's username/password flow asks the authority's
host for the user realm on port 443 whatever port the authority names. Binding port 443 needs root,
as these tests run in CI.
"""

import os
import re
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WORLD = ROOT / "crates" / "server" / "tests" / "api" / "world.json"


@pytest.fixture(scope="session")
def gdap():
    binary = os.environ.get("GDAP_BIN", str(ROOT / "target" / "debug" / "gdap"))
    tmp = Path(tempfile.mkdtemp(prefix="gdap-sdk-"))
    ca = tmp / "ca.pem"
    proc = subprocess.Popen(
        [binary, "serve", "--dev", "--tls", "--seed", str(WORLD), "--listen", "127.0.0.1:0",
         "--db", str(tmp / "gdap.db"), "--tls-ca-out", str(ca), "--step-seconds", "0.2", "--log", "warn",
         "--also-listen", "127.0.0.1:443"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    base = None
    deadline = time.time() + 30
    lines = []
    while time.time() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        m = re.search(r"listening on (https://\S+)", line)
        if m:
            base = m.group(1)
            break
    if base is None:
        proc.kill()
        raise RuntimeError("gdap did not start:\n" + "".join(lines))
    # Both requests (MSAL, azure-identity) and httpx (the Graph SDK) trust this CA through these.
    os.environ["SSL_CERT_FILE"] = str(ca)
    os.environ["REQUESTS_CA_BUNDLE"] = str(ca)
    yield {"base": base, "ca": str(ca)}
    proc.terminate()
    proc.wait(timeout=30)
