"""suppress: rule selection and levels from the configuration.

Inline ``exvlint:ignore`` comments, ARM metadata and baselines arrive with the CI-integration
work; this stage is where they will apply, after every check has run.
"""
from __future__ import annotations

from .config import Config

ALWAYS_REPORTED = {"EXV000", "EXV002", "EXV003"}  # input and internal errors cannot be switched off


def selected(rule_id: str, config: Config) -> bool:
    if rule_id in ALWAYS_REPORTED:
        return True
    if config.select and rule_id not in config.select:
        return False
    return rule_id not in config.ignore


def apply(findings: list, config: Config) -> list:
    return [f for f in findings if selected(f.rule_id, config)]
