"""The assessment cycle: periods, self-assessment with evidence, review, approval, publication, audit.

Domain layer: services taking the session explicitly (they flush, never commit); imports the store,
scoring and frameworks, never web or cli.
"""
