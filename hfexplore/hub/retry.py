"""How long and how often to retry what can be retried."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

RETRYABLE_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})


@dataclass
class RetryPolicy:
    """Capped exponential backoff with jitter, bounded in attempts and in total time.

    `max_attempts` bounds server errors and broken responses; 429s are bounded by
    `give_up_after` only, since a rate-limit wait is expected to end when the window resets.
    """

    max_attempts: int = 6
    base_delay: float = 0.5
    max_delay: float = 30.0
    give_up_after: float = 900.0
    connect_attempts: int = 2
    timeout: float = 60.0
    rng: random.Random = field(default_factory=random.Random)

    def backoff(self, attempt: int) -> float:
        """Delay before retry number `attempt` (1-based): half fixed, half random."""
        ceiling = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        return ceiling / 2 + self.rng.uniform(0, ceiling / 2)
