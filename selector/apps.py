from django.apps import AppConfig


class SelectorConfig(AppConfig):
    name = "selector"
