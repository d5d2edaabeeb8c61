"""django-q2 entry points (scheduled by migration 0002)."""


def rollup_refresh_task() -> int:
    from insights.services.rollup import rollup_refresh

    return rollup_refresh()


def weekly_report_task() -> list[int]:
    """Monday 09:00 Asia/Shanghai: make sure last week's reviews are in the rollup, then build and send."""
    from insights.services.reports import weekly_report_run
    from insights.services.rollup import rollup_refresh

    rollup_refresh()
    return [report.pk for report in weekly_report_run()]


def daily_unresolved_task() -> tuple[int, int]:
    from insights.services.reports import daily_unresolved_notify

    return daily_unresolved_notify()
