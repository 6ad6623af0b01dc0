"""The API's resources, one module per resource, each with its own flask-smorest Blueprint (see the package's
docstring for how to add one)."""
