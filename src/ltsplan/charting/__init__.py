"""Pictures of reports: Vega-Lite specs for the pages (``vega``) and PNG/SVG figures for the
command line (``figures``), with the units and palettes they share."""
