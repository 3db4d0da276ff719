"""Community health (SPEC, "Community health figures"): aggregates kept up to date by the
scheduler (``refresh``), the figures the dashboard and the API read from them (``figures``), the
organizers' alert (``alerts``) and the streamed CSV exports (``exports``)."""
