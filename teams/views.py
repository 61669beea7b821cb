"""Team pages: list and create, one team (members, invite, remove), switch the current team.
Outsiders get 404 (they learn nothing about a team they are not in)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from . import selectors, services
from .forms import InviteForm, TeamForm


def _member_team(request, pk: int):
    team = selectors.team_for_member(request.user, pk)
    if team is None:
        raise Http404("No such team")
    return team


@login_required
@require_http_methods(["GET", "POST"])
def team_list(request: HttpRequest) -> HttpResponse:
    form = TeamForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            team = services.team_create(owner=request.user, name=form.cleaned_data["name"])
        except services.TeamError as exc:
            form.add_error("name", str(exc))
        else:
            messages.success(request, f"Team “{team.name}” created. Invite members below.")
            return redirect("teams:detail", pk=team.pk)
    return render(request, "teams/team_list.html", {
        "teams": selectors.teams_for(request.user), "form": form, "current": selectors.current_team(request),
    })


@login_required
@require_http_methods(["GET", "POST"])
def team_detail(request: HttpRequest, pk: int) -> HttpResponse:
    team = _member_team(request, pk)
    role = selectors.role_in(request.user, team)
    form = InviteForm(request.POST or None)
    if request.method == "POST":
        if role != "owner":
            return HttpResponse("Only an owner of the team can invite members.", status=403)
        if form.is_valid():
            try:
                m = services.member_invite(team=team, by=request.user, username=form.cleaned_data["username"])
            except services.TeamError as exc:
                form.add_error("username", str(exc))
            else:
                messages.success(request, f"{m.user.get_username()} joined {team.name}.")
                return redirect("teams:detail", pk=team.pk)
    return render(request, "teams/team_detail.html", {
        "team": team, "role": role, "members": selectors.members_of(team), "form": form,
        "current": selectors.current_team(request),
    })


@login_required
@require_POST
def member_remove(request: HttpRequest, pk: int, membership_id: int) -> HttpResponse:
    team = _member_team(request, pk)
    if selectors.role_in(request.user, team) != "owner":
        return HttpResponse("Only an owner of the team can remove members.", status=403)
    try:
        services.member_remove(team=team, by=request.user, membership_id=membership_id)
    except services.TeamError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Member removed.")
    return redirect("teams:detail", pk=team.pk)


@login_required
@require_POST
def team_switch(request: HttpRequest, pk: int) -> HttpResponse:
    team = _member_team(request, pk)
    request.session[selectors.SESSION_KEY] = team.pk
    messages.success(request, f"You now act for {team.name}: its jobs, accounts and budgets.")
    nxt = str(request.POST.get("next") or "")
    # Only a path on this site (never //host or a full URL): no open redirect.
    return redirect(nxt if nxt.startswith("/") and not nxt.startswith("//") else "teams:list")
