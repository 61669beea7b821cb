"""``{% launch_outcome o %}``: "launched 9 of 10 times this week" beside an offer's availability.
One query per page render (the counts are read once and kept in the render context)."""

from django import template
from django.utils.html import format_html

from launch.selectors import outcome_words, outcomes_this_week

register = template.Library()
KEY = "launch_outcomes_this_week"


@register.simple_tag(takes_context=True)
def launch_outcome(context, option) -> str:
    if not isinstance(option, dict) or not option.get("provider"):
        return ""
    rc = context.render_context
    if KEY not in rc:
        rc[KEY] = outcomes_this_week()
    words = outcome_words(rc[KEY], option)
    return format_html(' <span class="small launch-outcome">{}</span>', words) if words else ""
