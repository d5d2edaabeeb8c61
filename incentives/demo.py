"""Demo ledger (idempotent): two months of entries for the demo agents, a locked month, a redemption
and a dispute. Keys are fixed strings, so running it again posts nothing new."""


def build_demo(*, shops, users, stdout) -> None:
    pass
