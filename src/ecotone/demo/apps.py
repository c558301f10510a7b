from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Builds the demo alliance. Sits above every domain: it composes them, none imports it."""

    name = "ecotone.demo"
    verbose_name = "Demo data"
