"""Where parcels come from: a file, or a register (a GeoPackage file or a PostgreSQL URL).

A :class:`Source` prints as a *label*: the path, or the URL without its password (in the
user part or in the query), so that no message, log line, table title or map shows one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

__all__ = ["URL_SCHEMES", "Source", "redacted"]

#: URL schemes of a PostgreSQL register store.
URL_SCHEMES = ("postgresql://", "postgres://")
#: Query parameters of a libpq URL that hold a secret.
_SECRET_PARAMETERS = {"password", "sslpassword"}


def redacted(location: str) -> str:
    """``location`` for messages: a URL's password (``user:secret@`` or ``?password=``)
    replaced by ``***``; any other text as it is.

    >>> redacted("postgresql://root:s3cret@/db?host=/run&password=x&application_name=t")
    'postgresql://root:***@/db?host=%2Frun&password=%2A%2A%2A&application_name=t'
    >>> redacted("kavels.gpkg")
    'kavels.gpkg'
    """
    if not location.startswith(URL_SCHEMES):
        return location
    parts = urlsplit(location)
    netloc = parts.netloc
    if parts.password is not None:
        user, _, host = netloc.rpartition("@")
        netloc = f"{user.partition(':')[0]}:***@{host}"
    query = parse_qsl(parts.query, keep_blank_values=True)
    if any(key in _SECRET_PARAMETERS for key, _ in query):
        query = [(key, "***" if key in _SECRET_PARAMETERS else value) for key, value in query]
        return urlunsplit(parts._replace(netloc=netloc, query=urlencode(query)))
    return urlunsplit(parts._replace(netloc=netloc))


@dataclass(frozen=True)
class Source:
    """A parcels source as the user gave it: a file path, or a register store (a ``.gpkg``
    file or a ``postgresql://`` URL). ``str(source)`` is its redacted :attr:`label`.

    >>> str(Source.of("postgresql://root:s3cret@localhost/db"))
    'postgresql://root:***@localhost/db'
    >>> Source.of("data/kavels.gpkg").name
    'kavels.gpkg'
    """

    location: str

    @classmethod
    def of(cls, value: str | Path | Source) -> Source:
        if isinstance(value, Source):
            return value
        return cls(str(value))

    @property
    def is_url(self) -> bool:
        """A database URL (not a file)."""
        return self.location.startswith(URL_SCHEMES)

    @property
    def path(self) -> Path:
        """The file (a URL has none: its parent folder is the working folder)."""
        return Path("." if self.is_url else self.location)

    @property
    def folder(self) -> Path:
        """Where tables that go with the parcels are looked for (``agreements.csv`` ...)."""
        return Path(".") if self.is_url else self.path.parent

    @property
    def label(self) -> str:
        return redacted(self.location)

    @property
    def name(self) -> str:
        """A short name for titles: the file name, or the label of a URL."""
        return self.label if self.is_url else self.path.name

    def __str__(self) -> str:
        return self.label
