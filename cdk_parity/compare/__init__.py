"""The comparison: both sides normalised to one vocabulary, paired, and judged.

``sides`` runs each side as the comparison runs it, ``kinds`` maps each resource kind of
both sides to one vocabulary, ``engine`` pairs and judges them against the reviewed
differences, ``points`` reads the talk's points from the result, ``measure`` and
``metrics`` time and size both sides, and ``run`` does all of it for the command.
"""
