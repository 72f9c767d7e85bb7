"""Scoring on folds: metrics, splits, model scores and statistical tests."""
