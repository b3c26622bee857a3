"""Population data and the fitted population parameters shipped with coachkit.

The parameters (``*.json`` beside this file) are what the models' population layers start
from. They were fitted by ``coachkit population fit`` on the public benchmark data described in
``data.py``; that data is not redistributed with the package (its licence is unknown), only
referenced by sha256 so that a refit can be checked against the same bytes.
"""
