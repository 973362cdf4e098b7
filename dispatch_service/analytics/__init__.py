"""Service-history analytics: what fails most, where the risk is, how the service stands.

Pure Python, numpy and pandas (plus h3 and PySAL for the spatial part); nothing here knows about
gRPC. The server (``dispatch_service.analytics_rpc``) and the CLI (``dispatch analyze``) call
``analysis.analyze`` on records read and checked by ``records``.

Modules: ``records`` (columns, reading, validation), ``faults`` (high-frequency problems),
``areas`` (h3 cells and Getis-Ord Gi* hotspots), ``targets`` (KPIs against the service targets),
``standby`` (standby positions and parts per area), ``analysis`` (the whole pipeline and its
result), ``report`` (offline HTML and JSON), ``generator`` (realistic synthetic history).
"""
