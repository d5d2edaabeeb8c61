"""The signed token of a survey link: the invitation's id and the first hex digits of its nonce, signed
with Django's signing (SECRET_KEY and a salt of its own). Short, since it goes into an SMS. Not
timestamped: the row decides expiry and use, and a new nonce (a re-issue after expiry) kills an old link."""

from django.core import signing

SALT = "training.surveys.link"
NONCE_DIGITS = 10  # 40 bits: the signature is what makes a link unforgeable; the nonce only retires it


def _signer() -> signing.Signer:
    return signing.Signer(salt=SALT, sep=".")


def invitation_token(invitation) -> str:
    return _signer().sign(f"{invitation.pk}-{invitation.nonce.hex[:NONCE_DIGITS]}")


def read_token(token: str) -> tuple[int, str] | None:
    """(invitation id, nonce prefix) of a token this site signed; None for anything else."""
    try:
        value = _signer().unsign(str(token)[:200])
        pk, nonce = value.split("-", 1)
        pk = int(pk)
    except (signing.BadSignature, ValueError):
        return None
    if not 0 < pk < 2**63 or len(nonce) != NONCE_DIGITS:
        return None
    return pk, nonce
