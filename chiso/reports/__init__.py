"""Reports: charts (Vega-Lite rendered to SVG offline by vl-convert), Excel, PDF, narrative.

Reads plain rows; imports nothing from web/.
"""
