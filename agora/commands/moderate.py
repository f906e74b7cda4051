"""``python -m agora moderate ID approve|reject|hide [--reason R] --as NAME``."""

from .moderation import register, run

__all__ = ["register", "run"]
