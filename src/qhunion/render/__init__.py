"""Render for a terminal or a script: `tables` (terminal tables, CSV, JSON from records), `tablefit`
(tables that fit the width they are given), `console` (output that survives a GBK console, progress).
Workbooks are `qhunion.xlsx`'s, the Word report `qhunion.report`'s."""
