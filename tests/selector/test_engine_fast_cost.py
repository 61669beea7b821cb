"""The engine's integer costing (used for every cloud offer) agrees with the Decimal rule it
replaces, half-cent ties included (where it hands over to the Decimal sum)."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from selector import engine


@settings(max_examples=2000, deadline=None)
@given(rate_e4=st.integers(min_value=1, max_value=10_000_000), hours=st.floats(min_value=0, max_value=10_000),
       setup=st.integers(min_value=0, max_value=60), inc=st.sampled_from([0, 1, 60, 3600]))
def test_integer_cost_equals_the_decimal_cost(rate_e4, hours, setup, inc):
    rate = Decimal(rate_e4).scaleb(-4)
    training = engine.round_hours(hours)
    fast = engine.cloud_cost_cents(rate_e4, round(training * 1000), setup, inc)
    slow = engine.cloud_total_cost(rate, training, setup, inc)
    if fast is not None:
        assert Decimal(fast[0]).scaleb(-2) == slow
        assert Decimal(fast[1]) / Decimal(3_600_000) == engine.billed_hours(training, setup, inc)


def test_a_half_cent_tie_goes_to_the_decimal_sum():
    # $0.015/h for 20 minutes is exactly half a cent; the integer path declines to round it.
    assert engine.cloud_cost_cents(150, 333, 0, 1) is not None
    assert engine.cloud_cost_cents(150, 0, 20, 60) is None
    opt = engine.OptionInput(id="x", provider="p", provider_name="P", gpu_slug="a10", gpu_type="A10", gpu_count=1,
                             gpu_memory_gb=24, hourly_rate=Decimal("0.0150"), setup_minutes=(0, 20),
                             setup_time="", billing_increment_seconds=60, availability="high", source="live")
    priced = engine.price_option(opt, engine.HoursResult(hours=0))
    assert priced.total_cost == engine.cloud_total_cost(Decimal("0.0150"), 0, 20, 60)


def test_a_rate_with_more_places_is_costed_in_decimal():
    assert engine.rate_ten_thousandths(Decimal("0.00015")) is None
    assert engine.rate_ten_thousandths(Decimal("2.4900")) == 24900


def test_the_engine_builds_the_same_options_as_price_option():
    """engine.compare builds cloud options its own quick way (``_option``): the same Option, field
    for field, as ``price_option``; equal, same hash and repr."""
    opts = [engine.OptionInput(id=f"x{n}", provider="p", provider_name="P", gpu_slug="a10", gpu_type="A10",
                               gpu_count=1, gpu_memory_gb=24, hourly_rate=Decimal(rate), setup_minutes=(0, 20),
                               setup_time="", billing_increment_seconds=inc, availability="high", source="live")
            for n, (rate, inc) in enumerate([("0.7500", 60), ("0.7500", 60), ("1.1000", 1), ("0.0150", 60)])]
    hours = engine.HoursResult(hours=2.34567, low=2.0, high=3.0, overhead_hours=0.1, min_gpu_count=1)
    got = {o.input.id: o for o in engine.compare(opts, lambda slug, count: hours).options}
    for opt in opts:
        want = engine.price_option(opt, hours)
        assert got[opt.id] == want and hash(got[opt.id]) == hash(want) and repr(got[opt.id]) == repr(want)
        assert type(got[opt.id]) is engine.Option
