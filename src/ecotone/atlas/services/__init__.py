"""The access atlas's operations, one module per area:

- `analyses`: an ecosystem's analyses and their settings (`InvalidInputError` names bad fields);
- `offers`: programs, real or hypothetical, as offers, and the eligibility filters;
- `compute`: the analysis computed (offers to sites, areas to demand, `reach.analyse`);
- `results`: what a finished run holds, typed (`AreaAccess`, `RunResult`);
- `runs`: runs cached under a fingerprint, computed at once or by the task
  `compute_analysis_run`, and their results read back;
- `scenarios`: hypothetical programs saved, compared with today, previewed;
- `publish`: counts of young people as they may be published (small-cell suppression), and
  `Figures`, a run's figures and words in one call for the pages, the export and the API;
- `wording`: why an area is a priority, a count of students in words;
- `network`: the atlas's figures on a network's page (areas and deserts, never young people).

Views, the API, the export and the task all call these; none computes access itself. State
changes (settings, scenarios) take the acting user, run in one transaction with their audit
entry (`acting`), and raise DomainError (`InvalidInputError` with field-level messages).

The atlas's own modules import the module of the area; the names below are the package's for
callers outside it (mentoring, the demo, the tests). `analyses`, `compute` and `scenarios` name
the modules here, not the functions of the same name in them.
"""

from .analyses import (
    InvalidInputError,
    create_analysis,
    default_analysis,
    parameters_of,
    parse_parameters,
    update_parameters,
    vocabulary,
)
from .comparisons import Comparison, ScenarioComparison
from .offers import Offer, clean_scenario_programs, eligible, hypothetical_offers, program_offers
from .publish import (
    hidden_text,
    is_hidden,
    publish_area,
    publishable,
    publishable_breakdown,
    publishable_change,
    publishable_total,
    published_summary,
)
from .results import AreaAccess, RunResult
from .runs import (
    compute_analysis_run,
    compute_run,
    fingerprint,
    is_current,
    last_done_run,
    latest_run,
    result_of,
    stage_label,
    start_run,
)
from .scenarios import (
    compare,
    delete_scenario,
    preview_comparison,
    preview_scenario,
    save_scenario,
)
from .wording import reasons, youth_text

__all__ = [
    "AreaAccess",
    "Comparison",
    "InvalidInputError",
    "Offer",
    "RunResult",
    "ScenarioComparison",
    "clean_scenario_programs",
    "compare",
    "compute_analysis_run",
    "compute_run",
    "create_analysis",
    "default_analysis",
    "delete_scenario",
    "eligible",
    "fingerprint",
    "hidden_text",
    "hypothetical_offers",
    "is_current",
    "is_hidden",
    "last_done_run",
    "latest_run",
    "parameters_of",
    "parse_parameters",
    "preview_comparison",
    "preview_scenario",
    "program_offers",
    "publish_area",
    "publishable",
    "publishable_breakdown",
    "publishable_change",
    "publishable_total",
    "published_summary",
    "reasons",
    "result_of",
    "save_scenario",
    "stage_label",
    "start_run",
    "update_parameters",
    "vocabulary",
    "youth_text",
]
