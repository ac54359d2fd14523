"""DNNFusion's five mapping types: how each output element depends on input elements."""

from enum import Enum


class MappingType(str, Enum):
    """Mapping type of an operator (DESIGN.md §2); the value is what the IR attribute holds."""

    ONE_TO_ONE = "one_to_one"
    ONE_TO_MANY = "one_to_many"
    MANY_TO_MANY = "many_to_many"
    REORGANIZE = "reorganize"
    SHUFFLE = "shuffle"

    @classmethod
    def parse(cls, text: str) -> "MappingType":
        """The member whose value is `text` (ValueError otherwise)."""
        return cls(text)
