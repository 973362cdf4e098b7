"""Builds a problem's travel matrices from its travel model (runs inside solver workers)."""

from __future__ import annotations

from geo import GreatCircleProvider, TravelProvider
from solver.locations import Locations
from solver.model import GreatCircleModel, Problem, TravelMatrices


def provider_for(problem: Problem) -> TravelProvider:
    model = problem.options.travel_model
    if isinstance(model, GreatCircleModel):
        return GreatCircleProvider(speed_kmh=model.speed_kmh, detour_factor=model.detour_factor)
    raise ValueError(f"unsupported travel model {type(model).__name__}")


def matrices_for(problem: Problem) -> TravelMatrices:
    locations = Locations.of(problem)
    result = provider_for(problem).matrices(locations.lat_deg, locations.lng_deg)
    unroutable = frozenset(int(i) for i in result.unroutable.nonzero()[0])
    return TravelMatrices(result.duration_s, result.distance_m, unroutable)
