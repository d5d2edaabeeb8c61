"""django-q2 entry points (scheduled by migrations 0004 and 0005)."""


def training_awards_task() -> dict:
    """Daily: QA awards of this month and last month, response KPIs of last month (idempotent)."""
    from django.utils import timezone

    from incentives.services.sweeps import previous_month_code, qa_awards_sweep, response_kpi_sweep

    this_month = timezone.localdate().strftime("%Y-%m")
    last_month = previous_month_code()
    return {
        "qa": qa_awards_sweep(month_code=last_month) + qa_awards_sweep(month_code=this_month),
        "response_kpi": response_kpi_sweep(month_code=last_month),
    }


def quarter_top_task() -> int:
    """Quarterly (first day of a quarter): paid leave for the top 3 of the quarter just ended."""
    from incentives.services.awards import quarter_top_award
    from incentives.services.sweeps import previous_quarter_code

    return len(quarter_top_award(quarter_code=previous_quarter_code()))


def conversion_awards_task() -> dict:
    """Every 10 minutes: conversions (and reverts) whose event the ledger missed (idempotent)."""
    from incentives.services.sweeps import conversion_awards_sweep

    return conversion_awards_sweep()
