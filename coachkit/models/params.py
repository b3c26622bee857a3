"""scikit-learn's estimator conventions without importing scikit-learn (about a second on
``coachkit risk``): ``get_params``, ``set_params`` and the repr, from the constructor's
keyword arguments. ``sklearn.base.clone`` works on any class that has them."""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from typing import Self  # Python 3.11


class Params:
    """Mixin: the constructor's keyword arguments are the estimator's parameters."""

    @classmethod
    def _param_defaults(cls) -> dict[str, Any]:
        params = inspect.signature(cls.__init__).parameters.values()
        return {p.name: p.default for p in sorted(params, key=lambda p: p.name) if p.name != "self"}

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The constructor's arguments by name, sorted."""
        return {name: getattr(self, name) for name in self._param_defaults()}

    def set_params(self, **params: Any) -> Self:
        """Set constructor arguments by name; returns the estimator."""
        known = self._param_defaults()
        for name, value in params.items():
            if name not in known:
                raise ValueError(
                    f"Invalid parameter {name!r} for {type(self).__name__}; valid: {sorted(known)}"
                )
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        defaults = self._param_defaults()
        changed = (f"{k}={v!r}" for k, v in self.get_params().items() if v != defaults[k])
        return f"{type(self).__name__}({', '.join(changed)})"
