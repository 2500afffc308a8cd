"""The reply splitter on replies written the way common mail clients write them."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from maild.core.reply import new_text

NEW = "#close\n\nThanks Sam, the refund is on its way."
QUOTE = "> New ticket #1 from Sam\n> #credit 500\n> Please help"

CLIENTS = {
    "gmail": f"{NEW}\n\nOn Mon, Nov 23, 2026 at 9:00 AM Acme Support <support@acme.example> "
    f"wrote:\n{QUOTE}\n",
    "outlook desktop": f"{NEW}\n\nFrom: Acme Support <support@acme.example>\nSent: Monday, "
    "November 23, 2026 9:00 AM\nTo: Dana <dana@acme.example>\nSubject: [#1] "
    "New: Kettle\n\nNew ticket #1 from Sam\n#credit 500\n",
    "outlook web": f"{NEW}\n\n________________________________\nFrom: Acme Support "
    "<support@acme.example>\nSent: Monday, November 23, 2026 09:00\nTo: Dana\n"
    "Subject: [#1] New: Kettle\n\n#credit 500\n",
    "apple mail": f"{NEW}\n\n> On 23 Nov 2026, at 09:00, Acme Support <support@acme.example> "
    f"wrote:\n> \n{QUOTE}\n",
    "thunderbird": f"{NEW}\n\nOn 23.11.26 09:00, Acme Support wrote:\n{QUOTE}\n",
    "iphone": f"{NEW}\n\nSent from my iPhone\n\n> On 23 Nov 2026, at 09:00, Acme Support "
    f"wrote:\n{QUOTE}\n",
    "android": f"{NEW}\n\nGet Outlook for Android\n{QUOTE}\n",
    "german": f"{NEW}\n\nAm 23.11.2026 um 09:00 schrieb Acme Support <support@acme.example>:"
    f"\n{QUOTE}\n",
    "french": f"{NEW}\n\nLe lun. 23 nov. 2026 à 09:00, Acme Support <support@acme.example> a "
    f"écrit :\n{QUOTE}\n",
    "spanish": f"{NEW}\n\nEl lun, 23 nov 2026 a las 9:00, Acme Support "
    f"(<support@acme.example>) escribió:\n{QUOTE}\n",
    "signature": f"{NEW}\n\n-- \nDana Agent\nAcme Support\n#credit 500\n",
    "bottom-posted": f"On Mon, Acme Support wrote:\n{QUOTE}\n\n{NEW}\n",
}


@pytest.mark.parametrize("client", sorted(CLIENTS))
def test_only_the_new_text_remains(client):
    assert new_text(CLIENTS[client]) == NEW


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300))
def test_a_quoted_line_never_survives(text):
    quoted = "\n".join("> " + line for line in text.split("\n"))
    assert not any(
        line.lstrip().startswith(">") for line in new_text(f"ok\n\n{quoted}").split("\n")
    )
