"""Is a value plausible for its unit? The min-max rule of DHIS2, drawn from the unit's own history.

Indicators room; a pure function of plain numbers (no database, no clock). The band is the mean of
the unit's last values (up to 12, at least `MIN_HISTORY`) plus or minus `limit` population standard
deviations; a value outside it is an outlier the reporter must confirm with a note. With too short a
history, or no limit in the catalogue (`outlier_sd` empty), nothing is flagged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from statistics import fmean, pstdev

MIN_HISTORY = 4
HISTORY_WINDOW = 12
_SLACK = 1e-9  # a value on the band's edge (up to rounding) is inside


@dataclass(frozen=True)
class Flag:
    """An outlier: the value, the band of the unit's history it falls outside, and how many values drew it."""

    value: float
    mean: float
    sd: float
    low: float
    high: float
    count: int
    limit: float

    @property
    def message_vi(self) -> str:
        def vi(number: float, shape: str = ".4g") -> str:
            return format(number, shape).replace(".", ",")

        return (
            f"Giá trị {vi(self.value, 'g')} ngoài khoảng thường gặp {vi(self.low)} – {vi(self.high)} "
            f"(trung bình {self.count} kỳ trước {vi(self.mean)} ± {vi(self.limit, 'g')} độ lệch chuẩn): "
            "kiểm tra lại, ghi lý do và đánh dấu Xác nhận nếu đúng"
        )

    @property
    def message_en(self) -> str:
        return (
            f"The value {self.value:g} is outside the usual range {self.low:.4g} – {self.high:.4g} "
            f"(mean of the last {self.count} periods {self.mean:.4g} ± {self.limit:g} standard deviations): "
            "check it, write why and tick Confirm if it is right"
        )


def check_plausibility(
    history: Sequence[float], value: float, *, limit: float | None, min_history: int = MIN_HISTORY
) -> Flag | None:
    """Return a Flag when `value` lies beyond `limit` standard deviations of the unit's history.

    Args:
        history: the unit's earlier values, oldest first (only the last 12 are used).
        value: the new value.
        limit: how many standard deviations are plausible (the catalogue's `outlier_sd`); None: no check.
        min_history: fewer earlier values than this flag nothing.

    Returns:
        None when the value is plausible (or cannot be judged), else the Flag with the band.

    Example:
        >>> check_plausibility([10, 12, 11, 13, 12, 11], 30, limit=3).high < 30
        True
        >>> check_plausibility([10, 12, 11], 30, limit=3) is None
        True
    """
    recent = list(history)[-HISTORY_WINDOW:]
    if limit is None or len(recent) < min_history:
        return None
    mean = fmean(recent)
    sd = pstdev(recent, mu=mean)
    reach = limit * sd
    slack = _SLACK * max(1.0, abs(mean), reach)
    if abs(value - mean) <= reach + slack:
        return None
    return Flag(value, mean, sd, mean - reach, mean + reach, len(recent), limit)
