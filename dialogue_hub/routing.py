"""Routes that share a prefix, the prefix written once.

`group("registration/<str:token>/", path("", ...), path("confirm/", ...))` is one route that
holds the others, each relative to the prefix: a nested `include()` of a list. It adds no
namespace, so every name stays the URL module's own and `reverse()` gives the same path as a
flat list of `path()`s with the prefix repeated would.
"""

from django.urls import include, path


def group(prefix: str, *routes):
    """One route that holds `routes`, each relative to `prefix`."""
    return path(prefix, include(list(routes)))
