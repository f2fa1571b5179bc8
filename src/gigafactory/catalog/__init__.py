"""Sourced facts: accelerators, racks, supply tiers, sites, companies, deals."""

from .loader import load_catalog, load_catalog_from
from .schema import Catalog, Fact, iter_facts

__all__ = ["Catalog", "Fact", "iter_facts", "load_catalog", "load_catalog_from"]
