"""The scoring engine: pure, vectorised, from values to points, ranks, bands and changes.

Imports nothing from chiso but chiso.errors and chiso.frameworks; never touches a database, file or clock.
"""

from chiso.scoring.changes import LINEAGE_POLICIES, STATUSES
from chiso.scoring.engine import replay, score
from chiso.scoring.publish import round_half_up, shared_ranks
from chiso.scoring.result import ScoreResult
from chiso.scoring.rules import RULES
from chiso.scoring.runlog import ENGINE_VERSION
from chiso.scoring.tree import NOTES

__all__ = [
    "ENGINE_VERSION",
    "LINEAGE_POLICIES",
    "NOTES",
    "RULES",
    "STATUSES",
    "ScoreResult",
    "replay",
    "round_half_up",
    "score",
    "shared_ranks",
]
