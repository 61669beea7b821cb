"""{% pricing_nav %}: the Prices link, and for a signed-in user Alerts and Notifications with the
unread count: the price-alert notifications and every registered notice source (alerts.notices:
launch's team notices), one COUNT query each per page for signed-in users."""

from django import template
from django.urls import reverse
from django.utils.html import format_html

from .. import notices
from ..models import Notification

register = template.Library()


@register.simple_tag(takes_context=True)
def pricing_nav(context):
    request = context.get("request")
    links = format_html('<a href="{}">Prices</a>', reverse("pricing:index"))
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return links
    unread = Notification.objects.filter(user=user, read_at__isnull=True).count() + notices.unread_from_sources(user)
    label = format_html('Notifications <span class="tag">{}<span class="visually-hidden"> unread</span></span>', unread) \
        if unread else "Notifications"
    return format_html('{} <a href="{}">Alerts</a> <a href="{}">{}</a>', links, reverse("pricing:alerts"),
                       reverse("pricing:notifications"), label)
