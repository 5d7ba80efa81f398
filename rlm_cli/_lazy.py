"""Package attributes imported on first use, so importing a package costs only what is used."""

from __future__ import annotations

import importlib
from typing import Any, Callable, Mapping


def lazy_exports(package: str, exports: Mapping[str, str], namespace: dict) -> Callable[[str], Any]:
    """A module ``__getattr__`` that imports ``exports[name]`` (a submodule) when ``name`` is asked for.

    Every exported name of that submodule is bound at once: importing submodule ``load``
    sets the package attribute ``load`` to the module, which would otherwise shadow a
    function of the same name.
    """

    def __getattr__(name: str) -> Any:
        if name not in exports:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module = importlib.import_module(f".{exports[name]}", package)
        for other, where in exports.items():
            if where == exports[name]:
                namespace[other] = getattr(module, other)
        return namespace[name]

    return __getattr__
