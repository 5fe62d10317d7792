"""Card checks before anything leaves the platform: Luhn, expiry, CVC; the card never shows in a repr."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from insure.errors import RuleViolation
from insure.payments.cards import Card, brand_of, digits_only, expired, luhn_valid, problems
from insure.payments.processor import tokenize_with

TODAY = dt.date(2026, 11, 23)


@pytest.mark.parametrize(
    "number",
    ["4242424242424242", "4000000000000002", "4000000000009995", "5555555555554444", "378282246310005"],
)
def test_known_test_cards_pass_luhn(number):
    assert luhn_valid(number)


@pytest.mark.parametrize("number", ["4242424242424241", "1234567812345678", "42424242", "4242x24242424242", ""])
def test_bad_numbers_fail_luhn(number):
    assert not luhn_valid(number)


def _luhn_check_digit(body: str) -> str:
    total = 0
    for index, char in enumerate(reversed(body)):
        digit = int(char)
        if index % 2 == 0:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return str((10 - total % 10) % 10)


@given(st.text(alphabet="0123456789", min_size=11, max_size=18))
def test_every_number_with_its_check_digit_passes_and_any_other_digit_fails(body):
    good = body + _luhn_check_digit(body)
    assert luhn_valid(good)
    wrong = body + str((int(good[-1]) + 1) % 10)
    assert not luhn_valid(wrong)


def test_brands_from_leading_digits():
    assert brand_of("4242424242424242") == "visa"
    assert brand_of("5555555555554444") == "mastercard"
    assert brand_of("2223003122003222") == "mastercard"
    assert brand_of("378282246310005") == "amex"
    assert brand_of("6011111111111117") == "discover"


def test_card_is_valid_through_its_expiry_month():
    assert not expired(11, 2026, TODAY)
    assert expired(10, 2026, TODAY)
    assert not expired(1, 2027, TODAY)


def test_a_good_card_has_no_problems():
    card = Card("4242 4242 4242 4242", 12, 2030, "123")
    assert problems(card, today=TODAY) == []
    assert digits_only(card.number) == "4242424242424242"


def test_every_problem_is_a_field_error_the_person_can_correct():
    card = Card("4242424242424241", 10, 2026, "12")
    fields = {e.field for e in problems(card, today=TODAY)}
    assert fields == {"card.number", "card.exp_year", "card.cvc"}


def test_month_out_of_range_and_amex_needs_four_digits():
    assert [e.field for e in problems(Card("4242424242424242", 13, 2030, "123"), today=TODAY)] == ["card.exp_month"]
    assert [e.field for e in problems(Card("378282246310005", 12, 2030, "123"), today=TODAY)] == ["card.cvc"]
    assert problems(Card("378282246310005", 12, 2030, "1234"), today=TODAY) == []


def test_card_repr_hides_number_and_cvc():
    card = Card("4242424242424242", 12, 2030, "987", "Ada")
    shown = repr(card) + str(card) + f"{card}"
    assert "4242424242424242" not in shown
    assert "987" not in shown
    assert "4242" in shown  # the last four only


def test_an_invalid_card_is_refused_before_the_processor_is_called():
    # Given a processor that must not be reached
    class Unreachable:
        def tokenize(self, card, *, client_reference=None):
            raise AssertionError("the processor was called with an invalid card")

    # When an invalid card is tokenized
    with pytest.raises(RuleViolation) as refused:
        tokenize_with(Unreachable(), Card("4242424242424241", 12, 2030, "123"))  # type: ignore[arg-type]
    # Then the field error names the number
    assert [e.field for e in refused.value.errors] == ["card.number"]


def test_payment_request_takes_exactly_one_way_to_pay_and_hides_the_card_in_errors():
    from pydantic import ValidationError

    from insure.applications.models import PaymentRequest

    card = {"number": "4242424242424242", "exp_month": 12, "exp_year": 2030, "cvc": "123"}
    assert PaymentRequest.model_validate({"card": card}).card is not None
    assert PaymentRequest.model_validate({"payment_token": "tok_1"}).payment_token == "tok_1"
    with pytest.raises(ValidationError) as both:
        PaymentRequest.model_validate({"card": card, "payment_token": "tok_1"})
    with pytest.raises(ValidationError) as bad:
        PaymentRequest.model_validate({"card": {**card, "cvc": "12x"}})
    assert "4242424242424242" not in str(both.value) + str(bad.value)
    assert "4242424242424242" not in repr(PaymentRequest.model_validate({"card": card}))
