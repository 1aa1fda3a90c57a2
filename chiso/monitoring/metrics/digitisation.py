"""Digitisation of dossiers (số hóa hồ sơ, 22 points); monitoring layer, imports only the metrics base.

As the national portal computes them (METHODOLOGY §1): every dossier indicator is over the dossiers
received in the period (electronic results and data-store sync too, not finished dossiers); no
dossier -> null. ``e_certified_copy`` and ``personal_storage_synced`` are optional dossier columns
(false when the source does not send them). E-certified copies are measured here; the qd766
framework scores them 2 points for every unit by default, as the portal does while it has no
data source. Procedures connected to the population database are the catalogue's procedures for
citizens (``for_citizens``) flagged ``population_data_connected`` over the procedures for citizens:
a dossier that used population data does not by itself mark its procedure connected.
"""

from __future__ import annotations

from chiso.monitoring.metrics.base import Metric, flag, one, register

ORIGINAL_RESULT_AVAILABLE = register(
    Metric(
        "ORIGINAL_RESULT_AVAILABLE",
        "digitisation",
        "dossiers",
        flag("e_result"),
        one,
        "null",
        "Hồ sơ có kết quả điện tử",
        "Finished dossiers with an electronic result",
        "e_result / received",
    )
)
SO_HOA_GIAY_TO_GIAI_QUYET = register(
    Metric(
        "SO_HOA_GIAY_TO_GIAI_QUYET",
        "digitisation",
        "dossiers",
        flag("digitised"),
        one,
        "null",
        "Hồ sơ được số hóa",
        "Digitised dossiers",
        "digitised / received; points 4 x rate (the document's full marks at 80% is an option)",
    )
)
ELECTRONIC_CERTIFIED_COPY = register(
    Metric(
        "ELECTRONIC_CERTIFIED_COPY",
        "digitisation",
        "dossiers",
        flag("e_certified_copy"),
        one,
        "null",
        "Hồ sơ dùng bản sao điện tử chứng thực",
        "Dossiers with electronic certified copies",
        "e_certified_copy / received (measured; scored 2 for every unit by default, as the portal)",
    )
)
REUSED_DIGITIZED_DATA = register(
    Metric(
        "REUSED_DIGITIZED_DATA",
        "digitisation",
        "dossiers",
        flag("reused_data"),
        one,
        "null",
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
        flag("personal_storage_synced"),
        one,
        "null",
        "Kết quả điện tử đồng bộ kho dữ liệu cá nhân trên Cổng DVC quốc gia",
        "Results synchronised with the citizen's data store on the national portal",
        "personal_storage_synced / received",
    )
)
CITIZEN_DATA_CONNECTED_DOSSIER = register(
    Metric(
        "CITIZEN_DATA_CONNECTED_DOSSIER",
        "digitisation",
        "dossiers",
        flag("population_data"),
        one,
        "null",
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
        flag("for_citizens", "population_data_connected"),
        flag("for_citizens"),
        "null",
        "Thủ tục kết nối dữ liệu dân cư",
        "Procedures connected to the population database",
        "procedures for citizens connected to the population database / procedures for citizens",
    )
)
