"""Fusion-plan generation (DESIGN.md §4): the mapping-type table, the planner, the
analytic profitability model and the on-disk profiling database."""
