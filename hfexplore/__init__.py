"""hfexplore: explore, snapshot and fact-check the Hugging Face Hub catalogue."""

__version__ = "0.1.0"
