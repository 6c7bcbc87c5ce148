"""Normalise: cell text → clean values. `text` (widths, spaces, punctuation), `values` (numbers, dates,
statuses as people type them), `credit` (统一社会信用代码), `regions` and `places` (the Qinghai gazetteer
and where a text names), `privacy` (personal data by its shape, masked wherever it is shown)."""
