"""Reports: the ranking as a Decree 30 PDF, scorecards, the 766 leader brief, the written summary, Excel,
open data and charts (Vega-Lite rendered offline by vl-convert).

Domain layer: plain typed inputs (`chiso.reports.schemas`) in, bytes or text out; never the database,
never assessment, flows or web. See docs/reports.md.
"""
