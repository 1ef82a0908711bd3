from django.conf import settings
from django.core.checks import Error, register


@register()
def check_banner_context_processor(app_configs, **kwargs):
    processors = [p for engine in settings.TEMPLATES for p in engine.get("OPTIONS", {}).get("context_processors", [])]
    if "guard.context_processors.kill_switch_banner" not in processors:
        return [
            Error(
                "guard.context_processors.kill_switch_banner is not in TEMPLATES: "
                "admin pages would not show that channels are halted.",
                id="guard.E001",
            )
        ]
    return []
