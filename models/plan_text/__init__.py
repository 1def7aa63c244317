"""Reading a plan from the text of its notice (``duban plan import-text``): ``reader`` is the entry point;

``scan``, ``units``, ``targets`` and ``duties`` read parts of the notice into ``parsed`` dataclasses;
``build`` makes the plan; ``vocab`` is the notices' words.
"""
