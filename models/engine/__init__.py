"""The duty engine's SQL: obligations generated from the plan, working days as a table, the set-based sweep,

obligations duban creates itself.
"""
