"""The MTA's spam verdicts, as SpamAssassin, rspamd and Microsoft write them."""

from hypothesis import given
from hypothesis import strategies as st

from maild.core import spam

ALL = spam.Policy(spam.KNOWN)


def verdict(policy=ALL, **headers):
    return spam.verdict({k.lower().replace("_", "-"): v for k, v in headers.items()}, policy)


def test_spamassassin_and_rspamd_and_microsoft_spam_is_spam():
    # as SpamAssassin 4 writes them (spamd/spamc, or amavis)
    assert verdict(x_spam_flag=["YES"])
    assert verdict(
        x_spam_status=["Yes, score=1000.0 required=5.0 tests=GTUBE,NO_RECEIVED autolearn=no"]
    )
    # rspamd's milter headers (extended_spam_headers)
    assert verdict(x_spam=["Yes"])
    assert verdict(x_spamd_result=["default: True [16.10 / 15.00]; GTUBE(0.00)[]"])
    assert verdict(
        x_forefront_antispam_report=["CIP:203.0.113.5;CTRY:;LANG:en;SCL:5;SRV:;IPV:NLI;SFV:SPM"]
    )
    assert verdict(x_ms_exchange_organization_scl=["9"])


def test_ham_is_not_spam():
    assert verdict(x_spam_flag=["NO"]) is None
    assert verdict(x_spam_status=["No, score=-0.1 required=5.0 tests=NONE"]) is None
    assert verdict(x_spam=["No"]) is None
    assert verdict(x_spamd_result=["default: False [1.20 / 15.00]; R_SPF_ALLOW(-0.2)"]) is None
    assert verdict(x_forefront_antispam_report=["CIP:1.2.3.4;SCL:1;SFV:NSPM"]) is None
    assert verdict(x_forefront_antispam_report=["CIP:1.2.3.4;SCL:-1;SFV:SKN"]) is None


def test_only_trusted_names_count():
    assert verdict(spam.Policy(), x_spam_flag=["YES"]) is None
    only_rspamd = spam.Policy(frozenset({"x-spam"}))
    assert verdict(only_rspamd, x_spam_flag=["YES"]) is None
    assert verdict(only_rspamd, x_spam=["yes"])


def test_only_the_topmost_header_counts():
    # the filter prepends its verdict: what the sender wrote below it does not count
    assert verdict(x_spam_flag=["YES", "NO"])
    assert verdict(x_spam_flag=["NO", "YES"]) is None


def test_a_score_threshold_of_our_own():
    strict = spam.Policy(spam.KNOWN, score=4.0)
    assert verdict(strict, x_spam_status=["No, score=4.5 required=5.0"])
    assert verdict(strict, x_spamd_result=["default: False [4.00 / 15.00]"])
    assert verdict(strict, x_spam_status=["No, score=3.9 required=5.0"]) is None
    scl = spam.Policy(spam.KNOWN, scl=7)
    assert verdict(scl, x_forefront_antispam_report=["SCL:6;"]) is None


@given(st.text(max_size=300))
def test_any_header_value_reads_without_crashing(value):
    for name in spam.KNOWN:
        result = spam.verdict({name: [value]}, spam.Policy(spam.KNOWN, score=5.0))
        assert result is None or name in result
