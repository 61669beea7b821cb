"""Issue #10, the pages' side of one read path: the page forms make the typed question the API's
serializer makes and hand it to the function the API view calls (never an API body validated by the
API's serializer); one home for the workload defaults, the GPU-name check and its message, and the
money and hours formats."""

from decimal import Decimal

import pytest

from selector import formatting
from selector.api.estimate import WorkloadSerializer
from selector.api.serializers import CompareCostsInputSerializer
from selector.query import CompareQuery, unknown_gpu_message
from selector.workload import WORKLOAD_DEFAULTS, workload_body, workload_defaults, workload_from
from wizard.forms import ConfigureForm, SelectorForm, ThroughputForm
from wizard.questions import compare_query, wizard_query

from .prices import seed_prices

JOB = {"model_params_b": "7", "method": "lora", "precision": "bf16", "dataset_tokens": "10000000", "epochs": "1",
       "local_gpu_type": "RTX 4090"}


@pytest.fixture
def asked(monkeypatch):
    """Every question ``selector.compare.compare_costs`` is asked; the API's input serializer must not run."""
    import selector.compare

    questions = []
    real = selector.compare.compare_costs

    def recording(query, **kwargs):
        questions.append(query)
        return real(query, **kwargs)

    def no_api_validation(self, *args, **kwargs):
        raise AssertionError("a page validated an API body with the API's serializer")

    monkeypatch.setattr(selector.compare, "compare_costs", recording)
    monkeypatch.setattr(CompareCostsInputSerializer, "is_valid", no_api_validation)
    monkeypatch.setattr(WorkloadSerializer, "is_valid", no_api_validation)
    return questions


# --- Pages ask the typed question -----------------------------------------------------------------

def test_the_compare_page_asks_compare_costs_its_forms_typed_question(client, db, asked):
    seed_prices()
    r = client.get("/compare/", {"training_hours": "12", "hours_measured_on": "A100 80GB SXM", "gpu_count": "2",
                                 "providers": ["lambda", "runpod"], "min_memory_gb": "40", "sort": "speed"})
    assert r.status_code == 200
    assert asked == [CompareQuery(training_hours=12.0, reference_gpu="A100 80GB SXM", gpu_count=2, min_memory_gb=40.0,
                                  providers=("lambda", "runpod"), sort="speed", include_unavailable=False)]


def test_the_wizard_asks_compare_costs_with_a_typed_workload(owner_client, db, asked):
    seed_prices()
    assert owner_client.post("/wizard/configure/", JOB).status_code == 302
    assert owner_client.get("/wizard/providers/").status_code == 200
    (query,) = asked
    assert query.workload == workload_from({"model_params_b": 7.0, "method": "lora", "precision": "bf16",
                                            "dataset_tokens": 10_000_000, "epochs": 1.0})
    assert query.training_hours is None and query.gpu_count is None and query.local_gpu_type == "RTX 4090"


def test_the_whole_wizard_walk_and_a_saved_comparison_never_build_an_api_body(owner_client, owner, db, asked):
    """Step 1's estimate, step 2, "Select", the review (re-priced) and the recorded job; /compare/save/."""
    from wizard.models import Comparison, TrainingJob

    seed_prices()
    assert "Training hours and memory per GPU" in owner_client.post("/wizard/configure/estimate/", JOB).content.decode()
    assert owner_client.post("/wizard/configure/", JOB).status_code == 302
    assert owner_client.get("/wizard/providers/").status_code == 200
    chosen = asked[-1]
    option_id = "lambda:gpu_1x_a100_sxm4:us-east-1:1"
    assert owner_client.post("/wizard/providers/", {"option_id": option_id})["Location"] == "/wizard/review/"
    assert owner_client.get("/wizard/review/").status_code == 200
    assert owner_client.post("/wizard/review/")["Location"] == "/wizard/launch/"
    assert set(asked) == {chosen}  # every step asked the one question
    job = TrainingJob.objects.get(user=owner)
    assert job.chosen["id"] == option_id and job.estimate  # the estimate table for the typed workload
    assert CompareQuery.from_validated(Comparison.objects.get(kind="selection").inputs) == chosen
    assert owner_client.post("/compare/save/", {"training_hours": "5"}).status_code == 302
    assert asked[-1] == compare_query({"training_hours": 5})


def test_the_pages_render_the_typed_answer_never_the_apis_json(owner_client, db, monkeypatch):
    """/compare/ (page and htmx partial), step 2 and the review read the typed answer
    (selector.compare.CompareAnswer); only what the wizard stores is the API's JSON (wizard.stored)."""
    from selector.compare import CompareAnswer
    from wizard.compare_page import PageOption

    seed_prices()
    option_id = "lambda:gpu_1x_a100_sxm4:us-east-1:1"
    assert owner_client.post("/wizard/configure/", JOB).status_code == 302
    assert owner_client.post("/wizard/providers/", {"option_id": option_id})["Location"] == "/wizard/review/"
    import selector.api.serializers
    import wizard.stored

    def refuse(*args, **kwargs):
        raise AssertionError("a page rendered the API's JSON shape")

    for module in (selector.api.serializers, wizard.stored):  # from here on, pages only render
        monkeypatch.setattr(module, "compare_answer_dict", refuse)
        monkeypatch.setattr(module, "option_dict", refuse)
    r = owner_client.get("/compare/", {"training_hours": "3", "local_gpu_type": "RTX 4090"})
    assert r.status_code == 200 and "Local saves" in r.content.decode()
    assert isinstance(r.context["result"], CompareAnswer)
    assert all(isinstance(o, PageOption) for o in r.context["options"]) and r.context["options"]
    assert owner_client.get("/compare/", {"training_hours": "3"}, HTTP_HX_REQUEST="true").status_code == 200
    r = owner_client.get("/wizard/providers/")
    assert r.status_code == 200 and isinstance(r.context["recommended"], PageOption)
    r = owner_client.get("/wizard/review/")
    assert r.status_code == 200 and r.context["option"].id == option_id
    assert "Total cost</dt><dd><strong>$" in r.content.decode()


def test_a_recorded_question_is_the_api_body_of_the_same_question(owner_client, owner, db):
    """What the history keeps (and a launch re-prices) is the typed question written as the API's
    JSON body: the API's serializer reads it back to the very same question."""
    seed_prices()
    owner_client.post("/compare/save/", {"training_hours": "5", "local_gpu_type": "RTX 4090", "providers": "lambda"})
    from wizard.models import Comparison

    body = Comparison.objects.get(user=owner).inputs
    ser = CompareCostsInputSerializer(data=body)
    assert ser.is_valid(), ser.errors
    assert ser.query() == compare_query({"training_hours": 5, "local_gpu_type": "RTX 4090", "providers": ["lambda"]})


@pytest.mark.parametrize("values", [
    {"training_hours": 3.5, "hours_measured_on": "same", "gpu_type": "H100", "continent": "EU", "region": "eu-west-1"},
    {"training_hours": 8, "local_gpu_type": "RTX 3090", "local_electricity_cost": Decimal("0.3"),
     "local_power_watts": 300, "allow_interruptible": True, "include_unavailable": True},
])
def test_the_standalone_question_round_trips_through_the_api(values):
    q = compare_query(values)
    ser = CompareCostsInputSerializer(data=q.to_body())
    assert ser.is_valid(), ser.errors
    assert ser.query() == q and CompareQuery.from_validated(q.to_body()) == q


def test_the_wizard_question_round_trips_through_the_api():
    q = wizard_query({"model_params_b": 13.0, "method": "qlora", "precision": "fp16", "dataset_examples": 2000,
                      "avg_tokens_per_example": 512, "epochs": 2.5, "measured_tokens_per_second": 1234.5,
                      "measured_gpu_type": "rtx-4090", "measured_gpu_count": 2, "gpu_count": 2, "min_memory_gb": 24},
                     {"providers": ["vast"], "sort": "finish"})
    assert q.workload.dataset_tokens == 2000 * 512 and q.workload.measured_gpu_count == 2
    ser = CompareCostsInputSerializer(data=q.to_body())
    assert ser.is_valid(), ser.errors
    assert ser.query() == q


def test_the_apis_defaults_are_the_typed_questions():
    """What the serializer fills in for an absent field is the CompareQuery / Workload default."""
    ser = CompareCostsInputSerializer(data={"training_hours": 1})
    assert ser.is_valid(), ser.errors
    assert ser.query() == CompareQuery(training_hours=1)
    ser = WorkloadSerializer(data={"model_params_b": 7, "dataset_tokens": 1000})
    assert ser.is_valid(), ser.errors
    assert {k: ser.validated_data[k] for k in WORKLOAD_DEFAULTS} == WORKLOAD_DEFAULTS
    assert workload_from(ser.validated_data) == workload_from({"model_params_b": 7, "dataset_tokens": 1000})


def test_a_workload_body_writes_only_what_differs_from_the_defaults():
    w = workload_from({"model_params_b": 7, "dataset_tokens": 1e6})
    assert workload_body(w) == {"model_params_b": 7, "dataset_tokens": 1_000_000, "method": "lora",
                                "precision": "bf16", "epochs": 1.0}
    assert workload_from(workload_body(w)) == w


def test_form_errors_stay_on_the_page_naming_the_field(client, owner_client, db):
    seed_prices()
    body = client.get("/compare/", {"training_hours": "20000"}).content.decode()
    assert "Ensure this value is less than or equal to 10000" in body  # next to "Training hours"
    r = owner_client.post("/wizard/configure/", {**JOB, "dataset_tokens": str(10**16)})
    assert r.status_code == 200 and "Ensure this value is less than or equal to" in r.content.decode()


def test_a_kept_job_that_no_longer_makes_a_workload_is_a_message_not_a_500(owner_client, db):
    from wizard.state import KEY

    seed_prices()
    session = owner_client.session
    session[KEY] = {"config": {"model_params_b": 7, "method": "sgd", "dataset_tokens": 1000}}
    session.save()
    r = owner_client.get("/wizard/providers/")
    assert r.status_code == 200 and "Change the job in step 1" in r.content.decode()


# --- One home for the workload defaults --------------------------------------------------------------

def test_the_wizards_initials_are_the_apis_defaults(owner_client, db):
    api = WorkloadSerializer().fields
    for name in ("method", "precision", "epochs"):
        assert ConfigureForm.base_fields[name].initial == api[name].default == WORKLOAD_DEFAULTS[name], name
    body = owner_client.get("/wizard/configure/").content.decode()
    assert 'name="epochs" value="1.0"' in body and 'value="lora" selected' in body
    # What step 1 does not ask (sequence length, batch, checkpointing "auto", LoRA rank...) is the default.
    w = ConfigureForm(JOB)
    assert w.is_valid(), w.errors
    workload = w.to_workload()
    for name, value in workload_defaults("lora").items():
        assert getattr(workload, name) == value, name
    assert workload.gradient_checkpointing == "auto"


def test_the_forms_ranges_lie_within_the_apis():
    api_w, api_q = WorkloadSerializer().fields, CompareCostsInputSerializer().fields
    pairs = [(ConfigureForm, n, api_w[n]) for n in ("model_params_b", "dataset_tokens", "dataset_examples",
                                                    "avg_tokens_per_example", "epochs")]
    pairs += [(form, n, api_q[n]) for form in (ConfigureForm, SelectorForm)
              for n in ("training_hours", "gpu_count", "min_memory_gb", "local_electricity_cost", "local_power_watts")]
    for form, name, api_field in pairs:
        f = form.base_fields[name]
        assert f.max_value is not None and f.max_value <= api_field.max_value, (form.__name__, name)
        assert f.min_value is not None and f.min_value >= (api_field.min_value or 0), (form.__name__, name)


# --- One GPU-name check, one message -------------------------------------------------------------------

def test_an_unknown_gpu_reads_the_same_on_the_api_and_every_form(client, db):
    message = unknown_gpu_message("RTX 9999")
    api = CompareCostsInputSerializer(data={"training_hours": 1, "local_gpu_type": "RTX 9999"})
    assert not api.is_valid() and api.errors["local_gpu_type"] == [message]
    for form, field in ((SelectorForm({"local_gpu_type": "RTX 9999"}), "local_gpu_type"),
                        (SelectorForm({"gpu_type": "RTX 9999"}), "gpu_type"),
                        (SelectorForm({"hours_measured_on": "RTX 9999"}), "hours_measured_on"),
                        (ConfigureForm({**JOB, "local_gpu_type": "RTX 9999"}), "local_gpu_type"),
                        (ThroughputForm({"tokens_per_second": "5", "gpu_type": "RTX 9999"}), "gpu_type")):
        assert not form.is_valid() and form.errors[field] == [message], (type(form).__name__, field)
    body = client.get("/compare/", {"local_gpu_type": "RTX 9999"}).content.decode()
    assert "Local GPU: Unknown GPU &#x27;RTX 9999&#x27;. Known GPUs:" in body  # named above the results too


def test_forms_take_what_the_api_takes_for_a_gpu():
    form = SelectorForm({"local_gpu_type": "4090", "gpu_type": "H100", "hours_measured_on": "same"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["local_gpu_type"] == "RTX 4090" and form.cleaned_data["gpu_type"] == "H100"
    assert form.to_query().reference_gpu is None
    t = ThroughputForm({"tokens_per_second": "5", "gpu_type": "RTX 4090"})
    assert t.is_valid() and t.cleaned_data["gpu_type"] == "rtx-4090"


# --- One money and one hours formatter -----------------------------------------------------------------

def test_one_money_one_rate_one_hours_format():
    assert formatting.money(Decimal("1234.5")) == "$1,234.50" and formatting.money(-3.2) == "-$3.20"
    assert formatting.money(None) == formatting.hours("") == "—"
    assert formatting.rate("0.1234") == "$0.1234/h" and formatting.rate(2.5) == "$2.50/h"
    assert [formatting.hours(h) for h in (0.5, 2.0, 2.54, 12.0, 1234.4, -1.5)] == [
        "30 min", "2 h", "2.5 h", "12 h", "1,234 h", "1.5 h"]


def test_the_template_filters_are_the_formatters():
    from wizard.templatetags.selector_tags import register

    assert register.filters["usd"] is formatting.money and register.filters["usd_rate"] is formatting.rate
    assert register.filters["hours"] is formatting.hours and register.filters["age"] is formatting.age


def test_no_page_module_formats_money_by_hand():
    """The f-string money and hours formats the pages, notices and the compare command had
    (``${x:,.2f}``, ``_money``, ``_hours``) are gone."""
    import pathlib
    import re

    root = pathlib.Path(__file__).resolve().parents[2]
    for path in [*root.joinpath("wizard").rglob("*.py"), root / "alerts" / "services.py",
                 root / "selector" / "management" / "commands" / "compare.py"]:
        text = path.read_text()
        assert not re.search(r"\$\{[^}]*:,?\.\d+f\}|def _money|def _hours|def usd", text), path
