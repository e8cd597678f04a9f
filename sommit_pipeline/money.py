"""Money typed by people: euros with a decimal point or comma, to integer cents."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation


def euros_to_cents(text: str) -> int:
    """ "231,00" or "231.00" -> 23100; refuses fractions of a cent and non-numbers."""
    try:
        cents = Decimal(text.strip().replace(",", ".")) * 100
    except InvalidOperation:
        raise ValueError(f"{text!r} is not an amount in euros") from None
    if cents != cents.to_integral_value():
        raise ValueError(f"{text!r} has more than two decimals")
    return int(cents)
