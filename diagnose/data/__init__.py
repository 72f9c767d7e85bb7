"""Data in: the Dataset, its loaders and generated sets."""
