"""The clinician pages, one module per area: each page finds its record through ``visible_to``
(another clinic's is a 404), asks ``patients.policy`` whether the user may act (403 if not), and
writes through one service.

Clinical judgements (due, overdue, high fall risk, declines, guidance) come from
``clinical_rules``; the records come from each app's read functions (``selectors``); how they
read on the page comes from ``web.presenters``.
"""
