"""Schemathesis fuzzes the API from its OpenAPI document: no request may make a 5xx."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from catalog import open_catalog
from catalog.tokens import create_token

from .conftest import running_server

pytestmark = pytest.mark.slow
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")


@pytest.fixture(scope="module")
def fuzzed_site(site, tmp_path_factory):
    """A copy of the site (producer routes change it) and a token for them."""
    data = tmp_path_factory.mktemp("fuzz") / "data"
    shutil.copytree(site.data_dir, data, symlinks=True)
    catalog = open_catalog(f"sqlite:///{data / 'sabaq.sqlite3'}")
    with catalog.session() as session:
        token = create_token(session, "fuzzer")
    catalog.dispose()
    return data, token


@pytest.mark.parametrize("with_token", [False, True], ids=["anonymous", "producer"])
def test_no_generated_request_gives_a_server_error(fuzzed_site, with_token, tmp_path):
    data, token = fuzzed_site
    if not SCHEMATHESIS.exists():
        pytest.fail("schemathesis missing: `make test` installs the test extras")
    with running_server(data) as (base, process):
        command = [
            str(SCHEMATHESIS),
            "run",
            f"{base}/api/openapi.json",
            "--checks",
            "not_a_server_error",
            "--max-examples",
            "25",
            "--seed",
            "7",
            "--no-color",
            "--generation-database",
            "none",
            "--report-dir",
            str(tmp_path),
        ]
        if with_token:
            command += ["--header", f"Authorization: Bearer {token}"]
        result = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
        assert process.poll() is None, "the server died under fuzzing"
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "generated" in result.stdout
