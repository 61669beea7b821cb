"""The team notices (budget at 80%, budget stop, launch failed) as a notice source of alerts'
nav badge and notifications page (alerts.notices; registered in LaunchConfig.ready()). A member
sees the notices of their teams from the day they joined; reading one marks it for them only."""

from __future__ import annotations

from django.db.models import Exists, F, OuterRef
from django.utils import timezone

from alerts.notices import Notice

from .models import TeamNotice, TeamNoticeRead


class TeamNotices:
    name = "launch"

    def _visible(self, user):
        # One join: the user's membership of the notice's team, and only what came after they joined.
        return TeamNotice.objects.filter(team__memberships__user=user,
                                         team__memberships__created_at__lte=F("created_at"))

    def unread_count(self, user) -> int:
        return self._visible(user).exclude(reads__user=user).count()

    def notices(self, user, limit: int) -> list[Notice]:
        rows = (self._visible(user).select_related("team")
                .annotate(is_read=Exists(TeamNoticeRead.objects.filter(notice=OuterRef("pk"), user=user)))[:limit])
        return [Notice(source=self.name, id=n.pk, title=f"{n.title} ({n.team.name})", body=n.body, url=n.url,
                       link_words="See the job", created_at=n.created_at, unread=not n.is_read) for n in rows]

    def mark_read(self, user, ids: list[int] | None) -> int:
        qs = self._visible(user).exclude(reads__user=user)
        if ids is not None:
            qs = qs.filter(pk__in=ids)
        now = timezone.now()
        reads = [TeamNoticeRead(notice_id=pk, user=user, read_at=now) for pk in qs.values_list("pk", flat=True)]
        TeamNoticeRead.objects.bulk_create(reads, ignore_conflicts=True)  # a double click reads once
        return len(reads)
