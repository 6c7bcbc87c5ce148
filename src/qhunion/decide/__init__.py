"""Decide: what the rule engine (`qhunion.rules`, kept at the top) is fed with. `ruleset` loads the rules and
thresholds as data tied to their clauses, `precedence` is the order of the steps and what each assumes,
`rulesdoc` shows the rule set as people read it. (`qhunion.concentration`, which re-decides a county's
records after an import, uses the rules and the ledger, so it sits above both.)"""
