"""`qhunion report`: `facts` gathers what the report says from the ledger as plain values, `document` lays it
out as a Chinese official document (GB/T 9704), `chart` draws the rates against the 60 % line."""
