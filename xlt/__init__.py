"""xlt: cross-lingual transfer experiments between high- and extremely low-resource languages."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("xlt")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
