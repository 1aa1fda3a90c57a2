"""Units room: administrative units (dated, with the 2025 lineage) and agencies.

Domain services over the store; imports nothing from web or cli. Submodules: text (Vietnamese fold
and sort keys), admin (administrative units), agencies, io, demo; schemas holds the pydantic models.
"""
