"""The scoring engine: pure, vectorised, from values to points, ranks, bands and changes.

Imports nothing from chiso but chiso.errors and chiso.frameworks; never touches a database, file or clock.
The analyses that load SciPy are imported from their modules, so `import chiso.scoring` stays light:
chiso.scoring.uncertainty (rank intervals), chiso.scoring.sensitivity (Sobol' indices, removal of an
indicator) and chiso.scoring.planner (improvement plans).
"""

from chiso.scoring.changes import LINEAGE_POLICIES, STATUSES
from chiso.scoring.engine import replay, result_of_run, score
from chiso.scoring.pipeline import Run, run_pipeline
from chiso.scoring.publish import round_half_up, shared_ranks
from chiso.scoring.result import ScoreResult
from chiso.scoring.rules import RULES
from chiso.scoring.runlog import ENGINE_VERSION
from chiso.scoring.tree import NOTES
from chiso.scoring.whatif import CriterionChange, Standing, WhatIfResult, what_if

__all__ = [
    "ENGINE_VERSION",
    "LINEAGE_POLICIES",
    "NOTES",
    "RULES",
    "STATUSES",
    "CriterionChange",
    "Run",
    "ScoreResult",
    "Standing",
    "WhatIfResult",
    "replay",
    "result_of_run",
    "round_half_up",
    "run_pipeline",
    "score",
    "shared_ranks",
    "what_if",
]
