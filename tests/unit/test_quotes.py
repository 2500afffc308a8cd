"""Quote reading as a table: (what was written, the new words a person reads).

Both directions: an agent's answer (the words that go to the customer) and a
customer's reply (the words the ticket keeps); plain text and HTML. The
client styles of tests/unit/test_reply.py stay exact beside these.
"""

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from maild.core import reply
from maild.core.model import InboundMail
from maild.core.reply import customer_words
from maild.core.text import html_to_text

HTML = Path(__file__).parents[1] / "corpus" / "html" / "talon"
FINE = "Hi. I am fine.\n\nThanks,\nAlex"

# An agent's answer to a customer: every line the agent wrote goes, no quoted line.
AGENT = {
    "interleaved (mailing-list style)": (
        "Hi Sam,\n\nOn Mon, 23 Nov 2026 at 09:00, Sam <sam@example.com> wrote:\n"
        "> My kettle leaks.\n\nSorry to hear that: a new one is on its way.\n\n"
        "> And the lid is cracked.\n\nThe lid comes with it.\n\nDana",
        "Hi Sam,\n\nSorry to hear that: a new one is on its way.\n\nThe lid comes with it.\n\nDana",
    ),
    "bottom-posted, no attribution (Outlook user)": (
        "> My kettle leaks.\n> Please help.\n\nA new one is on its way.\nDana",
        "A new one is on its way.\nDana",
    ),
    "bottom-posted under a wrapped Gmail attribution": (
        "On Mon, Apr 2, 2012 at 6:26 PM, Megan Odin <\nmegan@example.com> wrote:\n\n> Hi\n\n"
        "Hello Megan,\nall fixed.",
        "Hello Megan,\nall fixed.",
    ),
    "the agent's own line right above a one-line attribution": (
        "Thanks!\nOn Mon, 23 Nov 2026 at 09:00, Sam wrote:\n> Hi",
        "Thanks!",
    ),
    "a sentence that starts like a phone footer": (
        "Sent from my desk, which is easier than my phone.\n\n> Is it fixed?",
        "Sent from my desk, which is easier than my phone.",
    ),
    "Outlook's header block in German": (
        "Erledigt.\n\nVon: Acme Support <support@acme.example>\nGesendet: Montag, 23. November"
        " 2026 09:00\nAn: Dana\nBetreff: Wasserkocher\n\nMein Wasserkocher leckt.",
        "Erledigt.",
    ),
    "Original Message separator": (
        "Done.\n\n-----Original Message-----\nFrom: Sam\nSent: Monday\n\nMy kettle leaks.",
        "Done.",
    ),
    "Hotmail's header block (Date first)": (
        "Done.\n\nDate: Thu, 26 Jun 2014 13:53:45 +0400\nSubject: Test\nFrom: a@example.com\n"
        "To: b@example.com\n\nHello! How are you?",
        "Done.",
    ),
    "Yahoo's dashed attribution over a header block": (
        "Sounds great.\n\n--- On Wed, 4/4/12, x@example.com <x@example.com> wrote:\n\n"
        "From: x@example.com <x@example.com>\nSubject: Booking\nTo: y@example.com\n\nEarlier.",
        "Sounds great.",
    ),
    "Yandex's attribution with neither verb nor language": (
        'Fine.\n\n26.06.2014, 14:41, "Alexander L" <abc@example.com>:\n> Hello! How are you?',
        "Fine.",
    ),
    "Dutch, the verb inside the line, unmarked quote below": (
        "Klaar.\n\nOp 23-11-2026 09:00 schreef Sam de Vries <sam@example.nl>:\n\nMijn ketel lekt.",
        "Klaar.",
    ),
    "Polish, wrapped over two lines, unmarked quote below": (
        "Gotowe.\n\nW dniu 23 listopada 2026 09:00 użytkownik Sam <sam@example.pl>\n"
        "napisał:\n\nCzajnik przecieka.",
        "Gotowe.",
    ),
    "Android's dashed attribution": (
        "Done.\n\n---- Sam Customer wrote ----\n\nMy kettle leaks.",
        "Done.",
    ),
    "an attribution wrapped over three lines": (
        "Done.\n\nOn Nov 23, 2026, at 9:00 AM, Sam <\nsam@example.com>\nwrote:\n\nMy kettle leaks.",
        "Done.",
    ),
    "Gmail's old dated attribution": (
        "Done.\n2026/11/23 Sam Customer <sam@example.com>\n\n> My kettle leaks.",
        "Done.",
    ),
    "a colleague 'wrote:' followed by the agent's own words is no quote": (
        "My colleague wrote:\nthe refund is approved.",
        "My colleague wrote:\nthe refund is approved.",
    ),
}

FOOTERS = (
    "Sent from my iPhone",
    "Sent from my iPad",
    "Von meinem iPhone gesendet",
    "Envoyé de mon iPhone",
    "Enviado desde mi iPhone",
    "Get Outlook for iOS",
    "Get Outlook for Android",
    "Sent from my Samsung Galaxy smartphone.",
    "Sent via the Samsung Galaxy S7, an AT&T 4G LTE smartphone",
    "Sent from Gmail Mobile",
    "Sent from Mail for Windows 10",
)

# A customer's reply on their ticket: what the ticket keeps.
CUSTOMER = {
    "Gmail top-posted": (
        "Hello\n\nOn Mon, Apr 2, 2012 at 6:26 PM, Megan <megan@example.com> wrote:\n"
        "> Hi\n> Is it fixed?",
        "Hello",
    ),
    "no quote: kept whole": ("Thanks!\n\nSam\n-- \nSam Customer, Kettles Inc.", None),
    "an answer between the quoted questions": (
        "> What is your order number?\n4411\n> When did it arrive?\nMonday",
        "4411\nMonday",
    ),
}


def mail_with(text: str) -> InboundMail:
    return InboundMail(
        message_id="<m@x>",
        content_hash="h",
        size=1,
        from_addr="sam@example.com",
        from_name="Sam",
        from_strict=True,
        to_addrs=(),
        subject="Re: x",
        in_reply_to=None,
        references=(),
        date=None,
        text=text,
        text_source="plain",
        attachments=(),
        robot=None,
    )


@pytest.mark.parametrize("case", sorted(AGENT))
def test_an_agents_words_reach_the_customer_and_only_theirs(case):
    written, words = AGENT[case]
    assert reply.new_text(written) == words


@pytest.mark.parametrize("footer", FOOTERS)
def test_real_phone_footers_end_the_words(footer):
    assert reply.new_text(f"On its way.\n\n{footer}\n\n> Is it fixed?") == "On its way."


@pytest.mark.parametrize("case", sorted(CUSTOMER))
def test_a_customers_reply_keeps_their_new_words(case):
    written, words = CUSTOMER[case]
    kept = customer_words(mail_with(written))
    if words is None:  # nothing quoted: the mail as it came, no note
        assert kept.text == written and kept.notes == ()
    else:
        assert kept.text == words
        assert str(kept.notes[-1]).startswith(reply.QUOTE_NOTE)


@pytest.mark.parametrize(
    ("written", "words", "unsure"),
    [
        # a quoted line re-wrapped by a client, or a one-line answer: kept, counted
        ("Yes.\n> a long quoted line that the client\nwrapped here\n> and went on", None, 1),
        # a label above a quote that names nobody: maybe the agent's own words
        ("Here is what I mean:\n> the kettle leaks", "Here is what I mean:", 1),
        ("Fine.\n\nOn Mon, 23 Nov 2026, Sam wrote:\n> quoted", "Fine.", 0),
    ],
)
def test_when_unsure_the_line_is_kept_and_counted(written, words, unsure):
    reading = reply.read(written)
    assert reading.unsure == unsure
    if words is not None:
        assert reading.text == words
    else:
        assert "wrapped here" in reading.text and "> " not in reading.text


@pytest.mark.parametrize(
    "name",
    [
        "mail_ru",
        "yandex_ru",
        "windows_mail",
        "gmail",
        "thunderbird",
        "hotmail",
        "ms_outlook_2003",
        "ms_outlook_2007",
        "ms_outlook_2010",
    ],
)
def test_html_quotes_of_every_client_stay_out(name):
    text = html_to_text((HTML / f"{name}.html").read_text(encoding="utf-8"))
    words = reply.new_text(text)
    assert "How are you" not in words
    assert words.replace("\n\n", "\n") == FINE.replace("\n\n", "\n")


HTML_CASES = {
    "a blockquote of no kind (Yandex)": (
        "<p>Done.</p><p>Sam wrote earlier:</p><blockquote>Is it fixed?</blockquote>",
        "Done.\n\nSam wrote earlier:",
    ),
    "Gmail's indent is the writer's paragraph": (
        '<div>Steps:</div><blockquote style="margin:0 0 0 40px;border:none;padding:0px">'
        "<div>unplug it first</div></blockquote><div>Dana</div>",
        "Steps:\nunplug it first\nDana",
    ),
    "interleaved in HTML": (
        '<div>Hi,</div><blockquote type="cite">Order number?</blockquote><div>4411</div>'
        '<blockquote type="cite">Date?</blockquote><div>Monday</div>',
        "Hi,\n4411\nMonday",
    ),
    "nested quotes": (
        "<div>Yes.</div><blockquote>Is it?<blockquote>It is broken.</blockquote></blockquote>",
        "Yes.",
    ),
}


@pytest.mark.parametrize("case", sorted(HTML_CASES))
def test_html_reading(case):
    html, words = HTML_CASES[case]
    assert reply.new_text(html_to_text(html)) == words


def test_a_history_mail_shows_a_left_out_quote_as_one_line():
    kept = customer_words(mail_with(CUSTOMER["Gmail top-posted"][0]))
    assert str(reply.collapsed(kept.text, kept.notes)) == f"Hello\n\n{reply.COLLAPSED}"
    assert reply.collapsed("Thanks!", ()) == "Thanks!"


_WORDS = st.text(
    alphabet=st.characters(whitelist_categories=("L", "N"), whitelist_characters=" .,!?'()"),
    max_size=60,
)


@given(st.lists(_WORDS, max_size=12))
def test_a_mail_without_quotes_keeps_every_line(lines):
    written = "\n".join(lines)
    expected = "\n".join(line.rstrip() for line in lines)
    while "\n\n\n" in expected:
        expected = expected.replace("\n\n\n", "\n\n")
    assert reply.read(written).text == expected.strip()


@pytest.mark.parametrize(
    "written",
    [
        "On Monday the courier wrote:\nthe parcel is lost, so I write to you.",
        "My colleague wrote:\nthe refund is approved.",
        "I wrote this for you:\nunplug it, wait, plug it in.",
    ],
)
def test_an_attribution_like_sentence_over_the_persons_own_words_cuts_nothing(written):
    assert reply.new_text(written) == written
