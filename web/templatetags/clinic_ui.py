"""Template filters for how clinical codes read on the pages."""

from django import template

from assessments.grades import MRCGrade

from ..labels import muscle_label

register = template.Library()


@register.filter
def muscle(value):
    return muscle_label(value)


@register.filter
def grade(thirds):
    """A grade stored in thirds, as its label (``11`` → ``4-``)."""
    return "" if thirds is None else MRCGrade(thirds).label


@register.filter
def code_label(value):
    """``occupational_therapy`` → ``Occupational therapy`` for codes without a choices label at hand."""
    return str(value).replace("_", " ").capitalize()
