"""The leaf layer: plain definitions every other layer shares; imports nothing from coachkit.

Canonical columns and dtypes (:mod:`~coachkit.core.schemas`), units and formatters
(:mod:`~coachkit.core.units`) and the athlete's local day (:mod:`~coachkit.core.localtime`).
"""
