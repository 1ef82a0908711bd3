from django.apps import AppConfig


class GuardConfig(AppConfig):
    name = "guard"
    verbose_name = "Crisis guard"

    def ready(self) -> None:
        from guard import checks  # noqa: F401  (registers system checks)
