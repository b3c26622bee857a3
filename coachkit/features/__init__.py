"""Feature extraction: pure functions from canonical frames (or plain arrays) to numbers and frames.

Nothing in this package touches the disk, the network or the clock (docs/design.md §1).
"""
