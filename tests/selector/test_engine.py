"""The engine without a database: costs to the cent, billing increments, ranking and picks."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from pricing.gpus import GPUS_BY_SLUG
from selector import engine as e


def opt(oid: str, rate: str, *, availability: str = "high", setup: tuple[int, int] = (5, 10), inc: int = 60,
        slug: str = "rtx-4090", count: int = 1, interruptible: bool = False, local: bool = False,
        provider: str | None = None) -> e.OptionInput:
    return e.OptionInput(
        id=oid, provider=provider or ("local" if local else oid.split(":")[0]), provider_name=oid, gpu_slug=slug,
        gpu_type=GPUS_BY_SLUG[slug].name, gpu_count=count, gpu_memory_gb=GPUS_BY_SLUG[slug].memory_gb,
        hourly_rate=D(rate), setup_minutes=(0, 0) if local else setup, setup_time="", billing_increment_seconds=0 if local else inc,
        availability=availability, source="local" if local else "live", interruptible=interruptible,
    )


def local_opt(watts: float = 450, kwh: str = "2.50", slug: str = "rtx-4090") -> e.OptionInput:
    return opt(f"local:{slug}", str(e.local_hourly_rate(watts, D(kwh))), local=True, slug=slug)


def hours_by_slug(**hours: float) -> e.HoursFor:
    return lambda slug, count: e.HoursResult(hours=hours[slug.replace("-", "_")])


FLAT10 = e.flat_hours_for(10)


def test_it_prices_a_cloud_option_with_worst_case_setup_to_the_cent():
    result = e.compare([opt("runpod:a", "0.69")], FLAT10)
    # 0.69 x (10 + 10/60) = 7.015 -> 7.02
    assert result.options[0].total_cost == D("7.02")


def test_it_rounds_half_up_at_the_end():
    # 0.25 x 0.5 h = 0.125: half-up gives 0.13 (banker's rounding would give 0.12)
    assert e.cloud_total_cost(D("0.25"), 0.5, 0, 1) == D("0.13")


@pytest.mark.parametrize("increment, expected", [(1, D("0.06")), (60, D("0.10")), (3600, D("6.00"))])
def test_it_rounds_billed_time_up_to_the_billing_increment(increment, expected):
    # 0.01 h = 36 s of training, no setup, at $6/h
    assert e.cloud_total_cost(D("6"), 0.01, 0, increment) == expected


def test_billed_time_is_not_rounded_up_when_it_is_already_a_whole_increment():
    assert e.billed_hours(1.0, 0, 60) == D(1)
    assert e.billed_hours(0.1, 0, 1) == D("0.1")  # 360 s exactly, no float noise


def test_it_prices_the_local_gpu_from_power_and_electricity():
    # product doc example: RTX 4090 (450 W), 10 h, $2.50/kWh -> 0.45 x 10 x 2.5
    result = e.compare([local_opt()], FLAT10)
    assert result.options[0].total_cost == D("11.25")
    assert e.local_total_cost(450, 10, D("0.15")) == D("0.68")  # 0.675 half-up


def test_it_sorts_by_cost_speed_and_availability():
    opts = [opt("a:1", "3", setup=(1, 2), availability="low"), opt("b:1", "1", setup=(5, 10)),
            opt("c:1", "2", setup=(0, 5), availability="medium")]
    ids = lambda sort: [o.input.id for o in e.compare(opts, FLAT10, e.CompareParams(sort=sort)).options]  # noqa: E731
    assert ids("cost") == ["b:1", "c:1", "a:1"]
    assert ids("speed") == ["a:1", "c:1", "b:1"]
    assert ids("availability") == ["b:1", "c:1", "a:1"]


def test_fastest_is_the_quickest_setup_ties_to_the_cheaper():
    opts = [opt("a:1", "3", setup=(1, 2)), opt("b:1", "2", setup=(0, 2)), opt("c:1", "1", setup=(5, 10))]
    assert e.compare(opts, FLAT10).fastest.input.id == "b:1"


def test_a_cloud_gpu_within_20_percent_of_local_that_finishes_sooner_is_recommended():
    # local 4090: 10 h x 0.45 kW x $2.50 = $11.25; an H100 does it in 2 h: 6.00 x (2 + 2/60) = $12.20 < 13.50
    hours = hours_by_slug(rtx_4090=10, h100_sxm=2)
    result = e.compare([local_opt(), opt("together:h100", "6.00", slug="h100-sxm", setup=(1, 2))], hours)
    assert result.cheapest.input.id == "local:rtx-4090"
    assert result.recommended.input.id == "together:h100"
    assert "sooner" in result.recommendation_reason
    assert result.savings_amount == D("11.25") - D("12.20")
    assert result.savings_percent == D("-8.4")


def test_otherwise_the_cheapest_wins():
    hours = hours_by_slug(rtx_4090=10, h100_sxm=2)
    # 7.00 x 2.0333 = $14.23 > 1.2 x 11.25
    result = e.compare([local_opt(), opt("together:h100", "7.00", slug="h100-sxm", setup=(1, 2))], hours)
    assert result.recommended.input.id == "local:rtx-4090"
    assert result.savings_amount == D("0.00")
    assert "cheapest" in result.recommendation_reason


def test_unavailable_options_are_listed_but_never_chosen():
    opts = [opt("a:1", "0.10", availability="unavailable", setup=(0, 0)), opt("b:1", "1")]
    result = e.compare(opts, FLAT10)
    assert [o.input.id for o in result.options] == ["a:1", "b:1"]
    assert result.cheapest.input.id == result.fastest.input.id == result.recommended.input.id == "b:1"


def test_unavailable_options_are_excluded_when_not_wanted():
    opts = [opt("a:1", "0.10", availability="unavailable"), opt("b:1", "1")]
    result = e.compare(opts, FLAT10, e.CompareParams(include_unavailable=False))
    assert [o.input.id for o in result.options] == ["b:1"]
    assert [(x.option_id, x.code) for x in result.excluded] == [("a:1", "unavailable")]


def test_low_availability_is_dropped_when_high_or_medium_options_are_within_reach():
    # a:1 is cheaper and sets up faster but is low; b:1 (medium) is within 20% -> b:1
    opts = [opt("a:1", "1.00", availability="low", setup=(0, 1)), opt("b:1", "1.10", availability="medium")]
    result = e.compare(opts, FLAT10)
    assert result.cheapest.input.id == "a:1"
    assert result.recommended.input.id == "b:1"
    assert "low" in result.recommendation_reason


def test_low_availability_is_kept_when_nothing_better_is_within_20_percent():
    opts = [opt("a:1", "1.00", availability="low"), opt("b:1", "5.00", availability="high")]
    assert e.compare(opts, FLAT10).recommended.input.id == "a:1"


def test_the_option_that_finishes_first_wins_among_the_candidates_ties_to_the_cheaper():
    opts = [opt("a:1", "1.00", setup=(5, 10)), opt("b:1", "1.05", setup=(1, 2)), opt("c:1", "1.01", setup=(1, 2))]
    assert e.compare(opts, FLAT10).recommended.input.id == "c:1"


def test_interruptible_offers_are_listed_but_not_picked_unless_allowed():
    opts = [opt("vast:bid", "0.20", interruptible=True, setup=(2, 10)), opt("vast:od", "0.35", setup=(2, 10))]
    result = e.compare(opts, FLAT10)
    assert {o.input.id for o in result.options} == {"vast:bid", "vast:od"}
    assert result.cheapest.input.id == result.recommended.input.id == "vast:od"
    allowed = e.compare(opts, FLAT10, e.CompareParams(allow_interruptible=True))
    assert allowed.cheapest.input.id == allowed.recommended.input.id == "vast:bid"


def test_no_options_gives_empty_picks_and_a_reason():
    result = e.compare([], FLAT10)
    assert result.options == () and result.cheapest is None and result.recommended is None
    assert result.fastest is None and result.local is None and result.savings_amount is None
    assert "excluded" in result.recommendation_reason


def test_only_unavailable_options_gives_no_picks():
    result = e.compare([opt("a:1", "1", availability="unavailable")], FLAT10)
    assert len(result.options) == 1 and result.recommended is None
    assert "unavailable" in result.recommendation_reason


def test_a_free_local_gpu_is_still_recommended():
    result = e.compare([local_opt(kwh="0"), opt("a:1", "1")], FLAT10)
    assert result.cheapest.total_cost == 0
    assert result.recommended.input.id == "local:rtx-4090"
    assert result.savings_amount == 0 and result.savings_percent is None


def test_options_the_job_does_not_fit_are_excluded_with_the_reason():
    def hours_for(slug, count):
        if slug == "rtx-3090":
            return e.HoursResult(hours=0, fits=False, memory_needed_gb=40, reason="Needs 40 GB; RTX 3090 has 24 GB")
        return e.HoursResult(hours=3, low=2, high=4.5)

    result = e.compare([opt("a:1", "1", slug="rtx-3090"), opt("b:1", "1", slug="h100-sxm")], hours_for)
    assert [o.input.id for o in result.options] == ["b:1"]
    assert result.options[0].hours_low == 2 and result.options[0].hours_high == 4.5
    assert result.excluded[0].reason == "Needs 40 GB; RTX 3090 has 24 GB"


def test_reference_gpu_scaling_by_peak_throughput_and_gpu_count():
    peak = lambda slug: GPUS_BY_SLUG[slug].peak_tflops  # noqa: E731
    hours_for = e.reference_hours_for(10, peak("rtx-4090"), peak)
    assert hours_for("rtx-4090", 1).hours == pytest.approx(10)
    assert hours_for("h100-sxm", 1).hours == pytest.approx(10 * 165.2 / 989.4)
    assert hours_for("h100-sxm", 2).hours == pytest.approx(10 * 165.2 / (989.4 * 2 * 0.9))
    assert hours_for("h100-sxm", 8).hours == pytest.approx(10 * 165.2 / (989.4 * 8 * 0.9**3))


def test_training_hours_are_rounded_before_costing():
    result = e.compare([opt("a:1", "3600", inc=1, setup=(0, 0))], e.flat_hours_for(1 / 3))
    assert result.options[0].training_hours == 0.333
    # 0.333 h = 1198.8 s, billed per second: 1199 s at $1/s
    assert result.options[0].total_cost == D("1199.00")


@pytest.mark.parametrize("raw, shown, reported", [
    ("high", "high", True), ("unavailable", "unavailable", True), ("unknown", "medium", False), ("", "medium", False),
])
def test_unknown_availability_is_shown_as_medium_and_flagged(raw, shown, reported):
    assert e.normalize_availability(raw) == (shown, reported)
