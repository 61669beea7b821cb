"""GET /api/cloud/history: price history per provider for a GPU model or family."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.response import Response

from pricing.history import MAX_DAYS, MAX_POINTS, gpu_key_for, price_history
from pricing.providers.registry import PROVIDERS
from pricing.regions import CONTINENTS, normalize_continent
from selector.query import gpus_named

from .base import GET_ERRORS, GpuNameField, PublicApiView

NOTES = [
    "Prices are USD per GPU-hour of on-demand offers (spot/interruptible bids are not included).",
    "Each point is one successful poll: min_usd_per_gpu_hour is the lowest offer, median_usd_per_gpu_hour "
    "the median of the offers, availability the best any offer reported (high > medium > low > unavailable "
    "> unknown), offers how many offers were seen.",
    f"A series with more than {MAX_POINTS} polls in the range is cut into {MAX_POINTS} equal time buckets: t is "
    "the bucket's first poll, min is the bucket's lowest price, median the median of the polls' medians, "
    "availability the best seen, offers the most seen in one poll (the series says downsampled: true).",
    "Providers without an API key are polled from a dated built-in price list, which changes only when the "
    "list does.",
]


@extend_schema_field({"type": "string", "enum": [*CONTINENTS, *(c.lower() for c in CONTINENTS), "Europe", ""]})
class ContinentQueryField(serializers.CharField):
    """A continent: US, EU, Asia or Other (any case; "Europe" too)."""


class PriceHistoryApi(PublicApiView):
    class InputSerializer(serializers.Serializer):
        gpu_type = GpuNameField(max_length=80)
        provider = serializers.ChoiceField(required=False, choices=list(PROVIDERS))
        region = ContinentQueryField(required=False, allow_blank=True, max_length=40)
        days = serializers.IntegerField(
            required=False, default=30, min_value=1, max_value=MAX_DAYS,
            error_messages={"min_value": f"days must be between 1 and {MAX_DAYS}.",
                            "max_value": f"days must be between 1 and {MAX_DAYS}.",
                            "invalid": f"days must be a whole number between 1 and {MAX_DAYS}."})

        def validate_gpu_type(self, value):
            try:
                self.context["specs"] = gpus_named(value, family=True)
            except ValueError as exc:
                raise serializers.ValidationError(str(exc)) from None
            return value

        def to_internal_value(self, data):
            # Provider slugs are case-insensitive; an unknown one names the known ones.
            if isinstance(data.get("provider"), str):
                data = {**data, "provider": data["provider"].strip().lower()}
                if data["provider"] not in PROVIDERS:
                    raise serializers.ValidationError({"provider": [
                        f"Unknown provider {data['provider']!r}. Known: {', '.join(PROVIDERS)}."]})
            return super().to_internal_value(data)

        def validate_region(self, value):
            if not value.strip():
                return ""
            continent = normalize_continent(value)
            if continent is None:
                raise serializers.ValidationError(f"Unknown region {value!r}. Use one of: {', '.join(CONTINENTS)}.")
            return continent

    @extend_schema(parameters=[InputSerializer], responses={200: dict, **GET_ERRORS},
                   summary="Price history (lowest / median USD per GPU-hour, availability) per provider")
    def get(self, request):
        data = request.query_params
        ser = self.InputSerializer(data={k: data.get(k) for k in ("gpu_type", "provider", "region", "days")
                                         if data.get(k) is not None})
        ser.is_valid(raise_exception=True)
        v = ser.validated_data
        specs = ser.context["specs"]
        series = price_history(gpu_key=gpu_key_for(specs), days=v["days"], region=v.get("region", ""),
                               providers=[v["provider"]] if v.get("provider") else None)
        latest = [s.points[-1].t for s in series if s.points]
        return Response({
            "gpu_type": v["gpu_type"],
            "gpu_models": [{"slug": g.slug, "name": g.name} for g in specs],
            "days": v["days"],
            "region": v.get("region") or None,
            "series": [s.as_dict() for s in series],
            "as_of": max(latest).isoformat() if latest else None,
            "notes": NOTES,
        })
