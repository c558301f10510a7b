from django import template

from ..profile import interest_label

register = template.Library()


@register.filter
def interest(code: str) -> str:
    """An interest code's label, in the page's language."""
    return interest_label(code)
