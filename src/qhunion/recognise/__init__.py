"""Recognise: raw sheets → `Record`s. `intake` finds the survey in a sheet (a table under titles, or forms),
`headers` and `evidence` say what each column means, `forms` reads label/value forms, `rowreader` turns rows
into records, and `context` places a record its row does not place."""
