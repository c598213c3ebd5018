"""The one rendering service: a document type and its subject give a DOCX, a PDF and the text.

Both files are made from one HTML fragment (the type's template) parsed once
(``markup.parse``): the PDF through WeasyPrint with the GB/T 9704 stylesheet, the DOCX by
walking the same tree with python-docx.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone

from fengqiao.cases.models import Case
from fengqiao.documents import fonts, markup, registry
from fengqiao.documents.pdf import render_pdf
from fengqiao.documents.word import render_docx

PAGE_NUMBER_CHARACTERS = "— 0123456789"


@dataclass(frozen=True)
class RenderedDocument:
    docx: bytes
    pdf: bytes
    text: str  # the document's text, one line per paragraph or table row
    pages: int  # pages of the PDF
    title: str


def _author(subject: Any) -> str:
    if isinstance(subject, Case):
        return subject.receiving_department.name
    return str(getattr(subject, "document_author", ""))  # e.g. a consultation: the group office


def document_render(*, doc_type: str, subject: Any, issue: registry.Issue | None = None) -> RenderedDocument:
    """Render ``doc_type`` for ``subject`` (a case, or a consultation for the minutes). Without
    ``issue`` it is a draft: no number, dated today. Raises ``fonts.FontMissing`` when the PDF cannot be drawn with the
    installed fonts, and ``markup.TemplateMarkupError`` when a template leaves the
    vocabulary."""
    kind = registry.get(doc_type)
    if kind.subject == registry.SubjectKind.CASE and not isinstance(subject, Case):
        raise TypeError(f"{doc_type} is about a case, not {type(subject).__name__}")
    if kind.subject != registry.SubjectKind.CASE and isinstance(subject, Case):
        raise TypeError(f"{doc_type} is about a {kind.subject}, not a case")
    issue = issue or registry.Issue()
    html = render_to_string(kind.template, registry.context(kind, subject, issue))
    return html_render(
        html,
        template=kind.template,
        title=str(kind.title),
        author=_author(subject),
        created=issue.issued_at or timezone.now(),
    )


def html_render(
    html: str, *, title: str, author: str = "", created: datetime | None = None, template: str = ""
) -> RenderedDocument:
    """Both files from one fragment of the document vocabulary (``markup``)."""
    parsed = markup.parse(html, template=template or title)
    chosen = fonts.resolve_all()
    fonts.check_coverage([*parsed.role_texts, ("page_number", PAGE_NUMBER_CHARACTERS)], chosen)
    pdf = render_pdf(parsed, fonts=chosen, title=title, author=author)
    docx = render_docx(parsed, title=title, author=author, created=created or timezone.now())
    return RenderedDocument(docx=docx, pdf=pdf.data, text=parsed.text, pages=pdf.pages, title=title)
