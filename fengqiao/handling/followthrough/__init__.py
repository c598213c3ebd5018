"""The follow-through of time limits (时限督办, 五(四); issue 5 items 5-6): what keeps every
deadline of a case moving, for the investigation's tasks and for the other apps' steps alike.

- ``deadlines``: due soon and overdue, 催办 and 督办升级 (and the 四(五) remedy and visit
  reminders), the daily job that sends them;
- ``extensions``: 延期 of a task's or a case's time limit;
- ``mediation``: 调解, whose agreement becomes the case's draft decision;
- ``recompute``: provisional deadlines made exact once their year's holidays are entered;
- ``views``, ``forms``, ``urls`` (pages under ``/handling/followthrough/``), ``api``, ``todo``.

Its models are ``handling.models.followthrough`` (the app label stays ``handling``). The
investigation — tasks, written opinions, special handling, the decision, legal review — is
the rest of ``fengqiao.handling``.
"""


def deadline_jobs_task() -> str:
    """The django-q2 entry point of the daily job (``deadlines.deadline_jobs_run``). A schedule
    stores this dotted path (``fengqiao.handling.followthrough.deadline_jobs_task``) and no
    arguments, and existing schedule rows are never rewritten, so the path stays here."""
    from fengqiao.handling.followthrough.deadlines import deadline_jobs_run

    return str(deadline_jobs_run())
