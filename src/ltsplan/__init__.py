"""ltsplan: a long-term support plan for a partner country's security, as working software."""

__version__ = "0.1.0"
