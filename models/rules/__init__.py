"""The pure rules, plain functions over plain data: the working calendar, the escalation ladder, scoring and

ranking, the target split.
"""
