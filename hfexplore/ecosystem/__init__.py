"""The shape of the ecosystem, over one snapshot: model trees and single repos (`tree.py`,
`repo.py`), license drift along the trees (`drift.py`) and organisations (`org.py`). Every
figure is aggregated by the query engine (`stats/engine.py`) over the lineage graph of
`stats/closure.py`, so it means what the lineage report's figures mean."""
