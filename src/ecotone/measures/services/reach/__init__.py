"""Unduplicated reach (issue 17): linkage runs over the stored rosters (`runs`), the reach
indicator's values for the dashboards (`counts`) and the reach report (`report`)."""

from ..epochs import epoch_periods
from .counts import REACH_KEY, reach_indicator
from .runs import (
    latest_done_run,
    latest_run,
    link_epoch,
    request_linkage,
    run_linkage,
)

__all__ = [
    "REACH_KEY",
    "epoch_periods",
    "latest_done_run",
    "latest_run",
    "link_epoch",
    "reach_indicator",
    "request_linkage",
    "run_linkage",
]
