"""`maild ticket N` says each event in words: never a Python dict, list or repr."""

from hypothesis import given
from hypothesis import strategies as st

from maild.timeline import sentence

KEYS = st.text("abcdefghij_", min_size=1, max_size=12)
VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text("abc xyz.@-", max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYS, inner, max_size=3),
    max_leaves=10,
)


def test_a_command_line_reads_as_the_receipt_says_it():
    detail = {
        "message_id": "<m@x>",
        "line": 2,
        "raw": "#credti 5",
        "status": "refused",
        "decision": "error",
        "reason": "unknown command '#credti': did you mean #credit?",
    }
    said = sentence("command", "dana@acme.example", detail)
    assert said == (
        "dana@acme.example, line 2 #credti 5: refused: "
        "unknown command '#credti': did you mean #credit?"
    )


def test_an_unproven_mail_names_the_checks_that_failed():
    detail = {
        "reason": None,
        "auth": {
            "ok": False,
            "checks": [
                {"name": "from", "ok": True, "detail": "dana@acme.example"},
                {"name": "token", "ok": False, "detail": "no token signed for you"},
            ],
        },
    }
    said = sentence("staff_mail_unproven", "dana@acme.example", detail)
    assert said == "a mail from dana@acme.example ran nothing: token: no token signed for you"


def test_any_other_kind_is_said_generically():
    said = sentence("escalated", "dana@acme.example", {"team": "eng", "note": "2 GB", "x": None})
    assert said == "escalated by dana@acme.example; team: eng; note: 2 GB"


@given(KEYS, st.dictionaries(KEYS, VALUES, max_size=4))
def test_no_event_is_ever_printed_as_a_repr(kind, detail):
    said = sentence(kind, "someone@example.com", detail)
    assert not any(mark in said for mark in ("{", "}", "[", "]", "None", "'"))
