from django import forms


class TeamForm(forms.Form):
    name = forms.CharField(max_length=80)


class InviteForm(forms.Form):
    username = forms.CharField(max_length=150, label="Username")
