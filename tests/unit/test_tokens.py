from hypothesis import given
from hypothesis import strategies as st

from maild.core import tokens

KEY = b"k" * 32
OLD = b"o" * 32
people = st.emails().map(str.lower)
tickets = st.integers(min_value=1, max_value=10**9)


@given(tickets, people)
def test_a_token_verifies_for_its_ticket_and_person_only(ticket, person):
    token = tokens.sign(KEY, ticket, person)
    assert tokens.verify([KEY], token, person)
    assert not tokens.verify([KEY], tokens.Token(ticket + 1, token.mac), person)
    assert not tokens.verify([KEY], token, "x" + person)
    assert not tokens.verify([OLD], token, person)


@given(tickets, people, st.integers(min_value=0, max_value=tokens.MAC_CHARS - 1))
def test_a_flipped_character_fails(ticket, person, index):
    token = tokens.sign(KEY, ticket, person)
    flipped = "a" if token.mac[index] != "a" else "b"
    mac = token.mac[:index] + flipped + token.mac[index + 1 :]
    assert not tokens.verify([KEY], tokens.Token(ticket, mac), person)


def test_the_previous_key_is_accepted_during_rotation():
    token = tokens.sign(OLD, 7, "dana@acme.example")
    assert tokens.verify([KEY, OLD], token, "dana@acme.example")
    assert not tokens.verify([KEY], token, "dana@acme.example")


def test_at_least_80_bits():
    assert tokens.MAC_CHARS * 5 >= 80


@given(tickets, people)
def test_round_trip_through_reply_address_and_message_id(ticket, person):
    token = tokens.sign(KEY, ticket, person)
    address = tokens.reply_address("support@acme.example", token)
    assert tokens.token_from_address("support@acme.example", address.upper()) == token
    msgid = tokens.message_id(token, "abc123", "acme.example")
    assert tokens.token_from_message_id(msgid, "acme.example") == token
    assert tokens.token_from_message_id(msgid, "evil.example") is None


def test_foreign_addresses_carry_no_token():
    assert tokens.token_from_address("support@acme.example", "support@acme.example") is None
    assert tokens.token_from_address("support@acme.example", "sales+t1-x@acme.example") is None
    assert tokens.parse("t1-short") is None
