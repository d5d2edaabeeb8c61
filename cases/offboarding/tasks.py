"""django-q2 entry point of the daily erasure (scheduled by reviewdesk migration 0006)."""


def erase_expired_buyer_data_task() -> dict[str, dict[str, int]]:
    from cases.offboarding.erase import erase_every_client

    return {report.client: report.counts for report in erase_every_client()}
