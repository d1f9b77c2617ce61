"""Reading: wire copy from bytes to a ``Document`` of ``Paragraph``s of ``Sentence``s.

``reader`` decodes files (UTF-8, or cp1252 with a warning) and recognises the structure of agency
copy; ``segment`` splits paragraphs into sentences; ``typography`` holds the French normalisation
the model was trained with and the English conventions its output gets.
"""
