"""The production URLconf plus /bench/floor: the cheapest JSON answer the same stack can give
(all middleware, DRF's JSON renderer, no database), to compare the real endpoints against."""

from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from config.urls import urlpatterns as production_urlpatterns
from selector.api.base import PublicApiThrottle


class FloorApi(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [PublicApiThrottle]

    def get(self, request):
        return Response({"ok": True})

    def post(self, request):
        return Response({"ok": True, "keys": sorted(request.data)[:5] if isinstance(request.data, dict) else []})


urlpatterns = [path("bench/floor", FloorApi.as_view()), *production_urlpatterns]
