"""The figures people decide on, as the pages show them (issue #13)."""

import re

import pytest

from .prices import seed_prices

pytestmark = pytest.mark.django_db


def _rows(body: str) -> list[str]:
    table = body[body.index("<tbody>"):body.index("</tbody>")]
    return re.findall(r"<tr.*?</tr>", table, re.S)


def _hours_cells(body: str) -> list[str]:
    return [re.findall(r'<td class="num">([^<]*)</td>', r)[3] for r in _rows(body)]


def test_hours_are_measured_on_the_local_gpu_by_default_and_scale_per_gpu(client, prices):
    body = client.get("/compare/?training_hours=10&local_gpu_type=RTX+4090&view=table").content.decode()
    assert "Hours measured on RTX 4090: 10 h there" in body
    hours = _hours_cells(body)
    assert "10 h" in hours and len(set(hours)) > 2, hours  # a T4 and an H100 no longer finish together


def test_hours_measured_on_a_picked_gpu_or_the_same_everywhere(client, prices):
    body = client.get("/compare/?training_hours=10&hours_measured_on=H100+SXM&view=table").content.decode()
    assert "Hours measured on H100 SXM" in body
    h100 = [r for r in _rows(body) if "H100 SXM" in r]
    assert h100 and all(">10 h<" in r for r in h100)
    body = client.get("/compare/?training_hours=10&local_gpu_type=RTX+4090&hours_measured_on=same&view=table")
    assert set(_hours_cells(body.content.decode())) == {"10 h"}


def test_quickest_to_start_and_finishes_first_cards_and_the_finish_sort(client, prices):
    body = client.get("/compare/?training_hours=10&hours_measured_on=RTX+3090").content.decode()
    assert "Quickest to start" in body and "Finishes first" in body and ">Fastest<" not in body
    assert "sort=finish" in body
    body = client.get("/compare/?training_hours=10&hours_measured_on=RTX+3090&sort=finish&view=table").content.decode()
    assert 'aria-current="true">Finishes first</a>' in body


def test_savings_say_what_local_saves_and_how_much_longer(client, prices):
    body = client.get("/compare/?training_hours=10&local_gpu_type=RTX+4090&local_electricity_cost=0.10").content.decode()
    assert "Local saves $" in body and "on the best cloud option" in body
    assert ">$0.00<" not in body


def test_a_memory_minimum_the_local_gpu_cannot_meet_is_said(client, prices):
    body = client.get("/compare/?training_hours=10&local_gpu_type=RTX+4090&min_memory_gb=48").content.decode()
    assert "Your local GPU cannot run this job:" in body and "24 GB, less than the 48 GB" in body
    assert "Add your local GPU" not in body


def test_the_empty_state_names_the_filter_and_links_the_change(client, prices):
    body = client.get("/compare/?training_hours=10&min_memory_gb=500").content.decode()
    assert "The minimum memory filter (500 GB) removed" in body
    link = re.search(r'<a class="button" href="([^"]+)">Clear the minimum memory</a>', body).group(1)
    assert "min_memory_gb" not in link and "training_hours=10" in link
    assert "No providers available" not in client.get(link.replace("&amp;", "&")).content.decode()


def test_unreported_availability_is_typical_not_live_in_one_wording(client, db):
    seed_prices(source="catalog")
    body = client.get("/compare/?view=table&providers=runpod").content.decode()
    assert "(typical, not live)" in body and "Medium*" not in body and "shown as Medium" not in body
    assert "Instances readily available now" not in body
    prices_page = client.get("/prices/").content.decode()
    assert "(typical, not live)" in prices_page


def test_tier_and_any_region_show_as_columns_and_on_cards(client, db):
    from .prices import DEFAULT_OFFERS

    seed_prices(source="catalog", offers=[(*o[:6], "", *o[7:]) for o in DEFAULT_OFFERS])
    body = client.get("/compare/?view=table&providers=runpod&continent=EU").content.decode()
    assert "<th" in body and ">Tier<" in body
    assert "Any region" in body  # list prices pass the continent filter as "any region"
    assert "No providers available" not in body


def test_local_power_field_is_on_every_local_gpu_form(client, owner_client, prices):
    body = client.get("/compare/?training_hours=10&local_gpu_type=RTX+4090&local_power_watts=200").content.decode()
    assert 'name="local_power_watts"' in body and "Local GPU power (watts)" in body
    assert "$0.03/h" in body  # 200 W at the default $0.15/kWh
    assert 'name="local_power_watts"' in owner_client.get("/wizard/configure/").content.decode()
    assert 'name="local_power_watts"' in owner_client.get("/preferences/").content.decode()
