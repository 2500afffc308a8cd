import pytest
from hypothesis import given
from hypothesis import strategies as st

from maild.core.mail import parse
from tests.conftest import mail

LIMITS = {"max_attachment_bytes": 10**6, "max_message_bytes": 10**7}


def verdict(raw: bytes) -> str | None:
    return parse(raw, **LIMITS).robot


@pytest.mark.parametrize(
    ("headers", "sender", "expected"),
    [
        ({"Auto_Submitted": "auto-replied"}, None, "Auto-Submitted"),
        ({"Auto_Submitted": "auto-generated; owner-email=x@y"}, None, "Auto-Submitted"),
        ({"Precedence": "bulk"}, None, "Precedence"),
        ({"Precedence": "junk"}, None, "Precedence"),
        ({"Precedence": "list"}, None, "Precedence"),
        ({"List_Id": "<news.example.com>"}, None, "mailing list"),
        ({"Return_Path": "<>"}, None, "empty return path"),
        ({}, "MAILER-DAEMON@mx.example.com", "robot sender"),
        ({}, "noreply@shop.example", "robot sender"),
        ({"X_Maild_Loop": "support@acme.example"}, None, "loop"),
        ({"X_Autoreply": "yes"}, None, "auto-reply"),
        ({"X_Auto_Response_Suppress": "OOF"}, None, "auto-reply"),
    ],
)
def test_robots_are_recognised(headers, sender, expected):
    raw = mail(sender=sender or "Sam <sam@example.com>", **headers)
    assert expected in (verdict(raw) or "")


def test_a_bounce_report_is_a_robot():
    raw = (
        b"From: Mail Delivery System <postmaster@mx.example.com>\r\nSubject: Undelivered\r\n"
        b"Content-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n"
        b"--b\r\nContent-Type: text/plain\r\n\r\nfailed\r\n--b\r\n"
        b"Content-Type: message/delivery-status\r\n\r\nStatus: 5.1.1\r\n--b--\r\n"
    )
    assert verdict(raw)


def test_auto_submitted_no_is_a_person():
    assert verdict(mail(Auto_Submitted="no")) is None
    assert verdict(mail(Precedence="normal")) is None


@given(st.sampled_from(["auto-replied", "auto-generated", "auto-notified", "AUTO-REPLIED"]))
def test_any_auto_submitted_value_but_no(value):
    assert verdict(mail(Auto_Submitted=value))
