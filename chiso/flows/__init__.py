"""Flows: the only place that composes rooms: a scoring run, monitoring -> assessment, the live board,
dashboards and scorecards, the demo, scheduled jobs; rooms never import flows. Web and cli call it.

Flows import the domain rooms (units, accounts, assessment, followup, reports) and what lies below
them; each flow calls the rooms' own services and steps in order and adds nothing a room should own.
"""
