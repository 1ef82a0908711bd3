from django.db import DatabaseError

from guard.selectors import engaged_switches


def kill_switch_banner(request) -> dict:
    """Every admin page shows whether channels are halted; an unreadable state says so too."""
    if not request.path.startswith("/admin/") or not getattr(request, "user", None) or not request.user.is_staff:
        return {}
    try:
        return {"halted_switches": engaged_switches(), "guard_state_unreadable": False}
    except DatabaseError:
        return {"halted_switches": [], "guard_state_unreadable": True}
