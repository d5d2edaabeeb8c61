"""The jobs app has no admin page (its rows are seen on "my jobs"); it declares how a job reaches a shop."""

from jobs.models import Job
from reviewdesk.access import Scope, register_scope

# A job belongs to its owner's shops (and to its owner); jobs.queries narrows further by role.
register_scope(Job, Scope(user="owner", include_self=True))
