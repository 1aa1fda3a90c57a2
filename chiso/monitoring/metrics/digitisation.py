"""Digitisation of dossiers (số hóa hồ sơ, 22 points); monitoring layer, imports only ibis and base.

Result indicators count dossiers finished (status ``finished``) by the cut-off; the others count
dossiers received in the period. ``e_certified_copy`` and ``personal_storage_synced`` are the
optional dossier columns of chiso.monitoring.records (false when the source does not send them).
A procedure counts as connected to the population database when the catalogue says so
(``population_data_connected``) or when one of its dossiers of the period used population data.
"""

from __future__ import annotations

import ibis.expr.types as ir

from chiso.monitoring.metrics.base import Metric, one, register


def _finished(d: ir.Table) -> ir.BooleanValue:
    return d.is_finished & (d.status == "finished")


def _e_result(d: ir.Table) -> ir.BooleanValue:
    return _finished(d) & d.e_result


def _digitised(d: ir.Table) -> ir.BooleanValue:
    return d.digitised


def _certified_copy(d: ir.Table) -> ir.BooleanValue:
    return d.e_certified_copy


def _reused(d: ir.Table) -> ir.BooleanValue:
    return d.reused_data


def _result_in_personal_storage(d: ir.Table) -> ir.BooleanValue:
    return _finished(d) & d.personal_storage_synced


def _population(d: ir.Table) -> ir.BooleanValue:
    return d.population_data


def _procedure_uses_population(p: ir.Table) -> ir.BooleanValue:
    return p.population_data_connected | p.has_population_data


ORIGINAL_RESULT_AVAILABLE = register(
    Metric(
        "ORIGINAL_RESULT_AVAILABLE",
        "digitisation",
        "dossiers",
        _e_result,
        _finished,
        "zero",
        "Hồ sơ có kết quả điện tử",
        "Finished dossiers with an electronic result",
        "e_result / finished dossiers",
    )
)
SO_HOA_GIAY_TO_GIAI_QUYET = register(
    Metric(
        "SO_HOA_GIAY_TO_GIAI_QUYET",
        "digitisation",
        "dossiers",
        _digitised,
        one,
        "zero",
        "Hồ sơ được số hóa",
        "Digitised dossiers",
        "digitised / received (full marks at 80%)",
    )
)
ELECTRONIC_CERTIFIED_COPY = register(
    Metric(
        "ELECTRONIC_CERTIFIED_COPY",
        "digitisation",
        "dossiers",
        _certified_copy,
        one,
        "zero",
        "Hồ sơ dùng bản sao điện tử chứng thực",
        "Dossiers with electronic certified copies",
        "e_certified_copy / received",
    )
)
REUSED_DIGITIZED_DATA = register(
    Metric(
        "REUSED_DIGITIZED_DATA",
        "digitisation",
        "dossiers",
        _reused,
        one,
        "zero",
        "Hồ sơ tái sử dụng dữ liệu số hóa",
        "Dossiers reusing digitised data",
        "reused_data / received; points min(2, 2 x rate / 80%)",
    )
)
SYNCED_WITH_DVCQG_PERSONAL_STORAGE = register(
    Metric(
        "SYNCED_WITH_DVCQG_PERSONAL_STORAGE",
        "digitisation",
        "dossiers",
        _result_in_personal_storage,
        _finished,
        "zero",
        "Kết quả điện tử đồng bộ kho dữ liệu cá nhân trên Cổng DVC quốc gia",
        "Results synchronised with the citizen's data store on the national portal",
        "personal_storage_synced / finished dossiers",
    )
)
CITIZEN_DATA_CONNECTED_DOSSIER = register(
    Metric(
        "CITIZEN_DATA_CONNECTED_DOSSIER",
        "digitisation",
        "dossiers",
        _population,
        one,
        "zero",
        "Hồ sơ khai thác dữ liệu dân cư",
        "Dossiers using the population database",
        "population_data / received",
    )
)
CITIZEN_DATA_CONNECTED_FORMALITY = register(
    Metric(
        "CITIZEN_DATA_CONNECTED_FORMALITY",
        "digitisation",
        "procedures",
        _procedure_uses_population,
        one,
        "zero",
        "Thủ tục kết nối dữ liệu dân cư",
        "Procedures connected to the population database",
        "procedures connected to (or whose dossiers used) population data / procedures",
    )
)
