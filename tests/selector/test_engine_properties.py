"""Property tests: the picking rules hold for any set of options."""

from __future__ import annotations

from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st

from selector import engine as e

SLUGS = ("rtx-4090", "a100-80gb-sxm", "h100-sxm")


@st.composite
def option_inputs(draw, local: bool = False):
    n = draw(st.integers(min_value=0, max_value=8))
    out = []
    for i in range(n):
        lo = draw(st.integers(min_value=0, max_value=10))
        out.append(e.OptionInput(
            id=f"p{i}:sku:{i}:1", provider=f"p{i % 3}", provider_name="P", gpu_slug=draw(st.sampled_from(SLUGS)),
            gpu_type="G", gpu_count=draw(st.sampled_from((1, 2, 8))), gpu_memory_gb=80,
            hourly_rate=draw(st.decimals(min_value=D("0.01"), max_value=D("60"), places=4)),
            setup_minutes=(lo, lo + draw(st.integers(min_value=0, max_value=10))), setup_time="",
            billing_increment_seconds=draw(st.sampled_from((1, 60, 3600))),
            availability=draw(st.sampled_from(e.AVAILABILITY_LEVELS)), source="live",
            interruptible=draw(st.booleans()),
        ))
    if local and draw(st.booleans()):
        out.append(e.OptionInput(
            id="local:rtx-4090", provider="local", provider_name="Local GPU", gpu_slug="rtx-4090", gpu_type="RTX 4090",
            gpu_count=1, gpu_memory_gb=24, setup_minutes=(0, 0), setup_time="", billing_increment_seconds=0,
            hourly_rate=e.local_hourly_rate(draw(st.integers(min_value=50, max_value=1000)),
                                            draw(st.decimals(min_value=D("0"), max_value=D("10"), places=2))),
            availability="high", source="local",
        ))
    return out


hours_maps = st.fixed_dictionaries({s: st.floats(min_value=0.01, max_value=10000) for s in SLUGS})
params = st.builds(e.CompareParams, sort=st.sampled_from(e.SORTS), include_unavailable=st.booleans(),
                   allow_interruptible=st.booleans())


def run(inputs, hours, p):
    return e.compare(inputs, lambda slug, count: e.HoursResult(hours=hours[slug]), p)


@settings(max_examples=300, deadline=None)
@given(option_inputs(local=True), hours_maps, params)
def test_the_picks_follow_the_rules(inputs, hours, p):
    result = run(inputs, hours, p)
    choosable = [o for o in result.options if e.may_choose(o, p)]
    if not choosable:
        assert result.cheapest is result.fastest is result.recommended is None
        return
    # cheapest is the minimum total cost over the options that may be chosen
    assert result.cheapest.total_cost == min(o.total_cost for o in choosable)
    # fastest has the quickest setup
    assert result.fastest.input.setup_minutes[1] == min(o.input.setup_minutes[1] for o in choosable)
    rec = result.recommended
    # recommended is never unavailable, never an interruptible offer unless allowed, and within 20%
    assert rec.input.availability != "unavailable"
    assert p.allow_interruptible or not rec.input.interruptible
    assert rec.total_cost < D("1.2") * result.cheapest.total_cost or rec.total_cost == result.cheapest.total_cost
    # low availability only when no high/medium option is within reach
    within = e.recommendation_candidates(choosable, result.cheapest)
    if any(o.input.availability in ("high", "medium") for o in within):
        assert rec.input.availability != "low"
    # and nothing among the candidates finishes sooner
    assert all(rec.finish_hours <= o.finish_hours for o in within)


@settings(max_examples=200, deadline=None)
@given(option_inputs(local=True), hours_maps, params)
def test_the_savings_formula(inputs, hours, p):
    result = run(inputs, hours, p)
    if result.local is None or result.recommended is None:
        assert result.savings_amount is None
        return
    assert result.savings_amount == result.local.total_cost - result.recommended.total_cost
    if result.local.total_cost:
        expected = result.savings_amount / result.local.total_cost * 100
        assert abs(result.savings_percent - expected) <= D("0.05")


@settings(max_examples=200, deadline=None)
@given(option_inputs(), hours_maps, params)
def test_every_option_is_listed_or_excluded_and_sorted_as_asked(inputs, hours, p):
    result = run(inputs, hours, p)
    assert len(result.options) + len(result.excluded) == len(inputs)
    assert list(result.options) == e.sort_options(result.options, p.sort)
    for o in result.options:
        assert o.total_cost >= 0 and o.total_cost == o.total_cost.quantize(e.CENT)
        if not p.include_unavailable:
            assert o.input.availability != "unavailable"
