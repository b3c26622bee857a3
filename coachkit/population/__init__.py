"""The fitted population parameters shipped with coachkit (data only, no code).

The ``*.json`` files beside this one are what the models' population layers start from. They
were fitted by ``coachkit population fit`` (:mod:`coachkit.app.population`) on the public
benchmark data read by :mod:`coachkit.io.population`; that data is not redistributed with the
package (its licence is unknown), only referenced by sha256 so that a refit can be checked
against the same bytes. ``peers.json`` ("runners like you", :mod:`coachkit.app.peers`) is the
one file that holds per-runner summaries (anonymous ids, weekly km of 12 weeks, no dates).
"""
