"""Issue 19, item 5: the LocalCluster terreinen starts is private: TLS with certificates of
this run only, so another local process that finds its port cannot connect (and so cannot
run code in terreinen's workers); no dashboard or other HTTP page."""

from __future__ import annotations

import urllib.error
import urllib.request

import psutil
import pytest
from distributed import Client
from distributed.security import Security

from terreinen.distributed import _client


@pytest.fixture(scope="module")
def private():
    with _client(None) as client:
        yield client


def refused(address: str, **kwargs) -> bool:
    try:
        with Client(address, timeout=5, **kwargs) as intruder:
            intruder.submit(sum, [1, 2]).result(timeout=5)
    except Exception:  # any failure to connect or to run: refused
        return True
    return False


def test_the_cluster_speaks_tls_and_works(private):
    assert private.scheduler.address.startswith("tls://127.0.0.1:")
    assert private.submit(sum, [1, 2]).result() == 3


def test_a_second_client_without_the_credentials_is_refused(private):
    address = private.scheduler.address
    assert refused(address)  # no certificate at all
    assert refused(address.replace("tls://", "tcp://"))  # plain TCP on the same port
    assert refused(address, security=Security.temporary())  # a certificate of its own


def test_no_dashboard_and_no_page_is_served(private):
    processes = [psutil.Process(), *psutil.Process().children(recursive=True)]
    listening = [c.laddr for p in processes for c in p.net_connections() if c.status == "LISTEN"]
    assert listening and {a.ip for a in listening} == {"127.0.0.1"}
    assert 8787 not in {a.port for a in listening}
    for address in listening:
        for page in ("/status", "/metrics", "/info/main/workers.html", "/health"):
            with pytest.raises((urllib.error.URLError, ConnectionError, OSError)):
                urllib.request.urlopen(f"http://127.0.0.1:{address.port}{page}", timeout=2)
