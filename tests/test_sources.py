"""A source's text is a redacted label (issue 18, item 3): no command, message, table title
or map shows a database password, whether it is in the URL's user part or its query."""

from __future__ import annotations

import contextlib
import uuid

import psycopg
import pytest
from conftest import cli, frame, parcel, rect
from test_register import POSTGRES, _admin

from terreinen.io.source import Source, redacted
from terreinen.register import Register

SECRET = "s3cretPW"


def _with_password(url: str, schema: str, where: str) -> str:
    """The test database's URL (a Unix socket: the password is not checked) with a password
    in the user part or in the query, and the schema as search path."""
    joiner = "&" if "?" in url else "?"
    options = f"options=-csearch_path%3D{schema},public"
    if where == "user":
        return url.replace("postgresql://", f"postgresql://root:{SECRET}@", 1) + joiner + options
    return f"{url}{joiner}{options}&password={SECRET}"


@contextlib.contextmanager
def _schema():
    admin = _admin()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin.execute(f"CREATE SCHEMA {schema}")
    try:
        yield schema
    finally:
        admin.execute(f"DROP SCHEMA {schema} CASCADE")
        admin.close()


def test_redacted_hides_the_password_in_the_user_part_and_the_query():
    assert SECRET not in redacted(f"postgresql://root:{SECRET}@db.example/x")
    assert SECRET not in redacted(f"postgres:///x?host=/run&password={SECRET}")
    assert redacted("postgresql://root@db.example/x") == "postgresql://root@db.example/x"
    assert str(Source.of(f"postgresql://a:{SECRET}@h/d")) == "postgresql://a:***@h/d"


@pytest.mark.parametrize("where", ["user", "query"])
def test_no_command_shows_the_password(where, tmp_path):
    with _schema() as schema:
        url = _with_password(POSTGRES, schema, where)
        try:
            psycopg.connect(url, connect_timeout=5).close()
        except psycopg.OperationalError as exc:  # pragma: no cover - a server that checks
            pytest.skip(f"the test database checks passwords ({exc})")
        said: list[str] = []
        # no register there yet: every reading command says so, without the password
        for command in ("capacity", "demand", "map", "overview", "find", "export"):
            result = cli(command, url, "-o" if command != "export" else "--to", tmp_path / "x")
            said += [result.stdout, result.stderr]
        with Register.create(url) as register:
            parcels = frame([parcel("A", rect(0, 0, 100, 100)), parcel("B", rect(100, 0, 50, 50))])
            register.import_delivery(parcels, date="2026-01-01", source="levering", by="test")
        outputs = tmp_path / "out"
        outputs.mkdir()
        who = ("--by", "test", "--reason", "a check")
        runs = [
            ("validate", url),
            ("capacity", url, "--as-of", "2026-06-01"),
            ("demand", url),
            ("find", url, "--min-ha", "0"),
            ("map", url, "-o", outputs / "kaart.html"),
            ("overview", url, "--out-dir", outputs / "kaarten"),
            ("export", url, "--to", outputs / "studie.xlsx"),
            ("export", url, "--to", outputs / "studie.gpkg"),
            ("register", "history", "A", "--store", url),
            ("changes", "--store", url, "--from", "2025-01-01", "--to", "2026-12-31"),
            ("rapport", "Assen", url),
            ("register", "upgrade", "--store", url),
            ("register", "set", "A", "--store", url, "--date", "2026-02-01", *who, "--status",
             "optie"),
            ("register", "correct", "A", "--store", url, "--version", "2", *who, "--date",
             "2026-02-02"),
            ("register", "undo", "A", "--store", url, "--version", "3", *who),
            ("register", "revert", "Assen", "--store", url, "--to", "2026-01-01", "--date",
             "2026-03-01", *who),
            ("register", "set", "Z", "--store", url, "--date", "2026-04-01", *who),  # refused
        ]  # fmt: skip
        for args in runs:
            result = cli(*args)
            assert result.exit_code == (2 if "Z" in args else 0), (args, result.stderr)
            said += [result.stdout, result.stderr]
        written = [path.read_bytes() for path in outputs.rglob("*") if path.is_file()]
    assert written and all(SECRET.encode() not in data for data in written)
    assert all(SECRET not in text for text in said)
