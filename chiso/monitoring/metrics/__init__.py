"""The Decision 766 metrics, one module per indicator family; monitoring layer, imports ibis and chiso.errors.

Importing this package registers every built-in metric (see ``builtin_metrics()``).
"""

from chiso.monitoring.metrics import (  # noqa: F401  (imported to register their metrics)
    digitisation,
    online,
    payment,
    satisfaction,
    timeliness,
    transparency,
)
from chiso.monitoring.metrics.base import (
    KEYS,
    SOURCES,
    Metric,
    builtin_metrics,
    get_metric,
    one,
    register,
)

__all__ = [
    "KEYS",
    "SOURCES",
    "Metric",
    "builtin_metrics",
    "get_metric",
    "one",
    "register",
]
