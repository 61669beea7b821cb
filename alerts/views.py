"""Pages: price alerts (list + create, edit, pause, delete) and notifications, for the signed-in
user only (another user's alert answers 404). URL names stay in the ``pricing`` namespace
(``pricing:alerts``...): config/urls.py mounts these under /prices/ with the pricing pages."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from . import notices
from . import services as alert_services
from .forms import MarkNotificationsReadForm, PriceAlertForm
from .models import Notification, PriceAlert
from .notices import Notice

LIST_MAX = 200  # notices on the page, newest first (every source together)


def _own_alert(request, pk: int) -> PriceAlert:
    # Another user's alert answers 404, like one that does not exist.
    return get_object_or_404(PriceAlert.objects.select_related("gpu"), pk=pk, user=request.user)


@login_required
def alerts_page(request):
    if request.method == "POST":
        form = PriceAlertForm(request.POST, user=request.user)
        if form.is_valid():
            alert = form.save(commit=False)
            alert.user = request.user
            alert_services.alert_save(alert=alert, changed=True)
            messages.success(request, "Alert saved. It is checked after every price poll.")
            return redirect("pricing:alerts")
    else:
        initial = {"gpu": request.GET.get("gpu") or None}
        if (request.GET.get("job") or "").isdigit():
            # "Watch this job's cost" from a job page: the job's own configuration.
            initial.update(kind=PriceAlert.Kind.JOB_COST, job=int(request.GET["job"]))
        form = PriceAlertForm(user=request.user, initial=initial)
    alerts = list(PriceAlert.objects.filter(user=request.user).select_related("gpu"))
    rows = [{"alert": a, "description": alert_services.describe_alert(a)} for a in alerts]
    return render(request, "pricing/alerts.html", {"form": form, "rows": rows,
                                                   "email_enabled": settings.EMAIL_ENABLED})


@login_required
def alert_edit(request, pk: int):
    alert = _own_alert(request, pk)
    if request.method == "POST":
        form = PriceAlertForm(request.POST, instance=alert, user=request.user)
        if form.is_valid():
            alert_services.alert_save(alert=form.save(commit=False), changed=form.has_changed())
            messages.success(request, "Alert updated.")
            return redirect("pricing:alerts")
    else:
        form = PriceAlertForm(instance=alert, user=request.user)
    return render(request, "pricing/alert_edit.html", {"form": form, "alert": alert})


@login_required
@require_POST
def alert_pause(request, pk: int):
    alert = _own_alert(request, pk)
    paused = request.POST.get("paused") == "1"
    alert_services.alert_set_paused(alert=alert, paused=paused)
    messages.success(request, "Alert paused." if paused else "Alert resumed.")
    return redirect("pricing:alerts")


@login_required
@require_POST
def alert_delete(request, pk: int):
    alert = _own_alert(request, pk)
    alert.delete()
    messages.success(request, "Alert deleted.")
    return redirect("pricing:alerts")


@login_required
def notifications_page(request):
    if request.method == "POST":
        form = MarkNotificationsReadForm(request.POST)
        if form.is_valid():
            alert_services.notifications_mark_read(user=request.user, ids=form.ids(), source=form.cleaned_data["source"])
            return redirect("pricing:notifications")
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        status = 400
    else:
        status = 200
    own = [Notice(source="", id=n.pk, title=n.title, body=n.body, url=n.url, link_words="See the price history",
                  created_at=n.created_at, unread=n.read_at is None)
           for n in Notification.objects.filter(user=request.user)[:LIST_MAX]]
    items = sorted(own + notices.from_sources(request.user, LIST_MAX), key=lambda n: n.created_at, reverse=True)
    items = items[:LIST_MAX]
    unread = (Notification.objects.filter(user=request.user, read_at__isnull=True).count()
              + notices.unread_from_sources(request.user))
    return render(request, "pricing/notifications.html", {"items": items, "unread": unread}, status=status)
