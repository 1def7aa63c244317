"""What messages say: Chinese templates (``templates/``) and their rendering, the circular's text, the status

board's content.
"""
