"""Sending over STARTTLS with AUTH, and over implicit TLS, to a real aiosmtpd server."""

import ssl
import subprocess

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from maild.adapters.db.models import Outbox
from maild.core.intake import RawMail
from tests.conftest import mail
from tests.integration.helpers import rows
from tests.peers import SinkHandler, free_port


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1,DNS:localhost",
        ],
        check=True,
        capture_output=True,
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return cert, context


def authenticator(server, session, envelope, mechanism, data):
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (b"maild", b"s3cret")
    # handled=False: aiosmtpd answers the refusal itself (535).
    return AuthResult(success=ok, handled=False)


def serve(handler, port, **tls):
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=port,
        authenticator=authenticator,
        auth_required=True,
        **tls,
    )
    controller.start()
    return controller


@pytest.fixture
def starttls_sink(certificate):
    """An aiosmtpd server that requires STARTTLS and AUTH."""
    _cert, context = certificate
    handler, port = SinkHandler(), free_port()
    controller = serve(handler, port, tls_context=context, require_starttls=True)
    yield handler, port
    controller.stop()


# With implicit TLS the whole connection is encrypted, but aiosmtpd only knows
# STARTTLS and warns about AUTH "without TLS" for every connection.
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_tls_and_auth(make_app, certificate, security, monkeypatch):
    cert, context = certificate
    handler, port = SinkHandler(), free_port()
    if security == "starttls":
        controller = serve(handler, port, tls_context=context, require_starttls=True)
    else:
        # Implicit TLS: aiosmtpd only counts STARTTLS as TLS, so allow AUTH explicitly.
        controller = serve(handler, port, ssl_context=context, auth_require_tls=False)
    monkeypatch.setenv("MAILD_SMTP_PASSWORD", "s3cret")
    try:
        app = make_app(
            smtp={
                "host": "127.0.0.1",
                "port": port,
                "security": security,
                "username": "maild",
                "ca_file": str(cert),
            }
        )
        app.ingest([RawMail(mail())])
        app.sender.drain()
        assert len(handler.wait_for(3)) == 3
        assert {o.status for o in rows(app, Outbox)} == {"sent"}
    finally:
        controller.stop()


def test_an_untrusted_certificate_is_refused_and_mail_waits(make_app, starttls_sink):
    handler, port = starttls_sink
    app = make_app(smtp={"host": "127.0.0.1", "port": port, "security": "starttls"})
    app.ingest([RawMail(mail())])
    app.sender.drain()
    assert handler.received == []
    assert {o.status for o in rows(app, Outbox)} == {"queued"}
    assert all("CERTIFICATE_VERIFY_FAILED" in o.last_error for o in rows(app, Outbox))


def test_wrong_credentials_keep_mail_queued(make_app, certificate, starttls_sink, monkeypatch):
    cert, _context = certificate
    _handler, port = starttls_sink
    monkeypatch.setenv("MAILD_SMTP_PASSWORD", "wrong")
    app = make_app(
        smtp={
            "host": "127.0.0.1",
            "port": port,
            "security": "starttls",
            "username": "maild",
            "ca_file": str(cert),
        }
    )
    app.ingest([RawMail(mail())])
    app.sender.drain()
    assert {o.status for o in rows(app, Outbox)} == {"queued"}  # an operator fixes it
    assert all("535" in o.last_error for o in rows(app, Outbox))
