"""The 24 h spend report: built from hourly counters (``builder``), drawn as a self-contained
HTML page (``html``) and printed as a terminal table (``table``)."""
