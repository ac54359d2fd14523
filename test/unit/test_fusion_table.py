"""The fusion table's lookups (fusion/table.py): the data cells and the two extensions."""

from __future__ import annotations

from dnnfusion_mlir.dialects.mapping import MappingType
from dnnfusion_mlir.fusion.table import TABLE, Colour, lookup

O2O, O2M, M2M = MappingType.ONE_TO_ONE, MappingType.ONE_TO_MANY, MappingType.MANY_TO_MANY


def test_every_pair_has_a_cell() -> None:
    assert len(TABLE) == len(MappingType) ** 2
    for (producer, consumer), cell in TABLE.items():
        assert lookup(producer, consumer) == cell


def test_corf_makes_many_to_many_pairs_yellow() -> None:
    assert lookup(M2M, M2M).colour == Colour.RED
    cell = lookup(M2M, M2M, corf=True)
    assert (cell.result, cell.colour) == (M2M, Colour.YELLOW)


def test_transcendental_producer_under_broadcast_is_checked() -> None:
    assert lookup(O2O, O2M).colour == Colour.GREEN
    cell = lookup(O2O, O2M, transcendental=True)
    assert (cell.result, cell.colour) == (O2M, Colour.YELLOW)
    # Only that cell changes: element-wise chains stay G.
    assert lookup(O2O, O2O, transcendental=True).colour == Colour.GREEN
