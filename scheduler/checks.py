"""System checks for settings that would otherwise fail at 3 am."""

from django.conf import settings
from django.core.checks import Error, register


@register()
def check_publisher_settings(app_configs, **kwargs):
    errors = []
    if not settings.USE_TZ:
        errors.append(Error("USE_TZ must be True: slots are aware datetimes.", id="scheduler.E001"))
    cluster = getattr(settings, "Q_CLUSTER", {})
    timeout, retry = cluster.get("timeout"), cluster.get("retry")
    if timeout is not None and retry is not None and retry <= timeout:
        errors.append(
            Error(
                f"Q_CLUSTER retry ({retry}) must be greater than timeout ({timeout}), "
                "or a long task is handed to a second worker while the first still runs.",
                id="scheduler.E002",
            )
        )
    if timeout is not None and timeout <= settings.PUBLISHER_LOOP_SECONDS:
        errors.append(
            Error(
                f"Q_CLUSTER timeout ({timeout}) must outlast "
                f"PUBLISHER_LOOP_SECONDS ({settings.PUBLISHER_LOOP_SECONDS}).",
                id="scheduler.E003",
            )
        )
    if settings.PUBLISH_STALE_SENDING_SECONDS <= settings.OUTBOUND_TOTAL_DEADLINE:
        errors.append(
            Error(
                "PUBLISH_STALE_SENDING_SECONDS must be longer than OUTBOUND_TOTAL_DEADLINE, "
                "or a slow send in progress would be flagged as a dead worker's.",
                id="scheduler.E004",
            )
        )
    return errors
