"""django-q2 entry points (scheduled by migration 0003)."""


def certification_sweep_task() -> int:
    from training.services import certification_sweep

    return len(certification_sweep())
