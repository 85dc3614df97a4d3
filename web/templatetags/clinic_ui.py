"""Template filters for how clinical codes read on the pages."""

from django import template

from ..labels import muscle_label

register = template.Library()


@register.filter
def muscle(value):
    return muscle_label(value)


@register.filter
def code_label(value):
    """``occupational_therapy`` → ``Occupational therapy`` for codes without a choices label at hand."""
    return str(value).replace("_", " ").capitalize()
