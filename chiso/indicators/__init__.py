"""The province's indicator catalogue, the values departments report, and the dashboards built on them.

Domain room (beside assessment and reports); imports chiso.units, chiso.accounts, chiso.store,
chiso.monitoring (the formula syntax, metric names) and the bottom layer, never flows, web or cli. Files:
`periods.py` (period keys), `formula.py` (numerator / denominator x factor, parsed, never evaluated as
Python), `schemas.py` (pydantic in/out), `catalogue.py` (catalogue use cases), `values.py` (entering,
checking and approving values), `cube.py` (reading values for dashboards), `dashboards.py` (saved
dashboards and their versions).
"""
