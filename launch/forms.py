from decimal import Decimal

from django import forms

from .models import LAUNCH_PROVIDERS


class AccountForm(forms.Form):
    provider = forms.ChoiceField(choices=LAUNCH_PROVIDERS)
    # render_value=False: a refused key is never sent back into the page.
    api_key = forms.CharField(label="API key", widget=forms.PasswordInput(render_value=False), max_length=500)
    ssh_public_key = forms.CharField(label="SSH public key (optional; RunPod, Lambda and Vast.ai inject it)",
                                     required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=5000)


class TemplateForm(forms.Form):
    image = forms.CharField(max_length=300)
    command = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    disk_gb = forms.IntegerField(min_value=1, max_value=10000, label="Disk (GB)")
    env = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}),
                          label="Environment variables (KEY=value per line; stored encrypted; leave empty to keep them)")
    clear_env = forms.BooleanField(required=False, label="Remove every stored variable")
    together_model = forms.CharField(required=False, max_length=200, label="Together AI: base model")
    together_training_file = forms.CharField(required=False, max_length=200, label="Together AI: training file id")
    replicate_version = forms.CharField(required=False, max_length=300, label="Replicate: trainer owner/name:version")
    replicate_destination = forms.CharField(required=False, max_length=200, label="Replicate: destination owner/model")


class LaunchForm(forms.Form):
    budget_usd = forms.DecimalField(label="Budget (maximum USD)", min_value=Decimal("0.01"), max_digits=12, decimal_places=2)
    allow_failover = forms.BooleanField(required=False, initial=True,
                                        label="If this offer has no capacity, try the next-best offer for the same job")
    stop_at_budget = forms.BooleanField(required=False, label="At the budget, stop instead of terminate (where the provider can)")
    image = forms.CharField(max_length=300)
    command = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    disk_gb = forms.IntegerField(min_value=1, max_value=10000, label="Disk (GB)")
    confirm = forms.BooleanField(label="I confirm this launch and its budget")
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=80)
    shown_usd_per_hour = forms.DecimalField(widget=forms.HiddenInput, required=False)


class ThroughputForm(forms.Form):
    tokens_per_second = forms.FloatField(min_value=0.001, label="Measured throughput (tokens/s)")
