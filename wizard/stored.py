"""What the wizard keeps as JSON and what it hands to launch: persistence, not page rendering.

The session's selection, the ``Comparison`` record (its result, chosen and recommended options) and
``TrainingJob.chosen`` keep the API's documented option and answer shapes (launch reads
``TrainingJob.chosen`` and re-prices from them). They are built here, and only here, from the typed
answer by the API's own serialiser functions (``selector.api.serializers.option_dict`` and
``compare_answer_dict``): this is the one wizard module that imports the API serialisers. Pages render
the typed answer (``wizard.compare_page``), never this JSON; the history and job pages read back what
was stored.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from django.core.serializers.json import DjangoJSONEncoder

from selector.api.serializers import CompareCostsInputSerializer, compare_answer_dict, option_dict
from selector.compare import CompareAnswer
from selector.formatting import dec

from .compare_page import PageOption, Versus, compare


def jsonable(value):
    """Decimals and datetimes as strings, so values can live in the session and JSONFields."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def option_json(o: PageOption | None) -> dict | None:
    """One option as the API's option JSON (what the selection, the history and a job keep)."""
    return jsonable(option_dict(o.answered, hours_band=o.hours_band)) if o is not None else None


def answer_json(answer: CompareAnswer | None) -> dict | None:
    """The whole answer as the API's compare-costs JSON (a history record's result)."""
    return jsonable(compare_answer_dict(answer)) if answer is not None else None


@dataclass
class JsonOutcome:
    """A comparison as the API's JSON (``result``), or the errors by field that stopped it."""

    result: dict | None
    errors: dict = field(default_factory=dict)
    body: dict = field(default_factory=dict)


def run_comparison(body: dict) -> JsonOutcome:
    """A comparison from a compare-costs JSON body that comes from outside the pages' forms (a
    stored history request a launch re-prices, a launch API call): validated by the API's serializer,
    whose errors come back by field, answered by the same ``compare``, as the API's JSON (launch
    reads and stores that shape)."""
    ser = CompareCostsInputSerializer(data=body)
    if not ser.is_valid():
        return JsonOutcome(None, jsonable(ser.errors), body)
    outcome = compare(ser.query())
    return JsonOutcome(answer_json(outcome.answer), {}, outcome.body)


def _finish_hours(o: dict) -> float:
    setup = (o.get("setup_minutes") or {}).get("max") or 0
    return float(dec(o.get("training_hours")) or 0) + setup / 60


def stored_versus(chosen: dict, recommended: dict | None) -> Versus:
    """A stored choice against the stored recommendation (said as on the review step)."""
    if not recommended:
        return Versus(False)
    return Versus(True, str(chosen.get("id")) == str(recommended.get("id")),
                  (dec(chosen.get("total_cost")) or 0) - (dec(recommended.get("total_cost")) or 0),
                  _finish_hours(chosen) - _finish_hours(recommended))
