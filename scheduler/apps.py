from django.apps import AppConfig


class SchedulerConfig(AppConfig):
    name = "scheduler"
    verbose_name = "Content calendar"

    def ready(self) -> None:
        from scheduler import checks  # noqa: F401  (registers system checks)
