"""The wizard's state, held in the session between steps: step 1's configuration, step 2's filters,
the selected option (as the server found it), and the job step 4 recorded.

Everything here is JSON (the session serializer). Changing the configuration drops a selection made
for the old one, so a review can never show a choice priced for another job."""

from __future__ import annotations

from django.utils import timezone

KEY = "training_wizard"


class WizardState:
    def __init__(self, session):
        self.session = session
        self.data = dict(session.get(KEY) or {})

    def save(self) -> None:
        self.session[KEY] = self.data
        self.session.modified = True

    # step 1
    @property
    def config(self) -> dict | None:
        return self.data.get("config")

    def set_config(self, config: dict) -> None:
        if self.data.get("config") != config:
            self.data.pop("selection", None)
        self.data["config"] = config
        self.data.pop("job_id", None)
        self.save()

    # step 2
    @property
    def filters(self) -> dict | None:
        return self.data.get("filters")

    def set_filters(self, filters: dict) -> None:
        self.data["filters"] = filters
        self.save()

    @property
    def shown_prices(self) -> dict:
        """option id -> [hourly_rate, total_cost] as last shown on step 2 (server-side memory of
        what the user saw, so a changed price can be reported without trusting the form)."""
        return self.data.get("shown_prices") or {}

    def set_shown_prices(self, options) -> None:
        """``options``: the options step 2 listed (``wizard.compare_page.PageOption``); kept as
        decimal strings (JSON)."""
        self.data["shown_prices"] = {str(o.id): [str(o.hourly_rate), str(o.total_cost)] for o in options}
        self.save()

    @property
    def selection(self) -> dict | None:
        return self.data.get("selection")

    def set_selection(self, option: dict, comparison_id: int | None, payload: dict) -> None:
        self.data["selection"] = {"option": option, "comparison_id": comparison_id, "payload": payload,
                                  "selected_at": timezone.now().isoformat()}
        self.data.pop("job_id", None)
        self.save()

    def clear_selection(self) -> None:
        self.data.pop("selection", None)
        self.save()

    # step 4
    @property
    def job_id(self) -> int | None:
        return self.data.get("job_id")

    def set_job(self, job_id: int) -> None:
        self.data["job_id"] = job_id
        self.data.pop("selection", None)
        self.save()

    def furthest_step(self) -> str:
        if self.job_id:
            return "launch"
        if self.config and self.selection:
            return "review"
        if self.config:
            return "providers"
        return "configure"
