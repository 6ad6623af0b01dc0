"""Dataset generator and benchmark runner for the national-scale speed targets."""
