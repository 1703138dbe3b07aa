"""Specimen agreements for the handbook: the sample data lives one layer down (clausier.specimens),
where `check` renders every clause from it too."""

from __future__ import annotations

from ..specimens import SPECIMEN_DATE, sample_value, specimen_agreement, usable_templates

__all__ = ["SPECIMEN_DATE", "sample_value", "specimen_agreement", "usable_templates"]
