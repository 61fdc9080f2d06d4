class DomainError(Exception):
    """A business rule refused the request. The message is translated and shown to the user."""

    def __init__(self, message, *, field=None):
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self):
        return str(self.message)
