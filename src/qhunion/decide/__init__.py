"""Decide: what the rule engine (`qhunion.rules`, kept at the top) is fed with. `ruleset` loads the rules and
thresholds as data tied to their clauses, `precedence` is the order of the steps and what each assumes,
`concentration` counts a county's carriers and drivers, `rulesdoc` shows the rule set as people read it."""
