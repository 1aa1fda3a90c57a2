"""Follow-up room: targets, alerts, requests for explanation, action plans, notifications and their delivery.

Domain layer: imports chiso.store, chiso.accounts, chiso.units and chiso.assessment (its models and
read services); never chiso.flows, chiso.web or chiso.cli. Work that composes rooms (evaluating rules
over monitoring results, reminders before assessment deadlines, the worker loop) is in chiso/flows/.
"""
