"""The documents officials fill in and read: the progress-report workbook and the locality's target sheet."""
