"""OPTICS clustering identical to scikit-learn's, with a compiled kernel."""
from .optics import (
    OPTICS,
    AllOutliersWarning,
    cluster_optics_dbscan,
    cluster_optics_xi,
    compute_optics_graph,
)

__all__ = [
    "OPTICS",
    "AllOutliersWarning",
    "cluster_optics_dbscan",
    "cluster_optics_xi",
    "compute_optics_graph",
]
