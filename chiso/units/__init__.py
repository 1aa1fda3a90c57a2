"""Units room: administrative units (dated, with the 2025 lineage) and agencies.

Domain services over the store; imports nothing from web, cli or flows. Submodules (docs/units.md and
docs/agencies.md have the full map): text (Vietnamese fold and sort keys); admin_sources, admin_load,
admin (administrative units: read the packages, load, query); agencies (the register), agency_history,
groups, agency_export; agency_parse, agency_checks, agency_references, agency_import (the file import);
io (CSV/Excel files); access (who may write); demo (the units room's demo steps); schemas (pydantic).
"""
