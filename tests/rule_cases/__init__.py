"""Rule cases as data (issue 3): the TOML files here, their loader (`cases`), and survey files built for the
command-line and workbook tests (`surveys`)."""
