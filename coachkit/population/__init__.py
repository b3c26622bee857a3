"""The fitted population parameters shipped with coachkit (data only, no code).

The ``*.json`` files beside this one are what the models' population layers start from. They
were fitted by ``coachkit population fit`` (:mod:`coachkit.app.population`) on the public
benchmark data read by :mod:`coachkit.io.population`; that data is not redistributed with the
package (its licence is unknown), only referenced by sha256 so that a refit can be checked
against the same bytes.
"""
