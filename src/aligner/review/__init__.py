"""Review: what a translator looks at. QA flags per bead (``qa``), the side-by-side HTML report
(``report``) and exports for CAT tools and data teams (``export``)."""
