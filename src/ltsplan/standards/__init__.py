"""Standards: the catalogue of standards and requirements, how requirements are measured, and national adoption."""
