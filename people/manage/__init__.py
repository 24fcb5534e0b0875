"""The roster in the administrators' workspace (``/manage/people/``): the department tree with its
head counts, the staff list, adding a department, and the roster import. Exam administrators only;
every write calls ``people.services`` or ``people.roster``."""
