"""Knowledge kept as data: the license table and the organisation families.

Both ship inside the package (`hfexplore/data/`) and can be extended or overridden by a user
file of the same format. The code lives in `licenses.py` and `families.py`; this module is the
one place the rest of hfexplore imports them from.
"""

from hfexplore.knowledge.drift import OUTCOME_MEANING, OUTCOMES, DriftOrder
from hfexplore.knowledge.families import Families, Family
from hfexplore.knowledge.formats import FormatRule, FormatRules, SizeBucket
from hfexplore.knowledge.libraries import load_library_names
from hfexplore.knowledge.licenses import (
    CATEGORIES,
    OPEN_WEIGHT_CATEGORIES,
    RESTRICTIVENESS,
    LicenseInfo,
    LicenseTable,
    categories_by_policy,
    most_restrictive,
)
from hfexplore.knowledge.reuploads import Reuploads

__all__ = ["CATEGORIES", "OPEN_WEIGHT_CATEGORIES", "OUTCOMES", "OUTCOME_MEANING",
           "RESTRICTIVENESS", "DriftOrder", "Families", "Family", "FormatRule", "FormatRules",
           "LicenseInfo", "LicenseTable", "Reuploads", "SizeBucket", "categories_by_policy",
           "load_library_names", "most_restrictive"]
