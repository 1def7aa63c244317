"""The plan file: its schema and cross-checks (``schema``), reading a file (``file``), storing and reading back

(``store``), the breakdown table (``breakdown``).
"""
