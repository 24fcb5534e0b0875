"""The exam administrators' workspace pages (``/manage/…``): sessions, results, exams, the question
bank and law areas. Views are thin: every write goes through ``exams.services``, every read through
``exams.selectors`` or ``exams.manage.selectors``."""
