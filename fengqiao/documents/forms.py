"""Input of the documents pages and API: which form to issue, or which version to correct."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fengqiao.cases.models import Case
from fengqiao.documents import registry
from fengqiao.documents.models import IssuedDocument


class IssueForm(forms.Form):
    """``doc_type`` for a new document; ``replaces`` (the id of a version of this case) for a
    correction, whose type is that of the version it replaces."""

    doc_type = forms.ChoiceField(label=_("文书类型"), choices=[], required=False)
    replaces = forms.IntegerField(label=_("更正的文书"), required=False, min_value=1)

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.case = case
        field = self.fields["doc_type"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(t.code, t.title) for t in registry.for_subject(registry.SubjectKind.CASE)]
        field.error_messages["invalid_choice"] = _("未知的文书类型“%(value)s”。")

    def clean_replaces(self) -> IssuedDocument | None:
        pk = self.cleaned_data.get("replaces")
        if pk is None:
            return None
        document = IssuedDocument.objects.filter(case=self.case, pk=pk).first()
        if document is None:
            raise forms.ValidationError(_("本案件没有编号为 %(pk)s 的文书。") % {"pk": pk})
        return document

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        replaces: IssuedDocument | None = data.get("replaces")
        doc_type = data.get("doc_type")
        if replaces is not None:
            if doc_type and doc_type != replaces.doc_type:
                self.add_error("doc_type", _("更正版须与被更正的文书类型相同。"))
            data["doc_type"] = replaces.doc_type
        elif not doc_type and "doc_type" not in self.errors and "replaces" not in self.errors:
            self.add_error("doc_type", _("请选择文书类型。"))
        return data
