"""Public contributions, moderation and audit, kept in a SQL database.

- :mod:`.db`: the database URL (``AGORA_DATABASE_URL`` or the workspace's SQLite file),
  the engine, Alembic migrations at start-up.
- :mod:`.schema`: the tables.
- :mod:`.rules`: what a contribution may hold (kinds, limits, plain text, positions).
- :mod:`.service`: the operations (submit, support, moderate, audit, moderators).
- :mod:`.survey`: confirmed unit reports as a units dataset.
"""

from .rules import (
    KINDS,
    PLACE_STANDARD,
    REJECT_REASONS,
    REPORT_CHANGES,
    STATUSES,
    THEMES,
    ContributionError,
    RateLimited,
    Submission,
)
from .service import ContributionStore, RateLimits, Receipt, SignInError

__all__ = [
    "KINDS", "PLACE_STANDARD", "REJECT_REASONS", "REPORT_CHANGES", "STATUSES", "THEMES",
    "ContributionError", "RateLimited", "Submission", "ContributionStore", "RateLimits", "Receipt", "SignInError",
]
