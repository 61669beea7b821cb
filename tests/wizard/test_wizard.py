"""The four wizard steps: order guard, server-side re-validation of the selected option, launch."""

from decimal import Decimal

import pytest

from wizard.models import Comparison, TrainingJob
from wizard.state import KEY

from .prices import DEFAULT_OFFERS, seed_prices

pytestmark = pytest.mark.django_db

JOB = {"model_params_b": "7", "method": "lora", "precision": "bf16", "dataset_tokens": "10000000", "epochs": "3",
       "gpu_count": "1", "local_gpu_type": "RTX 4090", "local_electricity_cost": "0.30"}


def configure(c, **changes):
    r = c.post("/wizard/configure/", {**JOB, **changes})
    assert r.status_code == 302 and r["Location"] == "/wizard/providers/", r.content.decode()[:2000]
    return r


def select(c, option_id):
    return c.post("/wizard/providers/", {"option_id": option_id})


LAMBDA_A100 = "lambda:gpu_1x_a100_sxm4:us-east-1:1"


@pytest.mark.parametrize("url", ["/wizard/", "/wizard/configure/", "/wizard/providers/", "/wizard/review/", "/wizard/launch/"])
def test_wizard_needs_login(client, url):
    r = client.get(url)
    assert r.status_code == 302 and r["Location"].startswith("/accounts/login/?next=")


def test_start_goes_to_the_first_step(owner_client):
    assert owner_client.get("/wizard/")["Location"] == "/wizard/configure/"


def test_configure_shows_the_estimate_at_once(owner_client):
    body = owner_client.get("/wizard/configure/").content.decode()
    assert 'id="estimate"' in body and "Training hours" in body and "H100 SXM" in body
    assert 'hx-post="/wizard/configure/estimate/"' in body


def test_estimate_partial_follows_the_form(owner_client):
    r = owner_client.post("/wizard/configure/estimate/", {**JOB, "model_params_b": "70", "gpu_count": "2"})
    body = r.content.decode()
    assert body.lstrip().startswith('<section id="estimate"')
    assert "with 2 GPUs of each type" in body


def test_the_estimate_table_shows_fixed_costs_and_the_gpus_each_option_needs(owner_client, prices):
    body = owner_client.post("/wizard/configure/estimate/", {**JOB, "method": "full", "model_params_b": "13"}).content.decode()
    assert "Fixed costs" in body and "GPUs it needs (and twice that)" in body
    # a 13B full fine-tune on 40 GB cards: not a dead end (6 x A100 40GB at an "auto" micro-batch of 1;
    # 7 while the micro-batch was a fixed 2)
    assert "needs 6 GPUs" in body
    assert "6 × " in body and "12 × " in body
    assert "≈ $" in body  # scaling options priced at the cheapest current rate


def test_the_options_show_the_fixed_costs_inside_the_training_time(owner_client, prices):
    configure(owner_client)
    body = owner_client.get("/wizard/providers/").content.decode()
    assert " fixed</span>" in body and "incl. " in body
    select(owner_client, LAMBDA_A100)
    review = owner_client.get("/wizard/review/").content.decode()
    assert "fixed costs (download, load, checkpoints)" in review


def test_estimate_partial_says_what_to_fix(owner_client):
    body = owner_client.post("/wizard/configure/estimate/", {**JOB, "dataset_tokens": ""}).content.decode()
    assert "Fix the fields marked above" in body


def test_known_hours_override_the_estimate(owner_client, prices):
    configure(owner_client, training_hours="12")
    body = owner_client.get("/wizard/providers/").content.decode()
    # Measured on the local GPU by default (issue #13): an RTX 4090 trains 12 h, an H100 far less.
    assert "12 h (your hours, measured on RTX 4090)" in body  # one hours format (issue #10)
    assert "12 h" in body and "Hours measured on RTX 4090" in body


def test_known_hours_can_be_the_same_on_every_gpu(owner_client, prices):
    configure(owner_client, training_hours="12", hours_measured_on="same")
    body = owner_client.get("/wizard/providers/?view=table").content.decode()
    table = body[body.index("<tbody>"):body.index("</tbody>")]
    assert "12 h (your hours)" in body and "The same 12 h on every GPU" in body
    assert table.count("12 h") == table.count("<tr")  # every option trains for the hours the user knows


def test_configure_without_dataset_or_hours_is_an_error(owner_client):
    r = owner_client.post("/wizard/configure/", {**JOB, "dataset_tokens": ""})
    assert r.status_code == 200 and "Give the dataset size" in r.content.decode()


def test_back_keeps_what_was_entered(owner_client, prices):
    configure(owner_client, model_params_b="13", epochs="2")
    body = owner_client.get("/wizard/configure/").content.decode()
    assert 'value="13.0"' in body and 'value="2.0"' in body


def test_preferences_prefill_the_wizard(owner_client, owner):
    from wizard.models import UserPreferences

    UserPreferences.objects.create(user=owner, local_gpu_type="RTX 3090", local_electricity_cost=Decimal("0.42"),
                                   min_memory_gb=40)
    body = owner_client.get("/wizard/configure/").content.decode()
    assert '<option value="RTX 3090" selected>' in body
    assert 'value="0.420"' in body and 'name="min_memory_gb" value="40"' in body


@pytest.mark.parametrize("url,expected", [
    ("/wizard/providers/", "/wizard/configure/"),
    ("/wizard/review/", "/wizard/configure/"),
    ("/wizard/launch/", "/wizard/configure/"),
])
def test_a_step_without_its_earlier_steps_sends_back(owner_client, url, expected):
    assert owner_client.get(url)["Location"] == expected


def test_review_without_a_selection_sends_back_to_providers(owner_client, prices):
    configure(owner_client)
    assert owner_client.get("/wizard/review/")["Location"] == "/wizard/providers/"
    assert owner_client.get("/wizard/launch/")["Location"] == "/wizard/providers/"


def test_the_whole_wizard_records_a_job(owner_client, owner, prices):
    configure(owner_client)
    body = owner_client.get("/wizard/providers/").content.decode()
    assert LAMBDA_A100 in body
    r = select(owner_client, LAMBDA_A100)
    assert r["Location"] == "/wizard/review/"
    body = owner_client.get("/wizard/review/").content.decode()
    assert "Lambda" in body and "A100 80GB SXM" in body
    assert "than the recommended option" in body and ("sooner" in body or "later" in body or "same time" in body)
    assert "Select instance type" in body  # Lambda's setup steps
    assert "Model size (billions of parameters)" in body
    r = owner_client.post("/wizard/review/")
    assert r["Location"] == "/wizard/launch/"
    job = TrainingJob.objects.get(user=owner)
    assert job.status == "ready" and job.provider == "lambda"
    assert job.usd_per_hour == Decimal("1.29") and job.chosen["id"] == LAMBDA_A100
    assert job.configuration["model_params_b"] == 7.0 and job.estimate["estimates"]
    assert job.selection.kind == "selection" and job.selection.recommended
    body = owner_client.get("/wizard/launch/").content.decode()
    assert "Ready to launch" in body and "SSH into instance" in body and "$1.29/h" in body
    # the selection is used up: posting the review again does not record a second job
    assert owner_client.post("/wizard/review/")["Location"] == "/wizard/providers/"
    assert TrainingJob.objects.filter(user=owner).count() == 1


def test_tampered_option_id_is_refused(owner_client, owner, prices):
    configure(owner_client)
    r = select(owner_client, "lambda:made-up-sku:us-east-1:1")
    assert r["Location"] == "/wizard/providers/"
    assert not Comparison.objects.filter(user=owner).exists()
    assert "selection" not in owner_client.session[KEY]
    body = owner_client.get("/wizard/providers/").content.decode()
    assert "no longer offered" in body


def test_an_option_filtered_out_server_side_cannot_be_selected(owner_client, prices):
    configure(owner_client)
    owner_client.get("/wizard/providers/?providers=runpod")
    # Lambda's offer exists, but not in the comparison the server runs for this user's filters.
    assert select(owner_client, LAMBDA_A100)["Location"] == "/wizard/providers/"


def test_a_price_posted_in_the_form_is_ignored(owner_client, owner, prices):
    configure(owner_client)
    owner_client.get("/wizard/providers/")
    owner_client.post("/wizard/providers/", {"option_id": LAMBDA_A100, "hourly_rate": "0.01", "total_cost": "0.01"})
    sel = Comparison.objects.get(user=owner)
    assert sel.chosen["hourly_rate"] == 1.29


def test_a_changed_price_at_selection_is_reported(owner_client, owner, prices):
    configure(owner_client)
    owner_client.get("/wizard/providers/")
    seed_prices(price_factor=Decimal("1.5"))
    select(owner_client, LAMBDA_A100)
    body = owner_client.get("/wizard/review/").content.decode()
    assert "The price changed since the list was shown" in body and "was $1.29/h" in body
    assert Comparison.objects.get(user=owner).chosen["hourly_rate"] == 1.935


def test_a_changed_price_at_review_is_reported_and_used(owner_client, owner, prices):
    configure(owner_client)
    owner_client.get("/wizard/providers/")
    select(owner_client, LAMBDA_A100)
    seed_prices(price_factor=Decimal("2"))
    r = owner_client.post("/wizard/review/")
    assert r["Location"] == "/wizard/review/"  # must see the new price first
    assert not TrainingJob.objects.exists()
    body = owner_client.get("/wizard/review/").content.decode()
    assert "$2.58/h" in body
    owner_client.post("/wizard/review/")
    assert TrainingJob.objects.get(user=owner).usd_per_hour == Decimal("2.58")


def test_a_vanished_option_at_review_sends_back(owner_client, prices):
    configure(owner_client)
    owner_client.get("/wizard/providers/")
    select(owner_client, LAMBDA_A100)
    # Lambda's next poll no longer lists the A100 offer.
    seed_prices(offers=[o for o in DEFAULT_OFFERS if o[0] == "lambda" and "a100" not in o[1]], providers=("lambda",))
    r = owner_client.get("/wizard/review/")
    assert r["Location"] == "/wizard/providers/"
    assert "no longer offered" in owner_client.get("/wizard/providers/").content.decode()


def test_changing_the_job_drops_the_old_selection(owner_client, prices):
    configure(owner_client)
    select(owner_client, LAMBDA_A100)
    configure(owner_client, epochs="9")
    assert owner_client.get("/wizard/review/")["Location"] == "/wizard/providers/"


def test_step_two_keeps_sort_filters_and_view(owner_client, prices):
    configure(owner_client)
    owner_client.get("/wizard/providers/?sort=availability&view=cards&providers=runpod")
    select(owner_client, "runpod:NVIDIA A100 80GB PCIe:US-KS-2:1")
    body = owner_client.get("/wizard/providers/").content.decode()
    assert 'name="sort" value="availability"' in body and 'name="view" value="cards"' in body
    assert 'value="runpod" id="id_providers_0" checked' in body
    assert "Selected" in body


def test_detect_gpu_says_plainly_when_there_is_none(owner_client, monkeypatch):
    from pricing import local_gpu

    monkeypatch.setattr(local_gpu, "detect_local_gpus", lambda: local_gpu.DetectionResult(
        (), None, "No NVIDIA driver found on this machine (NVML library missing), so no NVIDIA GPU can be used here."))
    r = owner_client.post("/wizard/configure/detect-gpu/", {**JOB, "local_gpu_type": ""}, HTTP_HX_REQUEST="true")
    body = r.content.decode()
    assert body.lstrip().startswith('<fieldset id="local-gpu"')
    assert "No NVIDIA driver found" in body


def test_detect_gpu_fills_the_type(owner_client, monkeypatch):
    from pricing import local_gpu

    gpu = local_gpu.LocalGpu(0, "NVIDIA H200", "h200", "H200 SXM", 140.0, 700.0)
    monkeypatch.setattr(local_gpu, "detect_local_gpus", lambda: local_gpu.DetectionResult((gpu,), "550", "Found 1 NVIDIA GPU."))
    body = owner_client.post("/wizard/configure/detect-gpu/", {**JOB, "local_gpu_type": ""}).content.decode()
    assert '<option value="H200 SXM" selected>' in body and "Detected: H200 SXM" in body
    assert 'value="7.0"' in body or 'value="7"' in body  # the rest of the form is kept


def test_step_two_htmx_gets_the_results_fragment_with_select_buttons(owner_client, prices):
    configure(owner_client)
    body = owner_client.get("/wizard/providers/?sort=cost&order=total", HTTP_HX_REQUEST="true").content.decode()
    assert body.lstrip().startswith('<div id="results"') and "<html" not in body
    assert 'name="option_id"' in body and "csrfmiddlewaretoken" in body


def test_a_fine_tune_can_choose_together_fine_tuning_priced_per_token(owner_client, owner, prices):
    # Issue 11: the per-token service is an option of the wizard too, and a job records it.
    configure(owner_client, gpu_count="")
    body = owner_client.get("/wizard/providers/").content.decode()
    assert "together:fine-tuning:lora" in body
    r = select(owner_client, "together:fine-tuning:lora")
    assert r["Location"] == "/wizard/review/"
    body = owner_client.get("/wizard/review/").content.decode()
    assert "Together" in body and "fine-tuning" in body
    r = owner_client.post("/wizard/review/")
    assert r["Location"] == "/wizard/launch/"
    job = TrainingJob.objects.get(user=owner)
    assert job.provider == "together" and job.chosen["billing"] == "per_token"
    assert job.chosen["tokens"]["tokens_processed"] == 10_000_000 * 3
    assert owner_client.get("/wizard/launch/").status_code == 200
    assert owner_client.get(f"/jobs/{job.pk}/").status_code == 200
