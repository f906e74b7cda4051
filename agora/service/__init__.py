"""The data service: the one way pages, commands, benchmarks and the profile reach the workspace.

>>> from agora.service import DataService
>>> svc = DataService(read_only=True)   # doctest: +SKIP
>>> svc.centres()                       # every centre, small       # doctest: +SKIP
>>> svc.town("units", "castlebridge")   # one centre's units, read by centre_id  # doctest: +SKIP

See :mod:`agora.service.data_service`.
"""

from .data_service import DataService, TownData

__all__ = ["DataService", "TownData"]
