"""The comparisons in words on the pages (issue #10: the pages hand typed values to the templates,
which write every number with the selector_tags filters): the choice against the recommendation
and "Savings vs local"."""

from decimal import Decimal

import pytest
from django.template.loader import render_to_string

from wizard.compare_page import Versus

from .prices import seed_prices


@pytest.mark.parametrize(("versus", "words"), [
    (Versus(False), "There is no recommended option to compare with"),
    (Versus(True, same=True), "This is the recommended option"),
    (Versus(True, cost_diff=Decimal("4.2"), finish_diff=-2.0), "$4.20 more than the recommended option, finishes 2 h sooner"),
    (Versus(True, cost_diff=Decimal("-0.5"), finish_diff=0.75),
     "$0.50 less than the recommended option, finishes 45 min later"),
    (Versus(True, cost_diff=Decimal(0), finish_diff=0.001),
     "The same cost as the recommended option, finishes at about the same time"),
])
def test_the_choice_against_the_recommendation_reads_in_words(versus, words):
    assert render_to_string("wizard/_versus.html", {"v": versus}) == words


@pytest.mark.django_db
def test_savings_vs_local_say_which_side_saves_and_what_it_costs_in_time(client):
    seed_prices()
    body = client.get("/compare/?training_hours=2&local_gpu_type=RTX+4090").content.decode()
    assert "Local saves $" in body and "on the best cloud option" in body
    body = client.get("/compare/?training_hours=2&local_gpu_type=RTX+3090&local_electricity_cost=9"
                      "&local_power_watts=2000").content.decode()
    assert "Cloud saves $" in body and "costs less than your local RTX 3090 ($36.00)" in body
