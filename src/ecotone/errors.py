class DomainError(Exception):
    """A rule of the domain refused the operation; the message is shown to the person."""
