"""Claims about the Hub as data files, checked against live counts and snapshots."""

from hfexplore.claims.check import ClaimsCheck, check_claim_files
from hfexplore.claims.evaluate import Evaluator, check_claims, evaluator_for
from hfexplore.claims.loader import Claim, builtin_claim_files, load_claim_files

__all__ = ["Claim", "ClaimsCheck", "Evaluator", "builtin_claim_files", "check_claim_files",
           "check_claims", "evaluator_for", "load_claim_files"]
