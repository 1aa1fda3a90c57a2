"""Flows: the only place that composes rooms: a scoring run, monitoring -> assessment, the live board,
dashboards and scorecards, the demo, scheduled jobs. Rooms never import flows; web and cli call it.
"""
