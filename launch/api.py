"""/api/cloud/provider-accounts and /api/cloud/jobs: the launch flow for scripts and CI.

Token authentication (``Authorization: Token <key>``; DRF's authtoken, created on the preferences
page or with ``manage.py drf_create_token``) or the browser session; per-user throttle; every
answer is scoped to one team: ``?team=<id>`` (or the ``X-Team`` header), default the personal team.
One APIView per operation with its input/output serializers; the services do the work. Keys are
never in an answer (``key_last4`` only)."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import UserRateThrottle
from rest_framework.views import APIView

from selector.api.base import ERROR, ErrorSerializer
from selector.api.errors import API_PARSERS
from teams.selectors import role_in, team_for_member
from teams.services import personal_team

from . import selectors, services
from .models import LAUNCH_PROVIDERS, Launch, ProviderAccount
from .providers.base import LaunchError
from .providers.registry import ADAPTERS

TEAM_PARAM = OpenApiParameter("team", OpenApiTypes.INT, OpenApiParameter.QUERY, required=False,
                              description="Team id (default: your personal team). Also the X-Team header.")
AUTH_ERRORS = {
    401: OpenApiResponse(ErrorSerializer, description="No or bad token: send `Authorization: Token <key>`."),
    403: OpenApiResponse(ErrorSerializer, description="Not allowed (e.g. only a team owner manages accounts)."),
    404: OpenApiResponse(ErrorSerializer, description="No such team or object in your teams."),
    429: OpenApiResponse(ErrorSerializer, description="Too many requests; see Retry-After."),
}
BAD = OpenApiResponse(OpenApiTypes.OBJECT, description="Invalid input: each bad field with its problems, in words.")


class LaunchApiThrottle(UserRateThrottle):
    scope = "launch"

    def get_rate(self):
        rates = api_settings.DEFAULT_THROTTLE_RATES or {}
        return rates.get(self.scope) or getattr(settings, "API_THROTTLE_USER", "60/min")


class TeamApiView(APIView):
    authentication_classes = [TokenAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticated]
    parser_classes = API_PARSERS
    throttle_classes = [LaunchApiThrottle]

    def team(self, request):
        raw = request.query_params.get("team") or request.headers.get("X-Team")
        if not raw:
            return personal_team(request.user)
        team = team_for_member(request.user, raw)
        if team is None:
            raise NotFound("No such team among yours.")
        return team


# --- Provider accounts ------------------------------------------------------------------------

class AccountInput(serializers.Serializer):
    provider = serializers.ChoiceField(choices=[p for p, _ in LAUNCH_PROVIDERS])
    api_key = serializers.CharField(max_length=500, trim_whitespace=True, write_only=True)
    ssh_public_key = serializers.CharField(max_length=5000, required=False, allow_blank=True)


class AccountOutput(serializers.Serializer):
    id = serializers.IntegerField()
    provider = serializers.CharField()
    key_last4 = serializers.CharField()
    checked_at = serializers.DateTimeField()
    has_ssh_public_key = serializers.SerializerMethodField()

    def get_has_ssh_public_key(self, obj) -> bool:
        return bool(obj.ssh_public_key)


class ProviderAccountsApi(TeamApiView):
    @extend_schema(operation_id="provider_accounts_list", parameters=[TEAM_PARAM],
                   responses={200: AccountOutput(many=True), **AUTH_ERRORS})
    def get(self, request):
        return Response(AccountOutput(selectors.accounts_of(self.team(request)), many=True).data)

    @extend_schema(operation_id="provider_accounts_create", parameters=[TEAM_PARAM], request=AccountInput,
                   responses={201: AccountOutput, 400: BAD, **AUTH_ERRORS})
    def post(self, request):
        team = self.team(request)
        if role_in(request.user, team) != "owner":
            raise PermissionDenied("Only an owner of the team can connect provider accounts.")
        ser = AccountInput(data=request.data)
        ser.is_valid(raise_exception=True)
        d = ser.validated_data
        try:
            account = services.account_connect(team=team, user=request.user, provider=d["provider"],
                                               api_key=d["api_key"], ssh_public_key=d.get("ssh_public_key", ""))
        except services.AccountError as exc:
            return Response({"api_key": [str(exc)]}, status=status.HTTP_400_BAD_REQUEST)
        return Response(AccountOutput(account).data, status=status.HTTP_201_CREATED)


class ProviderAccountApi(TeamApiView):
    @extend_schema(operation_id="provider_accounts_delete", responses={204: None, **AUTH_ERRORS})
    def delete(self, request, pk: str):
        pk = selectors.parse_id(pk)
        account = pk and ProviderAccount.objects.filter(pk=pk, team__memberships__user=request.user).select_related("team").first()
        if account is None:
            raise NotFound("No such provider account in your teams.")
        if role_in(request.user, account.team) != "owner":
            raise PermissionDenied("Only an owner of the team can remove provider accounts.")
        services.account_delete(account=account)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Jobs -------------------------------------------------------------------------------------

class JobInput(serializers.Serializer):
    option_id = serializers.CharField(required=False, max_length=400,
                                      help_text="An `id` from POST /api/cloud/compare-costs.")
    provider = serializers.ChoiceField(choices=list(ADAPTERS), required=False)
    provider_sku = serializers.CharField(required=False, max_length=200)
    region = serializers.CharField(required=False, max_length=100, allow_blank=True)
    gpu_count = serializers.IntegerField(required=False, min_value=1, max_value=64)
    training_hours = serializers.FloatField(required=False, min_value=0.01, max_value=100000)
    workload = serializers.DictField(required=False)
    budget_usd = serializers.DecimalField(required=False, max_digits=12, decimal_places=2, min_value=Decimal("0.01"))
    expected_usd_per_hour = serializers.DecimalField(required=False, max_digits=12, decimal_places=4, min_value=Decimal(0),
                                                     help_text="The price you saw; moved more than 5% -> 409.")
    image = serializers.CharField(required=False, max_length=300)
    command = serializers.CharField(required=False, allow_blank=True, max_length=10000)
    env = serializers.DictField(child=serializers.CharField(max_length=10000, allow_blank=True), required=False)
    disk_gb = serializers.IntegerField(required=False, min_value=1, max_value=10000)
    allow_failover = serializers.BooleanField(required=False, default=True)
    stop_at_budget = serializers.BooleanField(required=False, default=False)
    confirm = serializers.BooleanField(required=False, default=False)

    def validate(self, data):
        if not data.get("option_id") and not (data.get("provider") and data.get("provider_sku")):
            raise serializers.ValidationError({"option_id": ["Give option_id, or provider + provider_sku + gpu_count."]})
        if not data.get("training_hours") and not data.get("workload"):
            raise serializers.ValidationError({"training_hours": ["Give training_hours or workload."]})
        if data.get("env"):
            for key in data["env"]:
                if not str(key).replace("_", "").isalnum():
                    raise serializers.ValidationError({"env": [f"“{str(key)[:40]}” is not a variable name."]})
        return data


class AttemptOutput(serializers.Serializer):
    number = serializers.IntegerField()
    provider = serializers.CharField()
    provider_sku = serializers.CharField()
    region = serializers.CharField()
    usd_per_hour = serializers.DecimalField(max_digits=12, decimal_places=4)
    outcome = serializers.CharField()
    error = serializers.CharField()
    at = serializers.DateTimeField(source="created_at")


class EventOutput(serializers.Serializer):
    at = serializers.DateTimeField()
    kind = serializers.CharField()
    message = serializers.CharField()


class JobOutput(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    # A plain string in the schema (an enum here would collide with the providers listing's "status").
    status = serializers.CharField(help_text="One of: " + ", ".join(Launch.Status.values))
    provider = serializers.CharField()
    provider_sku = serializers.CharField()
    region = serializers.CharField()
    gpu_count = serializers.IntegerField()
    usd_per_hour = serializers.DecimalField(max_digits=12, decimal_places=4, help_text="The rate at launch.")
    price_as_of = serializers.SerializerMethodField(help_text="When that price was polled.")
    attempts = AttemptOutput(many=True, source="attempts.all")
    spend_usd = serializers.DecimalField(max_digits=14, decimal_places=4)
    budget_usd = serializers.DecimalField(max_digits=14, decimal_places=2)
    estimate_usd = serializers.DecimalField(max_digits=14, decimal_places=2)
    started_at = serializers.DateTimeField(allow_null=True)
    ended_at = serializers.DateTimeField(allow_null=True)
    end_reason = serializers.CharField()
    dry_run = serializers.BooleanField()
    connection = serializers.DictField()
    events = EventOutput(many=True, source="events.all")

    def get_price_as_of(self, obj) -> str | None:
        return (obj.option or {}).get("as_of")


def _payload(d: dict) -> dict:
    p: dict = {"training_hours": d["training_hours"]} if d.get("training_hours") else {"workload": d["workload"]}
    option = selectors.option_from_id(d["option_id"]) if d.get("option_id") else d
    if option.get("gpu_count") or d.get("gpu_count"):
        p["gpu_count"] = option.get("gpu_count") or d.get("gpu_count")
    p["include_unavailable"] = True
    p["allow_interruptible"] = True
    return p


def _find_option_id(payload: dict, d: dict) -> str | None:
    if d.get("option_id"):
        return d["option_id"]
    result, _ = selectors.compare(payload)
    for o in (result or {}).get("options", []):
        if o.get("provider") == d["provider"] and str(o.get("provider_sku")) == d["provider_sku"] and (
                not d.get("region") or o.get("region") == d["region"]):
            return o["id"]
    return None


class CloudJobsApi(TeamApiView):
    @extend_schema(operation_id="cloud_jobs_create", parameters=[
        TEAM_PARAM, OpenApiParameter("Idempotency-Key", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
                                     description="The same key answers with the job already made (a safe retry).")],
        request=JobInput, responses={201: JobOutput, 200: JobOutput, 400: BAD,
                                     409: OpenApiResponse(OpenApiTypes.OBJECT, description="The offer is gone or its price moved more than 5%: ask again."),
                                     **AUTH_ERRORS})
    def post(self, request):
        team = self.team(request)
        ser = JobInput(data=request.data)
        ser.is_valid(raise_exception=True)
        d = ser.validated_data
        key = (request.headers.get("Idempotency-Key") or "").strip()[:80] or uuid.uuid4().hex
        existing = Launch.objects.filter(team=team, idempotency_key=key).first()
        if existing is not None:
            return Response(JobOutput(existing).data, status=status.HTTP_200_OK, headers={"Idempotent-Replayed": "true"})
        payload = _payload(d)
        if payload.get("workload"):
            from wizard.selectors import run_estimate

            est = run_estimate(payload["workload"], gpu_count=payload.get("gpu_count") or 1)
            if est.errors:
                return Response({"workload": est.errors}, status=status.HTTP_400_BAD_REQUEST)
        option_id = _find_option_id(payload, d)
        if option_id is None:
            return Response({"option_id": ["No such offer in the current prices: run compare-costs again."]},
                            status=status.HTTP_400_BAD_REQUEST)
        quote = services.launch_quote(team=team, payload=payload, option_id=option_id,
                                      shown_usd_per_hour=d.get("expected_usd_per_hour"))
        if quote.errors:
            return Response(quote.errors, status=status.HTTP_400_BAD_REQUEST)
        if quote.gone or quote.moved:
            return Response({"detail": quote.note(), "option_id": option_id,
                             "usd_per_hour": quote.usd_per_hour if quote.option else None,
                             "estimate_usd": quote.estimate_usd}, status=status.HTTP_409_CONFLICT)
        try:
            launch, created = services.launch_submit(
                team=team, user=request.user, quote=quote, budget_usd=d.get("budget_usd"), confirm=d["confirm"],
                idempotency_key=key, allow_failover=d["allow_failover"], stop_at_budget=d["stop_at_budget"],
                image=d.get("image"), command=d.get("command"), env=d.get("env"), disk_gb=d.get("disk_gb"),
                configuration={"training_hours": d.get("training_hours"), **(d.get("workload") or {})})
        except services.NotConfirmed as exc:
            return Response({"confirm": [str(exc)], "would_launch": {
                "option_id": option_id, "provider": quote.option["provider"], "provider_sku": quote.option.get("provider_sku"),
                "usd_per_hour": quote.usd_per_hour, "price_as_of": quote.option.get("as_of"),
                "estimate_usd": quote.estimate_usd,
                "budget_usd": d.get("budget_usd") or quote.default_budget_usd, "dry_run": quote.dry_run}},
                status=status.HTTP_400_BAD_REQUEST)
        except services.LaunchInputError as exc:
            return Response({exc.field: [str(exc)]}, status=status.HTTP_400_BAD_REQUEST)
        return Response(JobOutput(launch).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


def _member_launch(request, pk) -> Launch:
    launch = selectors.launch_for_member(request.user, pk)
    if launch is None:
        raise NotFound("No such job in your teams.")
    return launch


class CloudJobApi(TeamApiView):
    @extend_schema(operation_id="cloud_jobs_retrieve", responses={200: JobOutput, **AUTH_ERRORS})
    def get(self, request, pk: str):
        return Response(JobOutput(_member_launch(request, pk)).data)


class TerminateInput(serializers.Serializer):
    stop = serializers.BooleanField(required=False, default=False,
                                    help_text="Stop instead of terminate, where the provider can (RunPod, Vast.ai).")


class CloudJobTerminateApi(TeamApiView):
    @extend_schema(operation_id="cloud_jobs_terminate", request=TerminateInput,
                   responses={202: JobOutput, 400: BAD, 409: ERROR, **AUTH_ERRORS})
    def post(self, request, pk: str):
        launch = _member_launch(request, pk)
        ser = TerminateInput(data=request.data or {})
        ser.is_valid(raise_exception=True)
        stop = ser.validated_data["stop"]
        try:
            launch = services.launch_terminate(launch=launch, stop=stop, by=request.user,
                                               reason="stopped through the API" if stop else "terminated through the API")
        except LaunchError as exc:
            return Response({"detail": f"{exc} {getattr(exc, 'fix', '')}".strip()}, status=status.HTTP_409_CONFLICT)
        return Response(JobOutput(launch).data, status=status.HTTP_202_ACCEPTED)
