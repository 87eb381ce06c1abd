"""Presentation without Flask: tables, CSV and plotly figures built from dashboard results."""
