"""Geolocation: turning coordinates into travel times and distances.

``geo`` knows nothing of the solver or of gRPC. Its one seam with the rest of the service is
``TravelProvider`` (``geo.provider``): coordinates in, integer matrices out.
"""

from geo.great_circle import GreatCircleProvider, haversine_m
from geo.provider import TravelProvider, TravelResult

__all__ = ["GreatCircleProvider", "TravelProvider", "TravelResult", "haversine_m"]
