"""pricing.providers.base helpers: upstream numbers are parsed as bounded ASCII integers."""

import pytest

from pricing.providers.base import positive_int


@pytest.mark.parametrize("raw, expected", [
    (1, 1), (8.0, 8), ("4", 4), (" 2 ", 2),
    ("²", None), ("①", None), ("٣", None), ("1" * 5000, None), ("9" * 30, None), (10**30, None),
    (0, None), (-1, None), (True, None), ("1.5", None), (None, None),
])
def test_it_reads_only_bounded_ascii_integers(raw, expected):
    assert positive_int(raw) == expected
