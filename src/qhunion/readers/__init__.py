"""Read: bytes → sheets of raw cells with their Excel positions. `qhunion.io` is the front door (finding the
files, choosing a reader); here are the parts it uses — `sheet` (what every reader shares), `guard` (checks
made before a stranger's workbook is parsed), `isolate` (parsing in a child process), `webtables` (HTML
saved as .xls) and `spreadsheetml` (XML 表格 2003)."""
