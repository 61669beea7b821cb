"""engine.compare with ``page``: only that slice of the ranking is built, everything else (count,
picks, reason, savings, exclusions) is what the whole comparison says; and the whole comparison
follows the reference rules (sort_options, the pick_* functions, explain) it is written for."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from selector import engine as e
from tests.selector.test_engine_properties import hours_maps, option_inputs, params


def _run(inputs, hours, p, page=None):
    return e.compare(inputs, lambda slug, count: e.HoursResult(hours=hours[slug]), p, page=page)


@settings(max_examples=300, deadline=None)
@given(option_inputs(local=True), hours_maps, params, st.integers(min_value=0, max_value=9),
       st.one_of(st.none(), st.integers(min_value=1, max_value=9)))
def test_a_page_is_the_slice_of_the_whole_answer(inputs, hours, p, offset, limit):
    whole = _run(inputs, hours, p)
    end = None if limit is None else offset + limit
    paged = _run(inputs, hours, p, page=slice(offset, end))
    assert paged.options == whole.options[offset:end]
    assert paged.count == whole.count == len(whole.options)
    for name in ("cheapest", "fastest", "finishes_first", "recommended", "local", "best_cloud",
                 "recommendation_reason", "savings_amount", "savings_percent", "excluded"):
        assert getattr(paged, name) == getattr(whole, name), name


@settings(max_examples=300, deadline=None)
@given(option_inputs(local=True), hours_maps, params)
def test_the_comparison_follows_the_reference_rules(inputs, hours, p):
    result = _run(inputs, hours, p)
    hours_for = lambda slug, count: e.HoursResult(hours=hours[slug])  # noqa: E731
    priced = [e.price_option(i, hours_for(i.gpu_slug, i.gpu_count)) for i in inputs
              if p.include_unavailable or i.availability != "unavailable"]
    ranked = e.sort_options(priced, p.sort)
    assert result.options == tuple(ranked)
    choosable = [o for o in ranked if e.may_choose(o, p)]
    cheapest = e.pick_cheapest(choosable)
    recommended = e.pick_recommended(choosable, cheapest)
    assert result.cheapest == cheapest and result.fastest == e.pick_fastest(choosable)
    assert result.finishes_first == e.pick_finishes_first(choosable) and result.recommended == recommended
    assert result.best_cloud == e.pick_cheapest([o for o in choosable if not o.input.is_local])
    assert result.recommendation_reason == e.explain(recommended, cheapest, choosable, ranked)
